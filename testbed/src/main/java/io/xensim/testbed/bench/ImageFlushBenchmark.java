package io.xensim.testbed.bench;

import io.xensim.blk.image.ImageStats;
import io.xensim.testbed.bench.FlushGuest.ImageKind;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Issue 12: a flush-heavy guest (a journaling file system with barriers: a 4 KiB write at a random offset, then a
 * cache flush, each waited for) through blkfront and the {@code qdisk} backend onto each {@link ImageKind}, a fresh
 * 1 GiB image per trial in {@code java.io.tmpdir} ({@link FlushGuest}). One invocation is one write and its flush,
 * so the score is guest flushes per second (and writes per second, one write each). {@code RAW_SPARSE} is the
 * in-run baseline: divide the other scores by it.
 *
 * <p>{@link Counters} ({@code @AuxCounters(OPERATIONS)}, reported per second beside the score) give the image's
 * own counts ({@link ImageStats}): divide {@code hostFsyncs} by {@code guestFlushes} for fsyncs per guest flush,
 * {@code hostMetadataWrites} by {@code guestWrites} for metadata writes per guest write. {@code java.io.tmpdir}
 * must be a real file system, not tmpfs: the fsyncs are the cost being measured.
 *
 * <p><b>Threading:</b> JMH's one thread steps every domain (INVOKER mode).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class ImageFlushBenchmark {
    static final long IMAGE_BYTES = 1L << 30;
    static final long SEED = 0x0f1a5eedL;

    /** The image's counts over the iteration, as rates (divide two of them for a ratio). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {
        public long guestWrites;
        public long guestFlushes;
        public long hostDataWrites;
        public long hostMetadataWrites;
        public long hostFsyncs;

        @Setup(Level.Iteration)
        public void clear() {
            guestWrites = 0;
            guestFlushes = 0;
            hostDataWrites = 0;
            hostMetadataWrites = 0;
            hostFsyncs = 0;
        }

        void add(ImageStats s) {
            guestWrites += s.guestWrites();
            guestFlushes += s.guestFlushes();
            hostDataWrites += s.hostDataWrites();
            hostMetadataWrites += s.hostMetadataWrites();
            hostFsyncs += s.hostFsyncs();
        }
    }

    /** The guest and its disk of one image kind. */
    @State(Scope.Thread)
    public static class Disk {
        @Param({"RAW_SPARSE", "RAW_PREALLOCATED", "QCOW2_DEFAULT", "QCOW2_METADATA_2M"})
        public ImageKind image;

        FlushGuest guest;

        @Setup(Level.Trial)
        public void start() throws IOException {
            guest = new FlushGuest(image, Path.of(System.getProperty("java.io.tmpdir")), IMAGE_BYTES, SEED);
        }

        @TearDown(Level.Trial)
        public void stop() throws IOException {
            guest.close();
        }
    }

    /** One 4 KiB write at a random offset and the flush after it. */
    @Benchmark
    public long writeThenFlush(Disk disk, Counters counters) {
        FlushGuest.Result r = disk.guest.run(1);
        counters.add(r.stats());
        return r.stats().hostFsyncs();
    }
}
