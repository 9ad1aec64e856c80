package io.xensim.blk.front;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.guest.GuestBlockDevice;
import io.xensim.blk.protocol.BlkifOp;
import io.xensim.blk.protocol.BlkifRequest;
import io.xensim.blk.protocol.BlkifRequestDiscard;
import io.xensim.blk.protocol.BlkifRequestIndirect;
import io.xensim.blk.protocol.BlkifRingRequest;
import io.xensim.xenbus.trace.TraceEvent;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A backend restart ({@code removeBackend}, then {@code restoreBackend}) in the middle of I/O: blkfront recovers
 * through {@code blkfront_resume}/{@code blkif_recover}, and every operation in flight completes exactly once.
 */
class BlkfrontRecoveryTest {
    private static final BlkfrontConfig ONE_RING = BlkfrontConfig.DEFAULT.withMaxQueues(1);

    private static List<BlkifRingRequest> seenBy(BlkFixture f, int instance) {
        return f.script.seen.stream().filter(s -> s.instance() == instance).map(ScriptedBlkback.Seen::request)
                .toList();
    }

    private static CompletableFuture<BlkStatus> counted(CompletableFuture<BlkStatus> future, AtomicInteger count) {
        future.whenComplete((s, e) -> count.incrementAndGet());
        return future;
    }

