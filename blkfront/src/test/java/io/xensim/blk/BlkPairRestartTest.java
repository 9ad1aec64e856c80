package io.xensim.blk;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.back.BlkbackConfig;
import io.xensim.blk.back.ImageOpener;
import io.xensim.blk.front.BlkfrontConfig;
import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.guest.GuestBlockDevice;
import io.xensim.blk.image.RawImage;
import io.xensim.xenbus.trace.TraceEvent;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The backend restarted again and again in the middle of a write-heavy workload (with reads, discards and flushes
 * among the writes), over several feature combinations, on a raw image (the toolstack's
 * {@code removeBackend} then {@code restoreBackend}; the {@code block} script releases the old loop device's image
 * lock and takes it again), twice with blkback reconfigured to fewer queues and indirect segments. blkfront recovers
 * through its resume path; every write completes exactly once and OK, and the image holds exactly what the model
 * says, checked after every restart (what completed) and at the end (everything).
 */
class BlkPairRestartTest {
    private static final long SECTORS = 16384;   // 8 MiB
    private static final int RESTARTS = 6;

    @TempDir
    Path dir;

    private enum Kind { WRITE, WRITE_FUA, READ, DISCARD, FLUSH }

    /**
     * One operation of the workload, in flight until its future completes: a write's {@code data} is what it
     * writes, a read's what it must read (the model when it was submitted: nothing overlapping is in flight).
     */
    private record Write(Kind kind, long sector, int sectors, byte[] data, MemorySegment buffer,
                         CompletableFuture<BlkStatus> done) {
        long end() {
            return sector + sectors;
        }
    }

