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
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The backend restarted again and again in the middle of a write-heavy workload on a raw image (the toolstack's
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

    /** One write of the workload: in flight until its future completes. */
    private record Write(long sector, byte[] data, CompletableFuture<BlkStatus> done) {
        long end() {
            return sector + data.length / 512;
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4})
    void noWriteIsLostOrDoubledAcrossRestarts(long seed) throws IOException {
        Path image = dir.resolve("disk.img");
        RawImage.create(image, SECTORS, RawImage.Allocation.SPARSE).close();
        var front = BlkfrontConfig.DEFAULT.withMaxRingPageOrder(2).withMaxQueues(4).withMaxIndirectSegments(32);
        try (var p = new BlkPair(BlkbackConfig.defaults(), front, ImageOpener.raw())) {
            p.addVbd(1, BlkPair.xvda(image.toString()));
            assertThat(p.front(1).state()).isEqualTo(GuestBlockDevice.State.CONNECTED);
            Random rnd = new Random(seed);
            byte[] model = new byte[(int) (SECTORS * 512)];
            List<Write> inFlight = new ArrayList<>();
            List<Write> all = new ArrayList<>();
            AtomicInteger completions = new AtomicInteger();

            for (int round = 0; round < RESTARTS * 4; round++) {
                for (int i = 0; i < 12; i++) {
                    Write w = nextWrite(rnd, inFlight, completions, p);
                    inFlight.add(w);
                    all.add(w);
                }
                p.steps(rnd.nextInt(40));
                if (round % 4 == 3) {
                    int restart = round / 4;
                    p.removeBackend(1);
                    p.steps(rnd.nextInt(10));
                    if (restart == 2) {
                        p.blkback.reconfigure(BlkbackConfig.defaults().withMaxQueues(2).withMaxIndirectSegments(16));
                    } else if (restart == 4) {
                        p.blkback.reconfigure(BlkbackConfig.defaults().withMaxQueues(1).withMaxIndirectSegments(0));
                    } else if (restart == 5) {
                        p.blkback.reconfigure(BlkbackConfig.defaults());
                    }
                    p.restoreBackend(1);
                    retire(inFlight, model);
                    assertThat(p.front(1).state()).isEqualTo(GuestBlockDevice.State.CONNECTED);
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
            assertThat(recovers.get(4).detail()).contains("22 segments per request over 1 ring(s)");
            assertThat(p.fx.trace.events(e -> e.detail().startsWith("released the loop device of an earlier"))
                    .size()).as("image lock released and re-taken by the block script").isEqualTo(RESTARTS);

            // Everything, by the image file and by the guest reading its disk back.
            assertThat(Files.readAllBytes(image)).isEqualTo(model);
            MemorySegment whole = MemorySegment.ofArray(new byte[model.length]);
            assertThat(p.run(1, f -> f.read(0, whole))).isEqualTo(BlkStatus.OK);
            assertThat(whole.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(model);
        }
    }

    /** A write of 512 B .. 256 KiB at a random sector, overlapping no write in flight (their order is the guest's). */
    private static Write nextWrite(Random rnd, List<Write> inFlight, AtomicInteger completions, BlkPair p) {
        while (true) {
            int sectors = 1 + rnd.nextInt(rnd.nextBoolean() ? 16 : 512);
            long sector = rnd.nextLong(SECTORS - sectors + 1);
            if (inFlight.stream().anyMatch(w -> sector < w.end() && w.sector() < sector + sectors)) {
                continue;
            }
            byte[] data = new byte[sectors * 512];
            rnd.nextBytes(data);
            boolean fua = rnd.nextInt(8) == 0;
            var done = p.enqueue(1, f -> fua ? f.writeFua(sector, MemorySegment.ofArray(data))
                    : f.write(sector, MemorySegment.ofArray(data)));
            done.whenComplete((s, e) -> completions.incrementAndGet());
            return new Write(sector, data, done);
        }
    }

    /** Moves the completed writes into the model. */
    private static void retire(List<Write> inFlight, byte[] model) {
        for (var it = inFlight.iterator(); it.hasNext(); ) {
            Write w = it.next();
            if (w.done().isDone()) {
                assertThat(w.done()).isCompletedWithValue(BlkStatus.OK);
                System.arraycopy(w.data(), 0, model, (int) (w.sector() * 512), w.data().length);
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
            System.arraycopy(file, from, expected, from, w.data().length);
        }
        assertThat(Arrays.equals(file, expected)).as("image matches the completed writes").isTrue();
    }
}