    @Test
    void requestsInFlightCompleteExactlyOnceWithFreshGrantsAndNewIds() {
        try (var f = new BlkFixture(ONE_RING, ScriptedBlkback.Offer.LINUX)) {
            f.addVbd();
            f.script.auto = false;
            // Two writes answered in order leave ids 1, 0, 2, ... on the free list: the next ids are not a fresh ring's.
            var a = f.submit(d -> d.write(4000, BlkFixture.pattern(8, 90)));
            var b = f.submit(d -> d.write(4008, BlkFixture.pattern(8, 91)));
            f.onBackRun(() -> f.back().takeHeld(0).forEach(r -> f.back().answer(0, r)));
            assertThat(a).isCompletedWithValue(BlkStatus.OK);
            assertThat(b).isCompletedWithValue(BlkStatus.OK);

            f.image.contents().asSlice(1000 * 512L, 8 * 512L).copyFrom(BlkFixture.pattern(8, 77));
            AtomicInteger completions = new AtomicInteger();
            MemorySegment readBack = MemorySegment.ofArray(new byte[8 * 512]);
            List<CompletableFuture<BlkStatus>> ops = List.of(
                    counted(f.submit(d -> d.write(0, BlkFixture.pattern(8, 1))), completions),
                    counted(f.submit(d -> d.write(64, BlkFixture.pattern(24, 2))), completions),
                    counted(f.submit(GuestBlockDeviceOps::flush), completions),
                    counted(f.submit(d -> d.discard(4000, 8)), completions),
                    counted(f.submit(d -> d.writeFua(300, BlkFixture.pattern(8, 3))), completions),
                    counted(f.submit(d -> d.read(1000, readBack)), completions));
            List<BlkifRingRequest> before = f.onBack(() -> f.back().takeHeld(0));
            assertThat(before).hasSize(6);
            List<Long> oldIds = before.stream().map(BlkifRingRequest::id).toList();
            assertThat(oldIds).isNotEqualTo(List.of(0L, 1L, 2L, 3L, 4L, 5L));

            f.fx.toolstack.await(f.fx.toolstack.removeBackend("vbd", 1, BlkFixture.XVDA));
            f.fx.hv.runUntilIdle();
            assertThat(ops).noneMatch(CompletableFuture::isDone);
            assertThat(f.front().state()).isEqualTo(GuestBlockDevice.State.NOT_CONNECTED);
            assertThat(f.front().queued()).isEqualTo(6);
            List<Integer> oldRefs = f.script.seen.stream().flatMap(s -> s.dataGrefs().stream()).toList();
            assertThat(f.front().device().grantPool().live()).as("every old grant ended").isZero();
            assertThat(oldRefs).isNotEmpty().allSatisfy(ref -> assertThat(
                    f.front().device().domain().grantTable().isGranted(ref)).as("ref " + ref).isFalse());
            // New I/O while the backend is away waits too.
            var later = counted(f.submit(d -> d.write(500, BlkFixture.pattern(8, 4))), completions);
            assertThat(later).isNotDone();

            f.script.auto = true;
            f.fx.toolstack.await(f.fx.toolstack.restoreBackend("vbd", 1, BlkFixture.XVDA));
            f.fx.hv.runUntilIdle();
            assertThat(f.front().state()).isEqualTo(GuestBlockDevice.State.CONNECTED);
            assertThat(f.front().recoveries()).isEqualTo(1);
            assertThat(ops).allSatisfy(op -> assertThat(op).isCompletedWithValue(BlkStatus.OK));
            assertThat(later).isCompletedWithValue(BlkStatus.OK);
            assertThat(completions).hasValue(7);

            List<BlkifRingRequest> after = seenBy(f, 2);
            assertThat(after).hasSize(7);
            assertThat(after).extracting(BlkifRingRequest::id).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
            assertThat(after).extracting(BlkifRingRequest::operation).containsExactly(BlkifOp.BLKIF_OP_WRITE,
                    BlkifOp.BLKIF_OP_WRITE, BlkifOp.BLKIF_OP_FLUSH_DISKCACHE, BlkifOp.BLKIF_OP_DISCARD,
                    BlkifOp.BLKIF_OP_FLUSH_DISKCACHE, BlkifOp.BLKIF_OP_READ, BlkifOp.BLKIF_OP_WRITE);
            assertThat(after.get(3)).isInstanceOfSatisfying(BlkifRequestDiscard.class,
                    d -> assertThat(d.nrSectors()).isEqualTo(8));
            // Fresh grants: granted for the new connection, after every old one had ended.
            List<Integer> newRefs = f.script.seen.stream().filter(s -> s.instance() == 2)
                    .flatMap(s -> s.dataGrefs().stream()).toList();
            assertThat(newRefs).isNotEmpty().allSatisfy(ref -> assertThat(
                    f.front().device().domain().grantTable().isGranted(ref)).as("ref " + ref).isTrue());
            assertThat(f.fx.trace.events(e -> e.kind() == TraceEvent.Kind.INFO
                    && e.detail().startsWith("blkfront_resume: xvda: 6 request(s) in flight taken back: "
                    + "3 flush/discard/FUA re-queued whole, 3 read/write(s)"))).hasSize(1);
            assertThat(f.fx.trace.events(e -> e.kind() == TraceEvent.Kind.INFO
                    && e.detail().startsWith("blkif_recover: xvda:"))).hasSize(1);

            assertThat(f.imageBytes(0, 8)).isEqualTo(BlkFixture.pattern(8, 1).toArray(ValueLayout.JAVA_BYTE));
            assertThat(f.imageBytes(64, 24)).isEqualTo(BlkFixture.pattern(24, 2).toArray(ValueLayout.JAVA_BYTE));
            assertThat(f.imageBytes(300, 8)).isEqualTo(BlkFixture.pattern(8, 3).toArray(ValueLayout.JAVA_BYTE));
            assertThat(f.imageBytes(500, 8)).isEqualTo(BlkFixture.pattern(8, 4).toArray(ValueLayout.JAVA_BYTE));
            assertThat(f.imageBytes(4000, 8)).containsOnly(0);
            assertThat(readBack.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(BlkFixture.pattern(8, 77)
                    .toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @ParameterizedTest(name = "new backend offers {0} indirect segments")
    @CsvSource({"16, 'I16,I16'", "0, 'D11,D11,D10'", "64, 'I32'"})
    void readsAndWritesAreReSplitToTheNewBackendsLimits(int newIndirect, String expected) {
        try (var f = new BlkFixture(ONE_RING, ScriptedBlkback.Offer.LINUX)) {
            f.addVbd();
            f.script.auto = false;
            var w = f.submit(d -> d.write(800, BlkFixture.pattern(256, 5)));
            assertThat(f.onBack(() -> f.back().takeHeld(0))).singleElement()
                    .isInstanceOfSatisfying(BlkifRequestIndirect.class, r -> assertThat(r.nrSegments()).isEqualTo(32));
            f.script.auto = true;
            f.restartBackend(ScriptedBlkback.Offer.LINUX.withMaxIndirectSegments(newIndirect));
            assertThat(w).isCompletedWithValue(BlkStatus.OK);
            assertThat(seenBy(f, 2)).extracting(r -> switch (r) {
                case BlkifRequestIndirect i -> "I" + i.nrSegments();
                case BlkifRequest d -> "D" + d.nrSegments();
                default -> "?";
            }).containsExactly(expected.split(","));
            assertThat(f.imageBytes(800, 256)).isEqualTo(BlkFixture.pattern(256, 5).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void requestsOfFourRingsAreReissuedOnTheOneRingLeft() {
        try (var f = new BlkFixture(BlkfrontConfig.DEFAULT.withMaxRingPageOrder(2), ScriptedBlkback.Offer.LINUX)) {
            f.addVbd();
            assertThat(f.front().ringCount()).isEqualTo(4);
            f.script.auto = false;
            List<CompletableFuture<BlkStatus>> writes = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int s = i;
                writes.add(f.submit(d -> d.write(s * 16L, BlkFixture.pattern(16, s))));
            }
            assertThat(f.script.seen).extracting(ScriptedBlkback.Seen::ring).containsOnly(0, 1, 2, 3);
            f.script.auto = true;
            f.restartBackend(ScriptedBlkback.Offer.LINUX.withMaxQueues(1).withMaxRingPageOrder(1));
            assertThat(f.front().ringCount()).as(f.front() + " " + f.front().device().fatalError()).isEqualTo(1);
            // The keys of four multi-page rings are gone; one ring's are there.
            assertThat(f.frontDir("")).doesNotContain("multi-queue-num-queues", "queue-0", "queue-3")
                    .doesNotContain("ring-ref2", "ring-ref3").contains("ring-page-order", "ring-ref0", "ring-ref1", "event-channel");
            assertThat(writes).allSatisfy(w -> assertThat(w).isCompletedWithValue(BlkStatus.OK));
            assertThat(f.script.seen.stream().filter(s -> s.instance() == 2)).hasSize(8)
                    .allSatisfy(s -> assertThat(s.ring()).isZero());
            for (int i = 0; i < 8; i++) {
                assertThat(f.imageBytes(i * 16L, 16)).isEqualTo(BlkFixture.pattern(16, i).toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }

    @Test
    void aWriteAnsweredBeforeTheRestartIsNotReissued() {
        try (var f = new BlkFixture(ONE_RING, ScriptedBlkback.Offer.LINUX.withMaxIndirectSegments(0))) {
            f.addVbd();
            f.script.auto = false;
            // 30 pages: pieces of 22 (two linked slots) and 8; answer the 8-page piece only.
            var w = f.submit(d -> d.write(0, BlkFixture.pattern(240, 6)));
            List<BlkifRingRequest> held = f.onBack(() -> f.back().takeHeld(0));
            assertThat(held).hasSize(3);
            f.onBackRun(() -> f.back().answer(0, held.get(2)));
            assertThat(w).isNotDone();
            f.script.auto = true;
            f.restartBackend(ScriptedBlkback.Offer.LINUX.withMaxIndirectSegments(0));
            assertThat(w).isCompletedWithValue(BlkStatus.OK);
            assertThat(seenBy(f, 2)).extracting(r -> ((BlkifRequest) r).sectorNumber()).containsExactly(0L, 88L);
            assertThat(f.imageBytes(0, 240)).isEqualTo(BlkFixture.pattern(240, 6).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"default", "no-persistent-order2", "no-indirect-one-ring"})
    void repeatedRestartsInAWriteHeavyWorkloadLoseNothing(String variant) {
        BlkfrontConfig config = switch (variant) {
            case "default" -> BlkfrontConfig.DEFAULT;
            case "no-persistent-order2" -> BlkfrontConfig.DEFAULT.withFeaturePersistent(false).withMaxRingPageOrder(2);
            default -> ONE_RING;
        };
        var offer = variant.equals("no-indirect-one-ring") ? ScriptedBlkback.Offer.LINUX.withMaxIndirectSegments(0)
                : ScriptedBlkback.Offer.LINUX;
        try (var f = new BlkFixture(config, offer)) {
            f.addVbd();
            f.script.auto = false;
            var random = new java.util.Random(variant.hashCode());
            byte[] model = new byte[(int) BlkFixture.SECTORS * 512];
            int slots = 64;
            int slotSectors = (int) (BlkFixture.SECTORS / slots);
            boolean[] busy = new boolean[slots];
            Map<CompletableFuture<BlkStatus>, AtomicInteger> all = new java.util.IdentityHashMap<>();
            for (int round = 0; round < 6; round++) {
                for (int k = 0; k < 24; k++) {
                    int slot = random.nextInt(slots);
                    if (busy[slot]) {
                        continue;
                    }
                    busy[slot] = true;
                    int n = 1 + random.nextInt(slotSectors);
                    long sector = (long) slot * slotSectors + random.nextInt(slotSectors - n + 1);
                    MemorySegment data = BlkFixture.pattern(n, random.nextInt());
                    boolean fua = random.nextInt(5) == 0;
                    var count = new AtomicInteger();
                    var op = f.submit(d -> fua ? d.writeFua(sector, data) : d.write(sector, data));
                    all.put(op, count);
                    op.whenComplete((s, e) -> {
                        count.incrementAndGet();
                        if (s == BlkStatus.OK) {
                            MemorySegment.copy(data, 0, MemorySegment.ofArray(model), sector * 512, data.byteSize());
                        }
                        busy[slot] = false;
                    });
                    if (random.nextInt(8) == 0) {
                        all.put(f.submit(GuestBlockDeviceOps::flush), new AtomicInteger(1));
                    }
                }
                f.onBackRun(() -> f.back().serveSome(random, 0.5));
                // What the guest was told is done is in the image, restart or not.
                assertCompletedWritesInImage(f, model, busy, slotSectors);
                f.restartBackend(offer.withMaxIndirectSegments(round % 2 == 0 ? 0 : 256)
                        .withMaxQueues(1 + random.nextInt(4)));
                assertCompletedWritesInImage(f, model, busy, slotSectors);
            }
            for (int i = 0; i < 50 && f.front().outstanding() > 0; i++) {
                f.onBackRun(() -> f.back().serveSome(random, 1.0));
            }
            assertThat(f.front().outstanding()).isZero();
            assertThat(all.keySet()).allSatisfy(op -> assertThat(op).isCompletedWithValue(BlkStatus.OK));
            assertThat(all.values()).allSatisfy(c -> assertThat(c).hasValue(1));
            assertThat(f.image.contents().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(model);
            assertThat(f.front().recoveries()).isEqualTo(6);
        }
    }

    @Test
    void unpluggingFailsWhatIsWaitingAndRemovingTheDeviceFailsWhatIsParked() {
        try (var f = new BlkFixture(ONE_RING, ScriptedBlkback.Offer.LINUX)) {
            f.addVbd();
            f.script.auto = false;
            var w = f.submit(d -> d.write(0, BlkFixture.pattern(8, 1)));
            f.fx.onDomainRun(f.guest, () -> f.front().unplug());
            assertThat(w).isCompletedWithValue(BlkStatus.NO_DEVICE);
            assertThat(f.front().state()).isEqualTo(GuestBlockDevice.State.GONE);
            assertThat(f.submit(d -> d.read(0, MemorySegment.ofArray(new byte[512]))))
                    .isCompletedWithValue(BlkStatus.NO_DEVICE);
        }
        try (var f = new BlkFixture(ONE_RING, ScriptedBlkback.Offer.LINUX)) {
            f.addVbd();
            f.script.auto = false;
            var w = f.submit(d -> d.write(0, BlkFixture.pattern(8, 1)));
            f.fx.toolstack.await(f.fx.toolstack.removeBackend("vbd", 1, BlkFixture.XVDA));
            f.fx.hv.runUntilIdle();
            assertThat(w).isNotDone(); // parked for a backend that may come back
            var front = f.front();
            f.fx.toolstack.await(f.fx.toolstack.removeDevice("vbd", 1, BlkFixture.XVDA));
            f.fx.hv.runUntilIdle();
            assertThat(front.state()).isEqualTo(GuestBlockDevice.State.GONE);
            assertThat(w).isCompletedWithValue(BlkStatus.NO_DEVICE);
        }
    }

    private static void assertCompletedWritesInImage(BlkFixture f, byte[] model, boolean[] busy, int slotSectors) {
        IntStream.range(0, busy.length).filter(s -> !busy[s]).forEach(s -> assertThat(
                f.imageBytes((long) s * slotSectors, slotSectors)).as("slot " + s).isEqualTo(
                java.util.Arrays.copyOfRange(model, s * slotSectors * 512, (s + 1) * slotSectors * 512)));
    }
}