    @ParameterizedTest(name = "seed={0} order={1} queues={2} indirect={3} persistent={4} trusted={5}")
    @CsvSource({
            "1, 2, 4, 32, true, true", "2, 0, 4, 32, true, true", "3, 4, 3, 0, false, true",
            "4, 1, 1, 32, false, false", "5, 3, 2, 8, true, false", "6, 0, 1, 0, true, true"})
    void noWriteIsLostOrDoubledAcrossRestarts(long seed, int order, int queues, int indirect, boolean persistent,
            boolean trusted) throws IOException {
        Path image = dir.resolve("disk.img");
        RawImage.create(image, SECTORS, RawImage.Allocation.SPARSE).close();
        var front = BlkfrontConfig.DEFAULT.withMaxRingPageOrder(order).withMaxQueues(queues)
                .withMaxIndirectSegments(indirect).withFeaturePersistent(persistent);
        try (var p = new BlkPair(BlkbackConfig.defaults(), front, ImageOpener.raw())) {
            p.addVbd(1, BlkPair.xvda(image.toString()).withTrusted(trusted));
            assertThat(p.front(1).state()).isEqualTo(GuestBlockDevice.State.CONNECTED);
            Random rnd = new Random(seed);
            byte[] model = new byte[(int) (SECTORS * 512)];
            List<Write> inFlight = new ArrayList<>();
            List<Write> all = new ArrayList<>();
            AtomicInteger completions = new AtomicInteger();

            for (int round = 0; round < RESTARTS * 4; round++) {
                for (int i = 0; i < 12; i++) {
                    Write w = nextWrite(rnd, inFlight, completions, p, model);
                    inFlight.add(w);
                    all.add(w);
                }
                p.steps(rnd.nextInt(40));
                if (round % 4 == 3) {
                    int restart = round / 4;
                    p.removeBackend(1);
                    p.steps(rnd.nextInt(10));
                    if (restart == 2) {
                        p.blkback.reconfigure(BlkbackConfig.defaults().withMaxQueues(2).withMaxIndirectSegments(16)
                                .withMaxRingPageOrder(1));
                    } else if (restart == 4) {
                        p.blkback.reconfigure(BlkbackConfig.defaults().withMaxQueues(1).withMaxIndirectSegments(0)
                                .withMaxRingPageOrder(0).withFeaturePersistent(false));
                    } else if (restart == 5) {
                        p.blkback.reconfigure(BlkbackConfig.defaults());
                    }
                    p.restoreBackend(1);
                    retire(inFlight, model);
                    var d = p.front(1);
                    assertThat(d.state()).isEqualTo(GuestBlockDevice.State.CONNECTED);
                    var offered = p.blkback.config();
                    assertThat(d.ringCount()).isEqualTo(Math.min(queues, offered.maxQueues()));
                    assertThat(d.ringPageOrder()).isEqualTo(Math.min(order, offered.maxRingPageOrder()));
                    assertThat(d.features().orElseThrow().persistent())
                            .isEqualTo(persistent && offered.featurePersistent());
                    assertCompletedWritesInImage(image, model, inFlight);
                } else {
                    retire(inFlight, model);
                }
            }
            p.fx.hv.runUntilIdle();
            retire(inFlight, model);
            assertThat(inFlight).as("writes never completed").isEmpty();
            assertThat(all).allSatisfy(w -> assertThat(w.done()).isCompletedWithValue(BlkStatus.OK));
            assertThat(completions.get()).as("completions").isEqualTo(all.size());
            assertThat(p.front(1).recoveries()).isEqualTo(RESTARTS);
            var recovers = p.fx.trace.events(e -> e.kind() == TraceEvent.Kind.INFO
                    && e.detail().startsWith("blkif_recover: "));
            assertThat(recovers).hasSize(RESTARTS);
            assertThat(recovers).as("requests taken back from the old backend")
                    .anyMatch(e -> !e.detail().contains("re-issuing 0 "));
            // blkfront_gather_backend_features: indirect only above 11 segments, else two slots' worth (22).
            if (indirect <= 11) {
                assertThat(recovers).allSatisfy(e -> assertThat(e.detail()).contains("22 segments per request"));
            } else {
                assertThat(recovers.get(2).detail()).contains(Math.min(indirect, 16) + " segments per request over "
                        + Math.min(queues, 2) + " ring(s)");
                assertThat(recovers.get(4).detail()).contains("22 segments per request over 1 ring(s)");
            }
            assertThat(p.fx.trace.events(e -> e.detail().startsWith("released the loop device of an earlier"))
                    .size()).as("image lock released and re-taken by the block script").isEqualTo(RESTARTS);

            // Everything, by the image file and by the guest reading its disk back.
            assertThat(Files.readAllBytes(image)).isEqualTo(model);
            MemorySegment whole = MemorySegment.ofArray(new byte[model.length]);
            assertThat(p.run(1, f -> f.read(0, whole))).isEqualTo(BlkStatus.OK);
            assertThat(whole.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(model);
        }
    }

    /**
     * Mostly writes of 512 B .. 256 KiB at a random sector (one in eight FUA), some reads, discards and flushes;
     * none overlapping an operation in flight (their order would be the guest's own race).
     */
    private static Write nextWrite(Random rnd, List<Write> inFlight, AtomicInteger completions, BlkPair p,
            byte[] model) {
        int pick = rnd.nextInt(20);
        Kind kind = pick < 12 ? Kind.WRITE : pick < 14 ? Kind.WRITE_FUA : pick < 17 ? Kind.READ
                : pick < 19 ? Kind.DISCARD : Kind.FLUSH;
        if (kind == Kind.FLUSH) {
            var done = p.enqueue(1, f -> f.flush());
            done.whenComplete((s, e) -> completions.incrementAndGet());
            return new Write(kind, 0, 0, null, null, done);
        }
        while (true) {
            int sectors = 1 + rnd.nextInt(rnd.nextBoolean() ? 16 : 512);
            long sector = rnd.nextLong(SECTORS - sectors + 1);
            if (inFlight.stream().anyMatch(w -> sector < w.end() && w.sector() < sector + sectors)) {
                continue;
            }
            byte[] data;
            MemorySegment buffer = null;
            CompletableFuture<BlkStatus> done;
            switch (kind) {
                case WRITE, WRITE_FUA -> {
                    data = new byte[sectors * 512];
                    rnd.nextBytes(data);
                    MemorySegment src = MemorySegment.ofArray(data);
                    done = p.enqueue(1, f -> kind == Kind.WRITE_FUA ? f.writeFua(sector, src) : f.write(sector, src));
                }
                case READ -> {
                    data = Arrays.copyOfRange(model, (int) sector * 512, (int) (sector + sectors) * 512);
                    MemorySegment dst = MemorySegment.ofArray(new byte[sectors * 512]);
                    buffer = dst;
                    done = p.enqueue(1, f -> f.read(sector, dst));
                }
                case DISCARD -> {
                    data = new byte[sectors * 512];
                    done = p.enqueue(1, f -> f.discard(sector, sectors));
                }
                default -> throw new AssertionError(kind);
            }
            done.whenComplete((s, e) -> completions.incrementAndGet());
            return new Write(kind, sector, sectors, data, buffer, done);
        }
    }

    /** Moves the completed writes into the model. */
    private static void retire(List<Write> inFlight, byte[] model) {
        for (var it = inFlight.iterator(); it.hasNext(); ) {
            Write w = it.next();
            if (w.done().isDone()) {
                assertThat(w.done()).as("%s at %d", w.kind(), w.sector()).isCompletedWithValue(BlkStatus.OK);
                switch (w.kind()) {
                    case WRITE, WRITE_FUA, DISCARD ->
                            System.arraycopy(w.data(), 0, model, (int) (w.sector() * 512), w.data().length);
                    case READ -> assertThat(Arrays.equals(w.buffer().toArray(ValueLayout.JAVA_BYTE), w.data()))
                            .as("read at %d", w.sector()).isTrue();
                    case FLUSH -> { }
                }
                it.remove();
            }
        }
    }

    /** Every byte outside the writes still in flight is the model's. */
    private static void assertCompletedWritesInImage(Path image, byte[] model, List<Write> inFlight)
            throws IOException {
        byte[] file = Files.readAllBytes(image);
        byte[] expected = model.clone();
        for (Write w : inFlight) {
            int from = (int) (w.sector() * 512);
            System.arraycopy(file, from, expected, from, w.sectors() * 512);
        }
        assertThat(Arrays.equals(file, expected)).as("image matches the completed writes").isTrue();
    }
}
