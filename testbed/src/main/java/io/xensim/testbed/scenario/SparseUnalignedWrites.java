package io.xensim.testbed.scenario;

import io.xensim.blk.image.BlockImage;
import io.xensim.blk.image.RawImage;
import io.xensim.testbed.scenario.ScenarioResult.Check;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Issue 9's race as a scenario: several threads (as blkback's queues do) write runs of 512-byte sectors into one
 * fresh sparse raw image, runs that start and end inside the host's 4 KiB blocks so neighbouring threads share
 * blocks; afterwards every byte is compared with a model (each sector belongs to one thread or stays a hole).
 *
 * <p><b>Threading:</b> {@link #run} owns a fixed pool of {@link #THREADS} writers for the scenario's duration;
 * each writer touches only its own sectors and its own arena.
 */
final class SparseUnalignedWrites implements Scenario {
    static final int THREADS = 4;
    static final int ROUNDS = 8;
    static final long SECTORS = 1024;   // 512 KiB: 128 host blocks of 4 KiB
    private static final long STEP_TIMEOUT_SECONDS = 60;
    private static final int HOLE = -1;

    @Override
    public String name() {
        return "sparse-unaligned-writes";
    }

    @Override
    public String summary() {
        return THREADS + " threads' concurrent unaligned writes into a sparse raw image, every byte checked "
                + "against a model";
    }

    @Override
    public ScenarioResult run(PrintWriter out) {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            Path dir = Files.createTempDirectory("xensim-sparse");
            List<Check> checks = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                Path file = dir.resolve("round-" + round + ".img");
                checks.add(round(out, file, round, pool));
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(dir);
            return ScenarioResult.of("Concurrent writes of 512-byte sectors that share 4 KiB host blocks of a sparse "
                    + "raw image lose nothing: after " + ROUNDS + " rounds of " + THREADS + " racing writers, every "
                    + "byte of every image equals the model (written sectors hold their writer's pattern, holes "
                    + "read as zeros).", checks);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            pool.shutdownNow();
        }
    }

    /** One round: a seeded ownership map, the threads' writes racing from a barrier, then the byte-wise check. */
    private static Check round(PrintWriter out, Path file, int seed, ExecutorService pool) throws IOException {
        int[] owner = owners(new Random(seed));
        try (RawImage image = RawImage.create(file, SECTORS, RawImage.Allocation.SPARSE)) {
            CyclicBarrier start = new CyclicBarrier(THREADS);
            List<Future<Integer>> writers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                writers.add(pool.submit(() -> {
                    start.await(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    return writeOwn(image, owner, thread, seed);
                }));
            }
            int runs = 0;
            for (Future<Integer> w : writers) {
                try {
                    runs += w.get(STEP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
                } catch (Exception e) {
                    return new Check("round " + seed, false, "a writer failed: " + e);
                }
            }
            long bad = mismatches(image, owner, seed);
            long written = java.util.Arrays.stream(owner).filter(o -> o != HOLE).count();
            String observed = runs + " runs, " + written + " of " + SECTORS + " sectors written, " + bad
                    + " bytes differ from the model";
            out.println("round " + seed + ": " + observed);
            return new Check("round " + seed + " (seed " + seed + ")", bad == 0, observed);
        }
    }

    /** Which thread writes each sector ({@link #HOLE}: none): runs of 1 to 12 sectors, so most cut a host block. */
    static int[] owners(Random random) {
        int[] owner = new int[(int) SECTORS];
        int s = 0;
        while (s < SECTORS) {
            int len = Math.min(1 + random.nextInt(12), (int) SECTORS - s);
            int who = random.nextInt(THREADS + 1) - 1;   // one in THREADS+1 runs stays a hole
            java.util.Arrays.fill(owner, s, s + len, who);
            s += len;
        }
        return owner;
    }

    /** The model's byte at {@code offset} of a sector written by {@code thread}. */
    static byte pattern(long offset, int thread, int seed) {
        return (byte) (offset * 31 + thread * 7 + seed * 13 + 1);
    }

    /** Writes each maximal run of this thread's sectors in one request; returns the number of runs. */
    private static int writeOwn(BlockImage image, int[] owner, int thread, int seed) throws IOException {
        int runs = 0;
        try (Arena arena = Arena.ofConfined()) {
            int s = 0;
            while (s < SECTORS) {
                if (owner[s] != thread) {
                    s++;
                    continue;
                }
                int end = s;
                while (end < SECTORS && owner[end] == thread) {
                    end++;
                }
                long offset = (long) s * BlockImage.SECTOR_SIZE;
                MemorySegment buf = arena.allocate((long) (end - s) * BlockImage.SECTOR_SIZE);
                for (long i = 0; i < buf.byteSize(); i++) {
                    buf.set(ValueLayout.JAVA_BYTE, i, pattern(offset + i, thread, seed));
                }
                image.write(offset, buf);
                runs++;
                s = end;
            }
        }
        return runs;
    }

    /** Bytes that differ from the model. */
    private static long mismatches(BlockImage image, int[] owner, int seed) throws IOException {
        long bad = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment all = arena.allocate(SECTORS * BlockImage.SECTOR_SIZE);
            image.read(0, all);
            for (long i = 0; i < all.byteSize(); i++) {
                int who = owner[(int) (i / BlockImage.SECTOR_SIZE)];
                byte expected = who == HOLE ? 0 : pattern(i, who, seed);
                if (all.get(ValueLayout.JAVA_BYTE, i) != expected) {
                    bad++;
                }
            }
        }
        return bad;
    }
}
