package io.xensim.testbed.bench;

import io.xensim.blk.back.Blkback;
import io.xensim.blk.back.BlkbackConfig;
import io.xensim.blk.back.ImageOpener;
import io.xensim.blk.back.QdiskDevice;
import io.xensim.blk.front.BlkfrontConfig;
import io.xensim.blk.front.BlkfrontDevice;
import io.xensim.blk.front.BlkfrontDrivers;
import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.guest.GuestBlockDevice;
import io.xensim.blk.image.BlockImage;
import io.xensim.blk.image.ImageStats;
import io.xensim.blk.image.Qcow2Image;
import io.xensim.blk.image.Qcow2Options;
import io.xensim.blk.image.RawImage;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ManualClock;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.DiskConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import io.xensim.xenbus.toolstack.Toolstack;
import io.xensim.xenbus.toolstack.ToolstackConfig;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A flush-heavy guest on one disk image, as a journaling file system with barriers drives its disk: a small write
 * (4 KiB at a random 4 KiB-aligned offset of the image), then a cache flush, then the next write once the flush
 * has completed, as {@code jbd2} waits for each commit block's barrier. The disk is a {@code qdisk} vbd
 * ({@code format=qcow2} as xl wires it: {@code backend/qdisk}, {@code params = <format>:<path>}, QEMU's xen-block
 * opening it), so raw and qcow2 images go through the same path and differ only in the image: a guest with blkfront
 * and dom0 with the qdisk backend, in INVOKER mode, every domain's work on the caller's thread.
 *
 * <p>{@link #run} returns what the image counted ({@link ImageStats}, the difference over the run) and the wall
 * time, so that fsyncs per guest flush and metadata writes per guest write show where the time went.
 *
 * <p><b>Threading:</b> the caller's thread steps every domain; not for use from a domain's executor.
 */
public final class FlushGuest implements AutoCloseable {
    /** The guest's write: one 4 KiB page, a journal block. */
    public static final int WRITE_BYTES = 4096;
    static final int XVDA = 51712;

    /** The image formats compared, with how each is created. */
    public enum ImageKind {
        /** A raw file with only its size set: every first write to a block allocates it in the host file system. */
        RAW_SPARSE("aio", ".img"),
        /** A raw file with every block allocated up front ({@code fallocate}). */
        RAW_PREALLOCATED("aio", ".img"),
        /** qcow2 as {@code qemu-img create -f qcow2} makes it: 64 KiB clusters, no preallocation. */
        QCOW2_DEFAULT("qcow2", ".qcow2"),
        /** The seed's advice: {@code preallocation=metadata,cluster_size=2M}. */
        QCOW2_METADATA_2M("qcow2", ".qcow2");

        private final String format;
        private final String suffix;

        ImageKind(String format, String suffix) {
            this.format = format;
            this.suffix = suffix;
        }

        /** The {@code params} QEMU's xen-block opens: {@code <format>:<path>}, as libxl writes it. */
        public String params(Path file) {
            return format + ":" + file;
        }

        /** The file name suffix. */
        public String suffix() {
            return suffix;
        }

        /** Creates the image at {@code file} (which must not exist), {@code bytes} long, and closes it. */
        public void create(Path file, long bytes) throws IOException {
            long sectors = bytes / BlockImage.SECTOR_SIZE;
            switch (this) {
                case RAW_SPARSE -> RawImage.create(file, sectors, RawImage.Allocation.SPARSE).close();
                case RAW_PREALLOCATED -> RawImage.create(file, sectors, RawImage.Allocation.PREALLOCATED).close();
                case QCOW2_DEFAULT, QCOW2_METADATA_2M -> createQcow2(file, bytes);
            }
        }

        /** As {@code qemu-img create -f qcow2} makes it, or with the seed's advice (metadata, 2 MiB clusters). */
        private void createQcow2(Path file, long bytes) throws IOException {
            Qcow2Options options = this == QCOW2_DEFAULT ? Qcow2Options.DEFAULTS
                    : Qcow2Options.DEFAULTS.withClusterSize(2 << 20)
                            .withPreallocation(Qcow2Options.Preallocation.METADATA);
            Qcow2Image.create(file, bytes, options).close();
        }
    }

    /** The counts and time of one {@link #run}. */
    public record Result(ImageKind kind, int ops, long nanos, ImageStats stats) {
        /** Guest flushes completed per second (each after its write). */
        public double flushesPerSecond() {
            return nanos == 0 ? 0 : ops * 1e9 / nanos;
        }

        /** Guest writes completed per second. */
        public double writesPerSecond() {
            return nanos == 0 ? 0 : stats.guestWrites() * 1e9 / nanos;
        }
    }

    private final ImageKind kind;
    private final Path file;
    private final long imageBytes;
    private final Hypervisor hv;
    private final Toolstack toolstack;
    private final ManagedDomain guest;
    private final BlkfrontDevice front;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment page;
    private final Random random;

    /**
     * Creates an image of {@code kind} in {@code dir} ({@code imageBytes} long), boots the pair over it as a qdisk
     * vbd and waits for blkfront to connect. {@code seed} fixes the write offsets.
     */
    public FlushGuest(ImageKind kind, Path dir, long imageBytes, long seed) throws IOException {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.imageBytes = imageBytes;
        this.file = Files.createTempFile(dir, "xensim-flush-" + kind.name().toLowerCase(Locale.ROOT) + "-",
                kind.suffix());
        Files.delete(file);   // the image is created, never overwritten
        kind.create(file, imageBytes);
        this.random = new Random(seed);
        this.page = arena.allocate(WRITE_BYTES, 4096);
        hv = Hypervisor.builder().threadingMode(ThreadingMode.INVOKER).clock(new ManualClock()).build();
        toolstack = Toolstack.start(hv, ToolstackConfig.defaults());
        toolstack.await(new Blkback(BlkbackConfig.defaults(), ImageOpener.byFormat()).install(toolstack));
        guest = toolstack.await(toolstack.createDomain(DomainConfig.of(1, "journal", 256)));
        toolstack.await(guest.frontends().register(BlkfrontDrivers.frontend(BlkfrontConfig.DEFAULT)));
        DiskConfig disk = new DiskConfig("xvda", XVDA, kind.params(file), DiskConfig.QDISK, true, false, false,
                true, true);
        toolstack.await(toolstack.addDevice(DeviceConfig.vbd(1, 0, disk)));
        hv.runUntilIdle();
        front = BlkfrontDrivers.device(guest, XVDA).orElseThrow(() -> new IllegalStateException("no vbd/" + XVDA));
        if (front.state() != GuestBlockDevice.State.CONNECTED) {
            String error = toolstack.await(toolstack.xs().readOptional("/local/domain/0/error/backend/qdisk/1/"
                    + XVDA + "/error")).orElse("no error recorded");
            close();
            throw new IOException(kind + ": xvda " + front.state() + " (expected: CONNECTED): " + error);
        }
    }

    public ImageKind kind() {
        return kind;
    }

    /** The image file. */
    public Path file() {
        return file;
    }

    /** What the image counted since it was opened. */
    public ImageStats stats() {
        return Blkback.qdiskDevice(toolstack, 1, XVDA).flatMap(QdiskDevice::image).map(BlockImage::stats)
                .orElse(ImageStats.NONE);
    }

    /** {@code ops} times: a 4 KiB write at a random offset, then a flush, each waited for. */
    public Result run(int ops) {
        ImageStats before = stats();
        long start = System.nanoTime();
        for (int i = 0; i < ops; i++) {
            long sector = random.nextLong(imageBytes / WRITE_BYTES) * (WRITE_BYTES / BlockImage.SECTOR_SIZE);
            page.set(ValueLayout.JAVA_LONG, 0, sector);   // some data of its own in each block
            await("write at sector " + sector, () -> front.write(sector, page));
            await("flush", front::flush);
        }
        long nanos = System.nanoTime() - start;
        ImageStats after = stats();
        return new Result(kind, ops, nanos, new ImageStats(after.guestWrites() - before.guestWrites(),
                after.guestFlushes() - before.guestFlushes(), after.hostDataWrites() - before.hostDataWrites(),
                after.hostMetadataWrites() - before.hostMetadataWrites(), after.hostFsyncs() - before.hostFsyncs()));
    }

    /** Submits {@code op} on the guest's executor and runs every domain until it has completed OK. */
    private void await(String what, Supplier<CompletableFuture<BlkStatus>> op) {
        var result = new CompletableFuture<BlkStatus>();
        guest.domain().executor().execute(() -> op.get().whenComplete((status, err) -> {
            if (err != null) {
                result.completeExceptionally(err);
            } else {
                result.complete(status);
            }
        }));
        hv.runUntilIdle();
        if (!result.isDone()) {
            throw new IllegalStateException(kind + ": " + what + " not completed once every domain is idle");
        }
        BlkStatus status = result.join();
        if (!status.ok()) {
            throw new IllegalStateException(kind + ": " + what + ": " + status);
        }
    }

    /** Destroys the pair (checking nothing leaked) and deletes the image. */
    @Override
    public void close() throws IOException {
        try {
            toolstack.close();
            hv.runUntilIdle();
            hv.assertCleanedUp();
            hv.close();
        } finally {
            arena.close();
            Files.deleteIfExists(file);
        }
    }
}
