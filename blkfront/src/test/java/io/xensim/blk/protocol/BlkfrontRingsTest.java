package io.xensim.blk.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.xenbus.XenErrno;
import io.xensim.xenbus.bus.XenbusDeviceException;
import io.xensim.xenbus.bus.XenstoreReader;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** Blkback reads blkfront's rings, and blkfront blkback's features, as the keys turn out to be. */
class BlkfrontRingsTest {
    private static final String FE = "/local/domain/1/device/vbd/51712";
    private static final String BE = "/local/domain/0/backend/vbd/1/51712";

    private final Map<String, String> store = new HashMap<>();

    private XenstoreReader reader(String dir) {
        return XenstoreReader.over(dir, path -> CompletableFuture.completedFuture(Optional.ofNullable(store.get(path))));
    }

    private void put(String dir, String... keyValues) {
        for (int i = 0; i < keyValues.length; i += 2) {
            store.put(dir + "/" + keyValues[i], keyValues[i + 1]);
        }
    }

    @Test
    void aOnePageRingIsRingRef() {
        put(FE, "ring-ref", "8", "event-channel", "3", "protocol", "x86_64-abi");

        var rings = BlkfrontRings.read(reader(FE), 4, 4).join();

        assertThat(rings.ringPageOrder()).isZero();
        assertThat(rings.rings()).containsExactly(new BlkfrontRings.Ring(List.of(8), 3));
    }

    @Test
    void aMultiPageRingIsRingRef0ToNAndSeveralQueuesLiveUnderQueueN() {
        put(FE, "ring-page-order", "1", "multi-queue-num-queues", "2");
        put(FE + "/queue-0", "ring-ref0", "8", "ring-ref1", "9", "event-channel", "3");
        put(FE + "/queue-1", "ring-ref0", "10", "ring-ref1", "11", "event-channel", "4");

        var rings = BlkfrontRings.read(reader(FE), 4, 4).join();

        assertThat(rings.ringPageOrder()).isEqualTo(1);
        assertThat(rings.protocol()).isEqualTo(BlkFeatures.XEN_IO_PROTO_ABI_NATIVE);
        assertThat(rings.rings()).containsExactly(new BlkfrontRings.Ring(List.of(8, 9), 3),
                new BlkfrontRings.Ring(List.of(10, 11), 4));
        assertThat(rings.rings().get(1).refArray()).containsExactly(10, 11);
    }

    @Test
    void aRogueFrontendsOrderQueuesOrProtocolFailTheReadWithTheErrno() {
        put(FE, "ring-page-order", "5", "ring-ref0", "8", "event-channel", "3");
        assertThat(failure(BlkfrontRings.read(reader(FE), 4, 1))).satisfies(e -> {
            assertThat(e.errno()).isEqualTo(XenErrno.XEN_EINVAL);
            assertThat(e).hasMessage("requested ring page order 5 exceeds max-ring-page-order 4");
        });
        store.clear();
        put(FE, "multi-queue-num-queues", "0", "ring-ref", "8", "event-channel", "3");
        assertThat(failure(BlkfrontRings.read(reader(FE), 4, 1)).errno()).isEqualTo(XenErrno.XEN_ENOSYS);
        store.clear();
        put(FE, "protocol", "x86_32-abi", "ring-ref", "8", "event-channel", "3");
        assertThat(failure(BlkfrontRings.read(reader(FE), 4, 1))).hasMessage("unknown fe protocol x86_32-abi");
        store.clear();
        put(FE, "ring-page-order", "2", "ring-ref0", "8", "ring-ref1", "9", "ring-ref2", "10", "event-channel", "3");
        assertThat(failure(BlkfrontRings.read(reader(FE), 4, 1))).hasMessage("missing key " + FE + "/ring-ref3");
    }

    @Test
    void blkbackFeaturesHaveTheirDefaultsAndChooseTheOrderAndQueues() {
        assertThat(BlkbackFeatures.read(reader(BE)).join())
                .isEqualTo(new BlkbackFeatures(0, 1, false, false, false, false, 0));
        put(BE, "max-ring-page-order", "9", "multi-queue-max-queues", "4", "feature-flush-cache", "1",
                "feature-discard", "\u0661", "feature-max-indirect-segments", "256");

        var features = BlkbackFeatures.read(reader(BE)).join();

        assertThat(features).isEqualTo(new BlkbackFeatures(BlkifRing.MAX_RING_PAGE_ORDER, 4, true, false, false,
                false, 256));
        assertThat(features.ringPageOrder(2)).isEqualTo(2);
        assertThat(features.ringPageOrder(7)).isEqualTo(BlkifRing.MAX_RING_PAGE_ORDER);
        assertThat(features.queues(8)).isEqualTo(4);
    }

    private static XenbusDeviceException failure(CompletableFuture<?> future) {
        assertThatThrownBy(future::join).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(XenbusDeviceException.class);
        return (XenbusDeviceException) future.handle((v, e) -> e.getCause()).join();
    }
}
