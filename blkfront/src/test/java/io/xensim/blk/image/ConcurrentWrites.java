package io.xensim.blk.image;

import static io.xensim.blk.image.BlockImage.SECTOR_SIZE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The sparse-write race of issue 9 as a reusable harness: a plan of disjoint sector runs (most of them smaller
 * than or straddling a 4 KiB host block, neighbours given to different threads so that threads meet inside
 * blocks), its concurrent execution on an image, and the check of every byte against the model the plan implies
 * (a written run holds its pattern, a discarded run zeros, everything else what the image held before).
 */
final class ConcurrentWrites {
    /** One request of the plan: {@code count} sectors from {@code first}, written with the seed or discarded. */
    record Run(long first, int count, boolean discard) {
    }

    /** The runs each thread issues, in its order. */
    record Plan(List<List<Run>> perThread) {
    }

    private ConcurrentWrites() {
    }

    /**
     * Cuts {@code [0, sectors)} into runs of 1 to {@code maxRun} sectors, keeps about 9 in 10 of them (the rest
     * stay untouched), makes {@code discardShare} of the kept ones discards and deals them round robin to
     * {@code threads} threads, each list then shuffled.
     */
    static Plan plan(Random random, long sectors, int threads, int maxRun, double discardShare) {
        List<List<Run>> perThread = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            perThread.add(new ArrayList<>());
        }
        int next = 0;
        for (long s = 0; s < sectors; ) {
            int count = (int) Math.min(sectors - s, 1 + random.nextInt(maxRun));
            if (random.nextInt(10) != 0) {
                perThread.get(next).add(new Run(s, count, random.nextDouble() < discardShare));
                next = (next + 1) % threads;
            }
            s += count;
        }
        perThread.forEach(list -> Collections.shuffle(list, random));
        return new Plan(perThread);
    }

    /** Runs the plan on {@code pool}, all threads released at once; bounded by {@code timeoutSeconds}. */
    static void execute(BlockImage image, Plan plan, int seed, ExecutorService pool, long timeoutSeconds) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        try (Arena arena = Arena.ofShared()) {
            List<List<MemorySegment>> buffers = new ArrayList<>();
            for (List<Run> runs : plan.perThread()) {
                List<MemorySegment> mine = new ArrayList<>();
                for (Run run : runs) {
                    mine.add(run.discard() ? MemorySegment.NULL : ImageFiles.pattern(arena, run.first(), run.count(), seed));
                }
                buffers.add(mine);
            }
            for (int t = 0; t < plan.perThread().size(); t++) {
                List<Run> runs = plan.perThread().get(t);
                List<MemorySegment> mine = buffers.get(t);
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < runs.size(); i++) {
                        Run run = runs.get(i);
                        if (run.discard()) {
                            image.discard(run.first() * SECTOR_SIZE, (long) run.count() * SECTOR_SIZE);
                        } else {
                            image.write(run.first() * SECTOR_SIZE, mine.get(i));
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(timeoutSeconds, TimeUnit.SECONDS);
            }
        } finally {
            futures.forEach(f -> f.cancel(true));
        }
    }

    /**
     * The sectors whose bytes differ from the model, described (at most {@code limit}); empty when every byte is
     * right. {@code before} gives the byte an untouched offset holds (zero for a fresh image).
     */
    static List<String> mismatches(BlockImage image, Plan plan, int seed, java.util.function.LongFunction<Byte> before,
                                   int limit) throws Exception {
        long sectors = image.sectors();
        byte[] expected = new byte[Math.toIntExact(sectors * SECTOR_SIZE)];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = before.apply(i);
        }
        for (List<Run> runs : plan.perThread()) {
            for (Run run : runs) {
                for (long o = run.first() * SECTOR_SIZE; o < (run.first() + run.count()) * SECTOR_SIZE; o++) {
                    expected[(int) o] = run.discard() ? 0 : ImageFiles.patternByte(o, seed);
                }
            }
        }
        List<String> bad = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment actual = arena.allocate(expected.length, 4096);
            image.read(0, actual);
            for (long s = 0; s < sectors && bad.size() < limit; s++) {
                long from = s * SECTOR_SIZE;
                long at = MemorySegment.mismatch(actual, from, from + SECTOR_SIZE, MemorySegment.ofArray(expected), from,
                        from + SECTOR_SIZE);
                if (at >= 0) {
                    bad.add("sector " + s + " byte " + at + ": " + actual.get(ValueLayout.JAVA_BYTE, from + at)
                            + " (expected: " + expected[(int) (from + at)] + ")");
                }
            }
        }
        return bad;
    }
}
