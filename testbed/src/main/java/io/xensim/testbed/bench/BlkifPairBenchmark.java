package io.xensim.testbed.bench;

import io.xensim.blk.back.Blkback;
import io.xensim.blk.back.BlkbackConfig;
import io.xensim.blk.back.BlkbackDevice;
import io.xensim.blk.back.BlkbackRing;
import io.xensim.blk.front.BlkfrontConfig;
import io.xensim.blk.front.BlkfrontDevice;
import io.xensim.blk.front.BlkfrontDrivers;
import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.guest.GuestBlockDevice;
import io.xensim.blk.image.BlockImage;
import io.xensim.blk.image.RawImage;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ManualClock;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import io.xensim.xenbus.toolstack.Toolstack;
import io.xensim.xenbus.toolstack.ToolstackConfig;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;
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
 * A guest's disk through the whole PV block path: the guest's block layer submits to blkfront, blkfront splits the
 * I/O into blkif requests (direct, or indirect when negotiated) over pages it granted, copies written data in,
 * pushes the requests and notifies; blkback in dom0 maps the grants (kept mapped with persistent grants), does
 * positional I/O on a {@link RawImage} (a 256 MiB file in {@code java.io.tmpdir}, created sparse and filled once,
 * so every read hits the page cache) and answers; blkfront copies read data out and completes the guest's future.
 * The vbd is added through the toolstack as libxl adds a {@code phy} disk ({@link DeviceConfig#vbd}, the
 * {@code block} hotplug script opening the image).
 *
 * <p>Workloads ({@link Workload#workload}): 4 KiB random reads and writes at queue depth 1 and 32, and 1 MiB
 * sequential reads at queue depth 1. Queue depth means the guest keeps that many operations outstanding: each
 * completion submits the next. One invocation is {@link Workload#batch} operations. Parameters of the pair:
 * {@code persistent} (blkfront's {@code feature_persistent} and blkback's) and {@code indirect} (blkfront's
 * {@code max_indirect_segments} 256 and blkback's {@code feature-max-indirect-segments} 256, or 0 on both ends:
 * a 1 MiB read is then 24 direct requests of at most 11 segments).
 *
 * <p>Design: the hypervisor runs in INVOKER mode, so every domain's work runs on JMH's thread inside
 * {@code runUntilIdle}: the score is the single-thread CPU cost of the simulated path, with no thread hand-offs.
 *
 * <p><b>Threading:</b> JMH's one thread. The guest's side of a batch ({@code Batch}) is confined to the guest's
 * executor and blkback to dom0's; in INVOKER mode both run on JMH's thread inside {@code runUntilIdle}.
 *
 * <p>The baseline {@link #fileChannelBaseline} does the same operations at the same offsets (the same sequence) on
 * the same file with {@link FileChannel} positional I/O into (or from) a native buffer, one after the other (a
 * synchronous caller has no queue depth). {@link Counters} (JMH {@code @AuxCounters(OPERATIONS)}, so rates per
 * second) gives ops and bytes for both, and for the blkif path the ring requests blkback consumed and the grant map
 * operations it made: divide by {@code ops} for the per-operation figure.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class BlkifPairBenchmark {
    /** The image: 256 MiB. */
    static final long IMAGE_BYTES = 256L << 20;
    /** Offsets precomputed per workload, used in turn (a multiple of every batch). */
    static final int OFFSETS = 4096;
    static final long SEED = 0x5eed_b10cL;

    /** The rates JMH reports beside the score (per second; per operation = counter / ops). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {
        public long ops;
        public long bytes;
        /** Ring requests blkback consumed. */
        public long ringRequests;
        /** {@code GNTTABOP_map_grant_ref} operations blkback made (data and indirect pages). */
        public long grantMaps;

        @Setup(Level.Iteration)
        public void clear() {
            ops = 0;
            bytes = 0;
            ringRequests = 0;
            grantMaps = 0;
        }
    }

    /** The image file, created and filled with {@link #expectedLong} once per trial; deleted after it. */
    @State(Scope.Benchmark)
    public static class ImageFile {
        Path path;

        @Setup(Level.Trial)
        public void create() throws IOException {
            path = Files.createTempFile("xensim-blkif-bench-", ".img");
            Files.delete(path);   // RawImage.create never overwrites
            try (RawImage image = RawImage.create(path, IMAGE_BYTES / BlockImage.SECTOR_SIZE,
                    RawImage.Allocation.SPARSE); Arena arena = Arena.ofConfined()) {
                int chunk = 1 << 20;
                MemorySegment buffer = arena.allocate(chunk, 4096);
                for (long at = 0; at < IMAGE_BYTES; at += chunk) {
                    fill(buffer, at);
                    image.write(at, buffer);
                }
            }
        }

        @TearDown(Level.Trial)
        public void delete() throws IOException {
            Files.deleteIfExists(path);
        }
    }

    /** What one invocation does: the operation, its size, the queue depth and the offsets in turn. */
    @State(Scope.Thread)
    public static class Workload {
        @Param({"randread-4k-qd1", "randread-4k-qd32", "randwrite-4k-qd1", "randwrite-4k-qd32", "seqread-1m-qd1"})
        public String workload;

        boolean write;
        int size;
        int queueDepth;
        int batch;
        long[] offsets;
        /** For writes: the image's own bytes at each offset, so writes keep the contents and reads stay checkable. */
        MemorySegment[] data;
        Arena arena;
        /** The next offset to use, an index into {@link #offsets}. */
        int next;

        @Setup(Level.Trial)
        public void build() {
            String[] parts = workload.split("-");
            write = switch (parts[0]) {
                case "randread", "seqread" -> false;
                case "randwrite" -> true;
                default -> throw new IllegalArgumentException("workload: " + workload);
            };
            size = switch (parts[1]) {
                case "4k" -> 4096;
                case "1m" -> 1 << 20;
                default -> throw new IllegalArgumentException("workload: " + workload);
            };
            queueDepth = Integer.parseInt(parts[2].substring(2));
            batch = size == 4096 ? 256 : 16;
            offsets = new long[OFFSETS];
            long blocks = IMAGE_BYTES / size;
            var random = new Random(SEED);
            for (int i = 0; i < OFFSETS; i++) {
                offsets[i] = (parts[0].startsWith("seq") ? i % blocks : random.nextLong(blocks)) * size;
            }
            arena = Arena.ofShared();
            if (write) {
                data = new MemorySegment[OFFSETS];
                for (int i = 0; i < OFFSETS; i++) {
                    data[i] = arena.allocate(size, 4096);
                    fill(data[i], offsets[i]);
                }
            }
        }

        /** The index of the next operation's offset (and data). */
        int nextIndex() {
            int i = next;
            next = (next + 1) % OFFSETS;
            return i;
        }

        @TearDown(Level.Trial)
        public void free() {
            arena.close();
        }
    }

    /** Per queue slot: a native buffer for reads, and the offset the slot last read from or wrote to. */
    @State(Scope.Thread)
    public static class Buffers {
        Arena arena;
        MemorySegment[] slots;
        long[] lastOffset;

        @Setup(Level.Trial)
        public void allocate(Workload w) {
            arena = Arena.ofShared();
            slots = new MemorySegment[w.queueDepth];
            lastOffset = new long[w.queueDepth];
            for (int i = 0; i < slots.length; i++) {
                slots[i] = arena.allocate(w.size, 4096);
            }
        }

        /** The buffer of operation {@code index} in {@code slot}: the write's data, or the slot's read buffer. */
        MemorySegment take(Workload w, int slot, int index) {
            lastOffset[slot] = w.offsets[index];
            return w.write ? w.data[index] : slots[slot];
        }

        @TearDown(Level.Trial)
        public void free() {
            arena.close();
        }
    }

    /** A guest with blkfront and dom0 with blkback over the image, connected. */
    @State(Scope.Thread)
    public static class Pair {
        static final int XVDA = 51712;

        @Param({"true", "false"})
        public boolean persistent;
        @Param({"true", "false"})
        public boolean indirect;

        Hypervisor hv;
        Toolstack toolstack;
        Blkback blkback;
        ManagedDomain guest;
        BlkfrontDevice front;

        @Setup(Level.Trial)
        public void start(ImageFile file) {
            hv = Hypervisor.builder().threadingMode(ThreadingMode.INVOKER).clock(new ManualClock()).build();
            toolstack = Toolstack.start(hv, ToolstackConfig.defaults());
            int segments = indirect ? BlkbackConfig.MAX_INDIRECT_SEGMENTS : 0;
            blkback = new Blkback(BlkbackConfig.defaults().withFeaturePersistent(persistent)
                    .withMaxIndirectSegments(segments), Pair::open);
            toolstack.await(blkback.install(toolstack));
            guest = toolstack.await(toolstack.createDomain(DomainConfig.of(1, "guest1", 256)));
            toolstack.await(guest.frontends().register(BlkfrontDrivers.frontend(BlkfrontConfig.DEFAULT
                    .withFeaturePersistent(persistent).withMaxIndirectSegments(segments))));
            toolstack.await(toolstack.addDevice(DeviceConfig.vbd(1, 0, Blkback.disk("xvda",
                    file.path.toString()))));
            hv.runUntilIdle();
            front = BlkfrontDrivers.device(guest, XVDA).orElseThrow(
                    () -> new IllegalStateException("no vbd/" + XVDA + " in dom1"));
            if (front.state() != GuestBlockDevice.State.CONNECTED) {
                throw new IllegalStateException("xvda: " + front.state() + " (expected: CONNECTED)");
            }
            if (front.sectors() != IMAGE_BYTES / BlockImage.SECTOR_SIZE) {
                throw new IllegalStateException("xvda sectors: " + front.sectors());
            }
        }

        /** The {@code block} script's open of {@code params}: the raw file, locked when writable. */
        private static BlockImage open(String params, boolean writable) throws IOException {
            return RawImage.open(Path.of(params), writable ? RawImage.OpenMode.READ_WRITE
                    : RawImage.OpenMode.READ_ONLY);
        }

        BlkbackDevice back() {
            return Blkback.device(toolstack, 1, XVDA).orElseThrow();
        }

        /** Blkback's ring requests and grant maps so far, summed over the vbd's rings. */
        long[] backendCounters() {
            long requests = 0;
            long maps = 0;
            for (BlkbackRing ring : back().rings()) {
                requests += ring.requests();
                maps += ring.mapOps();
            }
            return new long[] {requests, maps};
        }

        @TearDown(Level.Trial)
        public void stop() {
            toolstack.close();
            hv.runUntilIdle();
            hv.assertCleanedUp();
            hv.close();
        }
    }

    /**
     * One batch through blkfront and blkback: the guest keeps {@code queueDepth} operations outstanding, each
     * completion submitting the next, until {@code batch} have completed OK; returns the bytes moved.
     */
    @Benchmark
    public long blkif(Pair pair, Workload w, Buffers buffers, Counters counters) {
        long[] before = pair.backendCounters();
        var run = new Batch(pair.front, w, buffers);
        pair.guest.domain().executor().execute(run::start);
        pair.hv.runUntilIdle();
        if (run.completed != w.batch || run.failure != null) {
            throw new IllegalStateException("completed " + run.completed + " of " + w.batch
                    + (run.failure != null ? ", first failure: " + run.failure : ""));
        }
        long[] after = pair.backendCounters();
        long bytes = (long) w.batch * w.size;
        counters.ops += w.batch;
        counters.bytes += bytes;
        counters.ringRequests += after[0] - before[0];
        counters.grantMaps += after[1] - before[1];
        return bytes;
    }

    /** The guest side of one batch; runs on the guest's executor only. */
    private static final class Batch {
        private final GuestBlockDevice disk;
        private final Workload w;
        private final Buffers buffers;
        private int submitted;
        int completed;
        BlkStatus failure;

        Batch(GuestBlockDevice disk, Workload w, Buffers buffers) {
            this.disk = disk;
            this.w = w;
            this.buffers = buffers;
        }

        void start() {
            for (int slot = 0; slot < w.queueDepth && submitted < w.batch; slot++) {
                submit(slot);
            }
        }

        private void submit(int slot) {
            submitted++;
            int index = w.nextIndex();
            MemorySegment buffer = buffers.take(w, slot, index);
            long sector = w.offsets[index] / BlockImage.SECTOR_SIZE;
            var f = w.write ? disk.write(sector, buffer) : disk.read(sector, buffer);
            f.thenAccept(status -> done(slot, status));
        }

        private void done(int slot, BlkStatus status) {
            completed++;
            if (!status.ok() && failure == null) {
                failure = status;
            }
            if (submitted < w.batch) {
                submit(slot);
            }
        }
    }

    /** The baseline's channel and buffer: the same file, a native buffer of one operation. */
    @State(Scope.Thread)
    public static class Direct {
        FileChannel channel;

        @Setup(Level.Trial)
        public void open(ImageFile file) throws IOException {
            channel = FileChannel.open(file.path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            channel.close();
        }
    }

    /** The same operations at the same offsets, one at a time, with {@link FileChannel} positional I/O. */
    @Benchmark
    public long fileChannelBaseline(Direct direct, Workload w, Buffers buffers, Counters counters) throws IOException {
        long bytes = 0;
        for (int i = 0; i < w.batch; i++) {
            int slot = i % w.queueDepth;
            int index = w.nextIndex();
            long offset = w.offsets[index];
            ByteBuffer buffer = buffers.take(w, slot, index).asByteBuffer();
            while (buffer.hasRemaining()) {
                int n = w.write ? direct.channel.write(buffer, offset + buffer.position())
                        : direct.channel.read(buffer, offset + buffer.position());
                if (n < 0) {
                    throw new IOException("end of file at " + (offset + buffer.position()));
                }
            }
            bytes += w.size;
        }
        counters.ops += w.batch;
        counters.bytes += bytes;
        return bytes;
    }

    /** The image's content: the 8-byte word at file offset {@code at} (a multiple of 8). */
    static long expectedLong(long at) {
        return (at * 0x9E3779B97F4A7C15L) ^ SEED;
    }

    /** Fills {@code buffer} with the image's content from file offset {@code at}. */
    static void fill(MemorySegment buffer, long at) {
        for (long i = 0; i < buffer.byteSize(); i += 8) {
            buffer.set(ValueLayout.JAVA_LONG_UNALIGNED, i, expectedLong(at + i));
        }
    }

    /** The first offset in {@code buffer} whose word differs from the image's content at {@code at}, or -1. */
    static long firstMismatch(MemorySegment buffer, long at) {
        for (long i = 0; i < buffer.byteSize(); i += 8) {
            if (buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, i) != expectedLong(at + i)) {
                return i;
            }
        }
        return -1;
    }
}
