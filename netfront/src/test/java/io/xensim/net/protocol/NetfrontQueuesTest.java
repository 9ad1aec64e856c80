package io.xensim.net.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.xenbus.XenErrno;
import io.xensim.xenbus.bus.XenbusDeviceException;
import io.xensim.xenbus.bus.XenstoreReader;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Netback reads netfront's queues, and netfront netback's features, as the keys turn out to be. */
class NetfrontQueuesTest {
    private static final String FE = "/local/domain/1/device/vif/0";
    private static final String BE = "/local/domain/0/backend/vif/1/0";

    private final Map<String, String> store = new HashMap<>();
    private final List<String> reads = new ArrayList<>();

    private XenstoreReader reader(String dir) {
        return XenstoreReader.over(dir, path -> {
            reads.add(path);
            return CompletableFuture.completedFuture(Optional.ofNullable(store.get(path)));
        });
    }

    private void put(String dir, String... keyValues) {
        for (int i = 0; i < keyValues.length; i += 2) {
            store.put(dir + "/" + keyValues[i], keyValues[i + 1]);
        }
    }

    @Test
    void oneQueueHasItsKeysAtTheTopLevelAndOneEventChannel() {
        put(FE, "tx-ring-ref", "8", "rx-ring-ref", "9", "event-channel", "3");

        var queues = NetfrontQueues.read(reader(FE), 4).join();

        assertThat(queues.queues()).containsExactly(new NetfrontQueues.Queue(8, 9, 3, 3, false));
        assertThat(reads).noneMatch(p -> p.contains("/queue-"));
    }

    @Test
    void severalQueuesHaveTheirKeysUnderQueueNAndMaySplitTheirEventChannels() {
        put(FE, "multi-queue-num-queues", "2", "tx-ring-ref", "999"); // a stray top-level key is not read for 2
        put(FE + "/queue-0", "tx-ring-ref", "8", "rx-ring-ref", "9", "event-channel-tx", "3",
                "event-channel-rx", "4");
        put(FE + "/queue-1", "tx-ring-ref", "10", "rx-ring-ref", "11", "event-channel", "5");

        var queues = NetfrontQueues.read(reader(FE), 4).join();

        assertThat(queues.queues()).containsExactly(new NetfrontQueues.Queue(8, 9, 3, 4, true),
                new NetfrontQueues.Queue(10, 11, 5, 5, false));
        assertThat(reads).doesNotContain(FE + "/tx-ring-ref");
    }

    @Test
    void aRogueFrontendsValuesFailTheReadWithTheErrnoAndPath() {
        put(FE, "multi-queue-num-queues", "9");
        assertThat(failure(NetfrontQueues.read(reader(FE), 4))).satisfies(e -> {
            assertThat(e.errno()).isEqualTo(XenErrno.XEN_EINVAL);
            assertThat(e).hasMessageContaining("guest requested 9 queues, exceeding the maximum of 4");
        });
        store.clear();
        put(FE, "multi-queue-num-queues", "2");
        put(FE + "/queue-0", "tx-ring-ref", "8", "rx-ring-ref", "\u0669", "event-channel", "3");
        assertThat(failure(NetfrontQueues.read(reader(FE), 4))).satisfies(e -> {
            assertThat(e.errno()).isEqualTo(XenErrno.XEN_EINVAL);
            assertThat(e).hasMessageContaining("reading " + FE + "/queue-0/rx-ring-ref");
        });
        store.clear();
        put(FE, "tx-ring-ref", "8", "rx-ring-ref", "9");
        assertThat(failure(NetfrontQueues.read(reader(FE), 4))).satisfies(e -> {
            assertThat(e.errno()).isEqualTo(XenErrno.XEN_ENOENT);
            assertThat(e).hasMessage("missing key " + FE + "/event-channel");
        });
    }

    @Test
    void netbackFeaturesHaveTheirDefaultsWhenAbsentOrMalformed() {
        assertThat(NetbackFeatures.read(reader(BE)).join()).isEqualTo(
                new NetbackFeatures(1, false, false, false, false, false, false, false, false, false));
        put(BE, "multi-queue-max-queues", "16", "feature-split-event-channels", "1", "feature-rx-copy", "1",
                "feature-sg", "1", "feature-gso-tcpv4", "\u0661", "feature-ipv6-csum-offload", "2");

        var features = NetbackFeatures.read(reader(BE)).join();

        assertThat(features).isEqualTo(new NetbackFeatures(16, true, true, true, false, false, true, false, false,
                false));
        assertThat(features.queuesToRequest()).isEqualTo(NetbackFeatures.MAX_QUEUES);
    }

    static XenbusDeviceException failure(CompletableFuture<?> future) {
        assertThatThrownBy(future::join).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(XenbusDeviceException.class);
        return (XenbusDeviceException) future.handle((v, e) -> e.getCause()).join();
    }
}
