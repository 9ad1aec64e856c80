package io.xensim.blk.front;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.guest.GuestBlockDevice;
import io.xensim.blk.protocol.VdiskInfo;
import io.xensim.xenbus.bus.FrontendDevice;
import io.xensim.xenbus.trace.TraceEvent;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BlkfrontHandshakeTest {
    static Stream<Arguments> ordersAndQueues() {
        List<Arguments> all = new ArrayList<>();
        for (int order = 0; order <= 4; order++) {
            for (int queues = 1; queues <= 4; queues++) {
                all.add(Arguments.of(order, queues));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "ring-page-order {0}, {1} queue(s)")
    @MethodSource("ordersAndQueues")
    void publishesTheKeysOfTalkToBlkback(int order, int queues) {
        var config = BlkfrontConfig.DEFAULT.withMaxRingPageOrder(order).withMaxQueues(queues);
        try (var f = new BlkFixture(config, ScriptedBlkback.Offer.LINUX)) {
            f.addVbd();
            assertThat(f.front().state()).isEqualTo(GuestBlockDevice.State.CONNECTED);
            assertThat(f.front().ringCount()).isEqualTo(queues);
            assertThat(f.front().ringPageOrder()).isEqualTo(order);
            assertThat(f.frontKey("protocol")).isEqualTo("x86_64-abi");
            assertThat(f.frontKey("feature-persistent")).isEqualTo("1");
            assertThat(f.frontKey("state")).isEqualTo("4");
            assertThat(f.frontKey("ring-page-order")).isEqualTo(order > 0 ? Integer.toString(order) : null);
            assertThat(f.frontKey("multi-queue-num-queues")).isEqualTo(queues > 1 ? Integer.toString(queues) : null);
            List<String> dirs = queues == 1 ? List.of("") : Stream.iterate(0, i -> i + 1).limit(queues)
                    .map(i -> "queue-" + i + "/").toList();
            for (String dir : dirs) {
                assertThat(f.frontKey(dir + "event-channel")).as(dir + "event-channel").isNotNull();
                if (order == 0) {
                    assertThat(f.frontKey(dir + "ring-ref")).isNotNull();
                    assertThat(f.frontKey(dir + "ring-ref0")).isNull();
                } else {
                    assertThat(f.frontKey(dir + "ring-ref")).isNull();
                    for (int i = 0; i < 1 << order; i++) {
                        assertThat(f.frontKey(dir + "ring-ref" + i)).as(dir + "ring-ref" + i).isNotNull();
                    }
                    assertThat(f.frontKey(dir + "ring-ref" + (1 << order))).isNull();
                }
            }
            if (queues > 1) {
                assertThat(f.frontKey("ring-ref")).isNull();
                assertThat(f.frontKey("event-channel")).isNull();
                assertThat(f.frontDir("")).doesNotContain("queue-" + queues);
            }
            // The backend read the same thing back (BlkfrontRings), and a request goes over every ring.
            assertThat(f.back().frontendRings.rings()).hasSize(queues);
            assertThat(f.back().frontendRings.ringPageOrder()).isEqualTo(order);
            for (int q = 0; q < queues; q++) {
                int s = q;
                assertThat(f.submit(d -> d.write(s * 8L, BlkFixture.pattern(8, s)))).isCompletedWithValue(BlkStatus.OK);
            }
            assertThat(f.script.seen.stream().map(ScriptedBlkback.Seen::ring).distinct()).hasSize(queues);
        }
    }

    @Test
    void asksForNoMoreThanTheBackendOffers() {
        var config = BlkfrontConfig.DEFAULT.withMaxRingPageOrder(3).withMaxQueues(4);
        try (var f = new BlkFixture(config, ScriptedBlkback.Offer.LINUX.withMaxQueues(2).withMaxRingPageOrder(1))) {
            f.addVbd();
            assertThat(f.front().ringCount()).isEqualTo(2);
            assertThat(f.front().ringPageOrder()).isEqualTo(1);
            assertThat(f.frontKey("queue-0/ring-ref1")).isNotNull();
            assertThat(f.front().queueDepth()).isEqualTo(2 * io.xensim.blk.protocol.BlkifRing.ringSize(1));
        }
    }

    @Test
    void initialisedBeforeTheBackendConnectsThenConnected() {
        try (var f = new BlkFixture()) {
            f.addVbd();
            List<String> lines = f.fx.stateLines();
            int initialised = indexOf(lines, "d1", "Initialised");
            int backConnected = indexOf(lines, "d0", "Connected");
            int frontConnected = indexOf(lines, "d1", "Connected");
            assertThat(initialised).as(lines.toString()).isNotNegative();
            assertThat(initialised).as(lines.toString()).isLessThan(backConnected);
            assertThat(backConnected).as(lines.toString()).isLessThan(frontConnected);
            assertThat(f.fx.trace.events(e -> e.kind() == TraceEvent.Kind.INFO && e.detail().contains("blkfront: xvda:")))
                    .singleElement().satisfies(e -> assertThat(e.detail()).contains("flush diskcache: enabled;",
                            "persistent grants: enabled;", "indirect descriptors: enabled;", "bounce buffer: enabled"));
        }
    }

    private static int indexOf(List<String> lines, String dom, String state) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(dom + " ") && lines.get(i).contains(state)) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void readsTheDiskAndChoosesFeatures() {
        try (var f = new BlkFixture()) {
            f.addVbd();
            var disk = f.front().disk().orElseThrow();
            assertThat(disk.sectors()).isEqualTo(BlkFixture.SECTORS);
            assertThat(disk.sectorSize()).isEqualTo(512);
            assertThat(disk.physicalSectorSize()).isEqualTo(512);
            var feat = f.front().features().orElseThrow();
            assertThat(feat.flush()).isTrue();
            assertThat(feat.fua()).isFalse();
            assertThat(feat.discard()).isTrue();
            assertThat(feat.discardGranularity()).isEqualTo(4096);
            assertThat(feat.persistent()).isTrue();
            assertThat(feat.maxIndirectSegments()).isEqualTo(32); // min(256 offered, max_indirect_segments)
            assertThat(f.front().name()).isEqualTo("xvda");
        }
    }

    @Test
    void barrierAloneMeansFlushWithFua() {
        try (var f = new BlkFixture(BlkfrontConfig.DEFAULT, ScriptedBlkback.Offer.LINUX.withFlush(false, true))) {
            f.addVbd();
            var feat = f.front().features().orElseThrow();
            assertThat(feat.flush()).isTrue();
            assertThat(feat.fua()).isTrue();
        }
    }

    @Test
    void indirectAtOrBelowElevenSegmentsIsNotUsed() {
        try (var f = new BlkFixture(BlkfrontConfig.DEFAULT, ScriptedBlkback.Offer.LINUX.withMaxIndirectSegments(11))) {
            f.addVbd();
            assertThat(f.front().features().orElseThrow().maxIndirectSegments()).isZero();
        }
    }

    @Test
    void aMissingSectorSizeIsFatal() {
        try (var f = new BlkFixture(BlkfrontConfig.DEFAULT, ScriptedBlkback.Offer.LINUX.withSectorSize(null))) {
            f.addVbd();
            assertThat(f.front().phase()).isIn(FrontendDevice.Phase.FAILED, FrontendDevice.Phase.CLOSED);
            assertThat(f.front().device().fatalError()).hasValueSatisfying(m -> assertThat(m)
                    .contains("reading backend fields at /local/domain/0/backend/vbd/1/" + BlkFixture.XVDA)
                    .contains("sector-size missing"));
            assertThat(f.front().state()).isEqualTo(GuestBlockDevice.State.NOT_CONNECTED);
        }
    }

    @Test
    void aReadOnlyDiskRefusesWritesInTheGuest() {
        for (int info : new int[] {VdiskInfo.VDISK_READONLY, VdiskInfo.VDISK_CDROM | VdiskInfo.VDISK_REMOVABLE}) {
            try (var f = new BlkFixture(BlkfrontConfig.DEFAULT, ScriptedBlkback.Offer.LINUX.withInfo(info))) {
                f.addVbd();
                assertThat(f.front().readOnly()).isTrue();
                assertThat(f.submit(d -> d.write(0, BlkFixture.pattern(1, 1)))).isCompletedWithValue(BlkStatus.READ_ONLY);
                assertThat(f.submit(d -> d.writeFua(0, BlkFixture.pattern(1, 1)))).isCompletedWithValue(BlkStatus.READ_ONLY);
                assertThat(f.submit(d -> d.discard(0, 8))).isCompletedWithValue(BlkStatus.READ_ONLY);
                assertThat(f.submit(d -> d.read(0, MemorySegment.ofArray(new byte[512])))).isCompletedWithValue(BlkStatus.OK);
                assertThat(f.script.seen).singleElement().satisfies(s -> assertThat(s.request().operation()).isZero());
            }
        }
    }

    @Test
    void bounceFollowsTrustedKeyAndModuleParameter() {
        var noPersistent = BlkfrontConfig.DEFAULT.withFeaturePersistent(false);
        try (var f = new BlkFixture(noPersistent, ScriptedBlkback.Offer.LINUX)) {
            f.addVbd("1");
            assertThat(f.front().bounce()).isFalse();
        }
        try (var f = new BlkFixture(noPersistent, ScriptedBlkback.Offer.LINUX)) {
            f.addVbd("0");
            assertThat(f.front().bounce()).isTrue();
        }
        try (var f = new BlkFixture(noPersistent.withTrusted(false), ScriptedBlkback.Offer.LINUX)) {
            f.addVbd(null);
            assertThat(f.front().bounce()).isTrue();
        }
        try (var f = new BlkFixture(BlkfrontConfig.DEFAULT, ScriptedBlkback.Offer.LINUX)) {
            f.addVbd(null);
            assertThat(f.front().bounce()).as("persistent grants force bounce").isTrue();
        }
    }

    @Test
    void attachesThroughTheToolstacksVbdConfig() {
        try (var f = new BlkFixture()) {
            f.fx.toolstack.await(f.fx.toolstack.addDevice(io.xensim.xenbus.toolstack.DeviceConfig.vbd(1, 0,
                    BlkFixture.XVDA, "xvda", "/images/xvda.img", "phy", true)));
            f.fx.hv.runUntilIdle();
            BlkfrontDevice disk = BlkfrontDrivers.device(f.guest, BlkFixture.XVDA).orElseThrow();
            assertThat(disk.state()).isEqualTo(GuestBlockDevice.State.CONNECTED);
            assertThat(f.submit(d -> d.write(0, BlkFixture.pattern(8, 1)))).isCompletedWithValue(BlkStatus.OK);
        }
    }
}
