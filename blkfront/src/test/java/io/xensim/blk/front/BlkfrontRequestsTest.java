package io.xensim.blk.front;

import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_FLUSH_DISKCACHE;
import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_WRITE;
import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_WRITE_BARRIER;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.protocol.BlkifRequest;
import io.xensim.blk.protocol.BlkifRequestDiscard;
import io.xensim.blk.protocol.BlkifRequestIndirect;
import io.xensim.blk.protocol.BlkifRingRequest;
import io.xensim.blk.protocol.BlkifStatus;
import io.xensim.xenbus.grant.GrantEntryV1;
import io.xensim.xenbus.grant.MapResult;
import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class BlkfrontRequestsTest {
    private static List<BlkifRingRequest> requests(BlkFixture f) {
        return f.script.seen.stream().map(ScriptedBlkback.Seen::request).toList();
    }

    private static void roundTrip(BlkFixture f, long sector, int sectors, int seed) {
        MemorySegment data = BlkFixture.pattern(sectors, seed);
        assertThat(f.submit(d -> d.write(sector, data))).isCompletedWithValue(BlkStatus.OK);
        assertThat(f.imageBytes(sector, sectors)).isEqualTo(data.toArray(ValueLayout.JAVA_BYTE));
        MemorySegment back = MemorySegment.ofArray(new byte[sectors * 512]);
        assertThat(f.submit(d -> d.read(sector, back))).isCompletedWithValue(BlkStatus.OK);
        assertThat(back.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(data.toArray(ValueLayout.JAVA_BYTE));
    }

    @Test
    void largeRequestsGoIndirectWithinTheNegotiatedLimit() {
        try (var f = new BlkFixture()) {
            f.addVbd();
            roundTrip(f, 0, 64, 1); // 8 pages: one direct request
            assertThat(requests(f).get(0)).isInstanceOfSatisfying(BlkifRequest.class,
                    r -> assertThat(r.nrSegments()).isEqualTo(8));
            f.script.seen.clear();
            roundTrip(f, 1000, 300, 2); // 38 pages: indirect 32 + direct 6
            List<BlkifRingRequest> writes = requests(f).stream().filter(r -> r.operation() != 0
                    && !(r instanceof BlkifRequestIndirect i && i.indirectOp() == 0)).toList();
            assertThat(writes).hasSize(2);
            assertThat(writes.get(0)).isInstanceOfSatisfying(BlkifRequestIndirect.class, r -> {
                assertThat(r.indirectOp()).isEqualTo(BLKIF_OP_WRITE);
                assertThat(r.nrSegments()).isEqualTo(32);
                assertThat(r.sectorNumber()).isEqualTo(1000);
                assertThat(r.indirectGrefs()).hasSize(1);
            });
            assertThat(writes.get(1)).isInstanceOfSatisfying(BlkifRequest.class, r -> {
                assertThat(r.nrSegments()).isEqualTo(6);
                assertThat(r.sectorNumber()).isEqualTo(1000 + 256);
            });
        }
    }

    @Test
    void withoutIndirectARequestTakesTwoLinkedSlots() {
        try (var f = new BlkFixture(BlkfrontConfig.DEFAULT, ScriptedBlkback.Offer.LINUX.withMaxIndirectSegments(0))) {
            f.addVbd();
            roundTrip(f, 40, 120, 3); // 15 pages: 11 + 4
            List<BlkifRingRequest> writes = requests(f).stream().filter(r -> r.operation() == BLKIF_OP_WRITE).toList();
            assertThat(writes).hasSize(2);
            var first = (BlkifRequest) writes.get(0);
            var second = (BlkifRequest) writes.get(1);
            assertThat(first.nrSegments()).isEqualTo(11);
            assertThat(second.nrSegments()).isEqualTo(4);
            assertThat(second.sectorNumber()).isEqualTo(40 + 88);
            assertThat(first.id()).isNotEqualTo(second.id());
            f.script.seen.clear();
            roundTrip(f, 2000, 200, 4); // 25 pages: 22 (two slots) + 3
            assertThat(requests(f).stream().filter(r -> r.operation() == BLKIF_OP_WRITE)
                    .map(r -> ((BlkifRequest) r).nrSegments())).containsExactly(11, 11, 3);
        }
    }

    @Test
    void unalignedBuffersPutThePageBoundariesWhereTheBufferHasThem() {
        try (var f = new BlkFixture()) {
            f.addVbd();
            byte[] raw = new byte[16 * 512];
            MemorySegment buffer = MemorySegment.ofArray(raw).asSlice(3 * 512L, 10 * 512L);
            buffer.copyFrom(BlkFixture.pattern(10, 9));
            assertThat(f.submit(d -> d.write(77, buffer))).isCompletedWithValue(BlkStatus.OK);
            var req = (BlkifRequest) requests(f).get(0);
            assertThat(req.segments()).extracting(s -> s.firstSect() + "-" + s.lastSect())
                    .containsExactly("3-7", "0-4");
            assertThat(f.imageBytes(77, 10)).isEqualTo(BlkFixture.pattern(10, 9).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void persistentGrantsAreReusedAndStayMapped() {
        // One ring: each ring has its own list of persistent grants.
        try (var f = new BlkFixture(BlkfrontConfig.DEFAULT.withMaxQueues(1), ScriptedBlkback.Offer.LINUX)) {
            f.addVbd();
            roundTrip(f, 0, 8, 1);
            Set<Integer> firstRefs = new HashSet<>(f.script.seen.get(0).dataGrefs());
            roundTrip(f, 64, 8, 2);
            assertThat(f.script.seen.get(2).dataGrefs()).containsAnyElementsOf(firstRefs);
            assertThat(f.front().persistentGrants()).isPositive();
            assertThat(f.onBack(() -> f.back().persistentMappings())).isPositive();
            assertThat(f.front().device().grantPool().live()).isEqualTo(f.front().persistentGrants());
        }
    }

    @Test
    void withoutPersistentGrantsEveryGrantEndsAfterItsResponse() {
        try (var f = new BlkFixture(BlkfrontConfig.DEFAULT.withFeaturePersistent(false), ScriptedBlkback.Offer.LINUX)) {
            f.addVbd();
            assertThat(f.frontKey("feature-persistent")).isEqualTo("0");
            roundTrip(f, 0, 300, 1);
            assertThat(f.front().features().orElseThrow().persistent()).isFalse();
            assertThat(f.front().persistentGrants()).isZero();
            assertThat(f.front().device().grantPool().live()).isZero();
            assertThat(f.onBack(() -> f.back().persistentMappings())).isZero();
        }
    }

    @Test
    void anUntrustedBackendSeesZeroedPagesAroundTheData() {
        var config = BlkfrontConfig.DEFAULT.withFeaturePersistent(false).withMaxQueues(1);
        try (var f = new BlkFixture(config, ScriptedBlkback.Offer.LINUX)) {
            f.addVbd("0");
            assertThat(f.front().bounce()).isTrue();
            // A full page of data first, so that a recycled frame would carry it if it were not zeroed.
            assertThat(f.submit(d -> d.write(0, BlkFixture.pattern(8, 5)))).isCompletedWithValue(BlkStatus.OK);
            f.script.auto = false;
            MemorySegment one = MemorySegment.ofArray(new byte[8 * 512]).asSlice(3 * 512L, 512);
            one.copyFrom(BlkFixture.pattern(1, 6));
            var w = f.submit(d -> d.write(11, one));
            var req = (BlkifRequest) f.onBack(() -> f.back().takeHeld(0)).get(0);
            assertThat(req.segments()).singleElement().satisfies(s -> assertThat(s.firstSect()).isEqualTo(3));
            byte[] page = f.onBack(() -> {
                MapResult m = f.back().device().domain().grantOps().mapGrantRef(1, req.segments().get(0).gref(),
                        GrantEntryV1.GNTMAP_host_map | GrantEntryV1.GNTMAP_readonly);
                byte[] bytes = m.area().toArray(ValueLayout.JAVA_BYTE);
                f.back().device().domain().grantOps().unmapGrantRef(m.handle());
                return bytes;
            });
            for (int i = 0; i < Layouts.XEN_PAGE_SIZE; i++) {
                if (i < 3 * 512 || i >= 4 * 512) {
                    assertThat(page[i]).as("byte %d", i).isZero();
                }
            }
            f.onBackRun(() -> f.back().answer(0, req));
            assertThat(w).isCompletedWithValue(BlkStatus.OK);
        }
    }

    @Test
    void flushIsACacheFlushOrABarrierOrNothing() {
        try (var f = new BlkFixture()) {
            f.addVbd();
            assertThat(f.submit(GuestBlockDeviceOps::flush)).isCompletedWithValue(BlkStatus.OK);
            assertThat(requests(f)).singleElement().isInstanceOfSatisfying(BlkifRequest.class, r -> {
                assertThat(r.operation()).isEqualTo(BLKIF_OP_FLUSH_DISKCACHE);
                assertThat(r.nrSegments()).isZero();
            });
        }
        try (var f = new BlkFixture(BlkfrontConfig.DEFAULT, ScriptedBlkback.Offer.LINUX.withFlush(false, true))) {
            f.addVbd();
            assertThat(f.submit(GuestBlockDeviceOps::flush)).isCompletedWithValue(BlkStatus.OK);
            assertThat(f.submit(d -> d.writeFua(8, BlkFixture.pattern(8, 1)))).isCompletedWithValue(BlkStatus.OK);
            assertThat(requests(f)).extracting(BlkifRingRequest::operation)
                    .containsExactly(BLKIF_OP_WRITE_BARRIER, BLKIF_OP_WRITE_BARRIER);
            assertThat(((BlkifRequest) requests(f).get(1)).nrSegments()).isEqualTo(1);
            assertThat(f.imageBytes(8, 8)).isEqualTo(BlkFixture.pattern(8, 1).toArray(ValueLayout.JAVA_BYTE));
        }
        try (var f = new BlkFixture(BlkfrontConfig.DEFAULT, ScriptedBlkback.Offer.LINUX.withFlush(false, false))) {
            f.addVbd();
            assertThat(f.submit(GuestBlockDeviceOps::flush)).isCompletedWithValue(BlkStatus.OK);
            assertThat(f.submit(d -> d.writeFua(8, BlkFixture.pattern(8, 1)))).isCompletedWithValue(BlkStatus.OK);
            assertThat(requests(f)).extracting(BlkifRingRequest::operation).containsExactly(BLKIF_OP_WRITE);
        }
    }

    @Test
    void aFuaWriteOnACacheFlushBackendCarriesItsData() {
        try (var f = new BlkFixture()) {
            f.addVbd();
            assertThat(f.submit(d -> d.writeFua(16, BlkFixture.pattern(200, 2)))).isCompletedWithValue(BlkStatus.OK);
            // 25 pages; the indirect op carries only reads and writes, so: two linked slots of 11, then 3.
            assertThat(requests(f)).allSatisfy(r -> assertThat(r).isInstanceOf(BlkifRequest.class))
                    .extracting(BlkifRingRequest::operation).containsOnly(BLKIF_OP_FLUSH_DISKCACHE);
            assertThat(requests(f)).extracting(r -> ((BlkifRequest) r).nrSegments()).containsExactly(11, 11, 3);
            assertThat(f.imageBytes(16, 200)).isEqualTo(BlkFixture.pattern(200, 2).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void discardSendsTheRangeOrIsNotSupported() {
        try (var f = new BlkFixture()) {
            f.addVbd();
            assertThat(f.submit(d -> d.write(0, BlkFixture.pattern(64, 1)))).isCompletedWithValue(BlkStatus.OK);
            assertThat(f.submit(d -> d.discard(8, 16))).isCompletedWithValue(BlkStatus.OK);
            assertThat(requests(f).get(1)).isInstanceOfSatisfying(BlkifRequestDiscard.class, r -> {
                assertThat(r.sectorNumber()).isEqualTo(8);
                assertThat(r.nrSectors()).isEqualTo(16);
                assertThat(r.secure()).isFalse();
            });
            assertThat(f.imageBytes(8, 16)).containsOnly(0);
        }
        try (var f = new BlkFixture(BlkfrontConfig.DEFAULT, ScriptedBlkback.Offer.LINUX.withDiscard(false))) {
            f.addVbd();
            assertThat(f.submit(d -> d.discard(8, 16))).isCompletedWithValue(BlkStatus.NOT_SUPPORTED);
            assertThat(f.script.seen).isEmpty();
        }
    }

    @Test
    void beyondTheEndOfTheDiskIsAnIoErrorInTheGuest() {
        try (var f = new BlkFixture()) {
            f.addVbd();
            assertThat(f.submit(d -> d.write(BlkFixture.SECTORS - 1, BlkFixture.pattern(2, 1))))
                    .isCompletedWithValue(BlkStatus.IO_ERROR);
            assertThat(f.submit(d -> d.discard(BlkFixture.SECTORS, 1))).isCompletedWithValue(BlkStatus.IO_ERROR);
            assertThat(f.script.seen).isEmpty();
        }
    }

    @Test
    void requestsBeyondTheRingWaitAndAllComplete() {
        try (var f = new BlkFixture(BlkfrontConfig.DEFAULT.withMaxQueues(1), ScriptedBlkback.Offer.LINUX)) {
            f.addVbd();
            f.script.auto = false;
            int depth = f.front().queueDepth();
            List<java.util.concurrent.CompletableFuture<BlkStatus>> writes = new java.util.ArrayList<>();
            for (int i = 0; i < depth + 10; i++) {
                int s = i;
                writes.add(f.submit(d -> d.write(s * 8L, BlkFixture.pattern(8, s))));
            }
            assertThat(f.front().inFlightRequests()).isEqualTo(depth);
            assertThat(f.front().queued()).isEqualTo(10);
            for (int round = 0; round < 3 && f.front().outstanding() > 0; round++) {
                f.onBackRun(() -> f.back().takeHeld(0).forEach(r -> f.back().answer(0, r)));
            }
            assertThat(writes).allSatisfy(w -> assertThat(w).isCompletedWithValue(BlkStatus.OK));
            for (int i = 0; i < depth + 10; i++) {
                assertThat(f.imageBytes(i * 8L, 8)).isEqualTo(BlkFixture.pattern(8, i).toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }

    @Test
    void anErrorResponseFailsOnlyThatRequest() {
        try (var f = new BlkFixture()) {
            f.addVbd();
            f.script.verdict = r -> r.operation() == BLKIF_OP_WRITE ? BlkifStatus.BLKIF_RSP_ERROR : null;
            assertThat(f.submit(d -> d.write(0, BlkFixture.pattern(8, 1)))).isCompletedWithValue(BlkStatus.IO_ERROR);
            MemorySegment back = MemorySegment.ofArray(new byte[512]);
            assertThat(f.submit(d -> d.read(0, back))).isCompletedWithValue(BlkStatus.OK);
            assertThat(f.front().blkifState()).isEqualTo(BlkfrontDevice.BlkifState.CONNECTED);
        }
    }

    @Test
    void onA4KDiskIoIsInWholeLogicalBlocks() {
        var offer = ScriptedBlkback.Offer.LINUX.withSectorSize(4096);
        try (var f = new BlkFixture(BlkfrontConfig.DEFAULT, offer)) {
            f.addVbd();
            assertThat(f.front().sectorSize()).isEqualTo(4096);
            assertThat(f.front().physicalSectorSize()).isEqualTo(4096); // 512 offered is below sector-size
            assertThat(f.submit(d -> d.write(3, BlkFixture.pattern(8, 1)))).isCompletedWithValue(BlkStatus.IO_ERROR);
            assertThat(f.submit(d -> d.write(8, BlkFixture.pattern(4, 1)))).isCompletedWithValue(BlkStatus.IO_ERROR);
            assertThat(f.script.seen).isEmpty();
            roundTrip(f, 16, 16, 2);
        }
    }

    @Test
    void ioSubmittedFromACompletionGoesOut() {
        try (var f = new BlkFixture()) {
            f.addVbd();
            CompletableFuture<BlkStatus> last = f.onGuest(() -> {
                CompletableFuture<BlkStatus> chain = CompletableFuture.completedFuture(BlkStatus.OK);
                for (int i = 0; i < 50; i++) {
                    long sector = i * 8L;
                    MemorySegment data = BlkFixture.pattern(8, i);
                    chain = chain.thenCompose(s -> s.ok() ? f.front().write(sector, data)
                            : CompletableFuture.completedFuture(s));
                }
                return chain;
            });
            assertThat(last).isCompletedWithValue(BlkStatus.OK);
            for (int i = 0; i < 50; i++) {
                assertThat(f.imageBytes(i * 8L, 8)).isEqualTo(BlkFixture.pattern(8, i).toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }
}
