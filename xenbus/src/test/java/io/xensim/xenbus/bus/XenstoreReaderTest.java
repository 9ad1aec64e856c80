package io.xensim.xenbus.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.xenbus.XenErrno;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Required keys fail with a named errno; optional ones fall back to their default, as xenbus_read_unsigned. */
class XenstoreReaderTest {
    private static final String DIR = "/local/domain/1/device/echo/0";
    private final Map<String, String> store = Map.of(DIR + "/ref", "8", DIR + "/bad", "8x", DIR + "/arabic",
            "\u0668", DIR + "/big", "4294967296", DIR + "/one", "1", DIR + "/queue-2/ref", "12");
    private final XenstoreReader reader = XenstoreReader.over(DIR,
            path -> CompletableFuture.completedFuture(Optional.ofNullable(store.get(path))));

    @Test
    void requiredU32() {
        assertThat(reader.readU32("ref").join()).isEqualTo(8);
        assertThat(failure(reader.readU32("missing"))).satisfies(e -> {
            assertThat(e.errno()).isEqualTo(XenErrno.XEN_ENOENT);
            assertThat(e).hasMessage("missing key " + DIR + "/missing");
        });
        for (String key : new String[] {"bad", "arabic", "big"}) {
            assertThat(failure(reader.readU32(key))).satisfies(e -> {
                assertThat(e.errno()).isEqualTo(XenErrno.XEN_EINVAL);
                assertThat(e).hasMessageStartingWith("reading " + DIR + "/" + key + ": ");
            });
        }
    }

    @Test
    void optionalUnsignedsAndFeaturesHaveDefaults() {
        assertThat(reader.readUnsigned("ref", 7).join()).isEqualTo(8L);
        assertThat(reader.readUnsigned("missing", 7).join()).isEqualTo(7L);
        assertThat(reader.readUnsigned("arabic", 7).join()).isEqualTo(7L);
        assertThat(reader.readUnsigned("big", 7).join()).isEqualTo(7L);
        assertThat(reader.readFeature("one").join()).isTrue();
        assertThat(reader.readFeature("missing").join()).isFalse();
        assertThat(reader.readFeature("arabic").join()).isFalse();
    }

    @Test
    void queueDirectories() {
        XenstoreReader q = reader.queue(2);
        assertThat(q.dir()).isEqualTo(DIR + "/queue-2");
        assertThat(q.readU32("ref").join()).isEqualTo(12);
        assertThat(q.path("ref")).isEqualTo(DIR + "/queue-2/ref");
        assertThat(reader.readRequired("one").join()).isEqualTo("1");
    }

    private static XenbusDeviceException failure(CompletableFuture<?> future) {
        assertThatThrownBy(future::join).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(XenbusDeviceException.class);
        return (XenbusDeviceException) future.handle((v, e) -> e.getCause()).join();
    }
}
