package io.xensim.testbed.scenario;

import io.xensim.blk.back.Blkback;
import io.xensim.blk.back.BlkbackConfig;
import io.xensim.blk.back.ImageOpener;
import io.xensim.blk.front.BlkfrontConfig;
import io.xensim.blk.front.BlkfrontDevice;
import io.xensim.blk.front.BlkfrontDrivers;
import io.xensim.blk.front.BlkfrontFeatures;
import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.image.RawImage;
import io.xensim.blk.protocol.VbdName;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ManualClock;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.bus.XenbusState;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import io.xensim.xenbus.toolstack.Toolstack;
import io.xensim.xenbus.toolstack.ToolstackConfig;
import io.xensim.xenbus.trace.TraceEvent;
import io.xensim.xenbus.trace.TraceRecorder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * {@code xensim demo --blk}: Xen PV block I/O end to end. dom0 runs blkback (installed in the toolstack with the
 * {@code block} hotplug script) over a raw image file; a guest (domid 1) runs the real blkfront, and gets vbd
 * {@code xvda} added as libxl adds it ({@link DeviceConfig#vbd(int, int, io.xensim.xenbus.toolstack.DiskConfig)}).
 * The guest writes a recognisable pattern ({@link #PATTERN_BYTES} at sector {@link #PATTERN_SECTOR} in one
 * request), a FUA write, a flush, reads back and compares, discards a range and reads zeros; then the backend is
 * restarted with writes in flight (the toolstack's {@code removeBackend} + {@code restoreBackend}, as when a driver
 * domain restarts), blkfront recovers through {@code blkfront_resume} / {@code blkif_recover}, and every write is
 * checked to have completed exactly once and to be in the image file.
 *
 * <p>Deterministic: INVOKER mode and a manual clock moving {@link EchoDemo#STEP_NANOS} per domain task, as
 * {@link NetDemo}. The wiring is blkfront's paired tests' ({@code BlkPair}).
 *
 * <p><b>Threading:</b> {@link #run()} runs everything on the calling thread, which in INVOKER mode steps every
 * domain: blkfront is called through the guest's executor; the checks between steps (is the device connected, is
 * the backend gone) run on that same thread while no domain task is running.
 *
 * <p><b>Reference:</b> libxl_disk.c ({@code libxl__device_disk_add}) for the vbd's keys, Linux 6.1
 * drivers/block/xen-blkfront.c ({@code talk_to_blkback}, {@code blkif_queue_rq}, {@code blkfront_resume},
 * {@code blkif_recover}) and xen-blkback/xenbus.c ({@code connect}) for the handshake and the requests.
 */
public final class BlkDemo {
    public static final int DOMID = 1;
    public static final String VDEV = "xvda";
    public static final int DEVID = VbdName.vdevOf(VDEV);
    /** The size of an image the demo creates: 64 MiB, sparse. */
    public static final long IMAGE_SECTORS = 64L * 1024 * 1024 / 512;
    public static final long PATTERN_SECTOR = 2048;
    public static final int PATTERN_BYTES = 64 * 1024;
    public static final long FUA_SECTOR = 4096;
    public static final int FUA_BYTES = 4096;
    public static final long DISCARD_SECTOR = PATTERN_SECTOR + 64;
    public static final int DISCARD_SECTORS = 64;
    /** Writes in flight when the backend goes away. */
    public static final int RESTART_WRITES = 8;
    public static final long RESTART_SECTOR = 8192;
    public static final int RESTART_BYTES = 32 * 1024;
    /** The demo writes up to the end of its restart writes. */
    public static final long MIN_IMAGE_BYTES = RESTART_SECTOR * 512 + (long) RESTART_WRITES * RESTART_BYTES;

    /** The demo cannot run on the image it was given; the message says why, for the command to print. */
    public static final class ImageRefused extends RuntimeException {
        ImageRefused(String message) {
            super(message);
        }
    }

    /** One guest operation: what the guest asked, how it ended, and the ring requests blkfront put for it. */
    public record Operation(String what, BlkStatus status, List<String> ring, String check) {
    }

    /** What blkfront negotiated with blkback. */
    public record Negotiated(int ringPageOrder, int queues, BlkfrontFeatures features, long sectors, int sectorSize,
                             int physicalSectorSize) {
    }

    /** The backend restart: the trace from removal to reconnection, and each in-flight write's completions. */
    public record Restart(List<TraceEvent> trace, int writes, int completedOnce, int completedBeforeRestore,
                          boolean imageHoldsAll, int recoveries) {
    }

    /**
     * What the demo did. {@code handshake} is the trace from the vbd's add until both ends are Connected;
     * {@code xenstore} maps each directory to its {@code xenstore-ls -p} lines.
     */
    public record Result(Path image, boolean created, List<TraceEvent> handshake, Map<String, List<String>> xenstore,
                         Negotiated negotiated, List<Operation> operations, Restart restart) {
    }

    private final Optional<Path> imageOption;
    private final ManualClock clock = new ManualClock();
    private final TraceRecorder trace = new TraceRecorder();
    private Hypervisor hv;
    private DemoSteps steps;

    /** With {@code image} empty, a temporary 64 MiB sparse image deleted afterwards. */
    public BlkDemo(Optional<Path> image) {
        this.imageOption = image;
    }

    public static String frontendDir() {
        return "/local/domain/" + DOMID + "/device/vbd/" + DEVID;
    }

    public static String backendDir() {
        return "/local/domain/0/backend/vbd/" + DOMID + "/" + DEVID;
    }

    /**
     * Runs the demo.
     *
     * @throws ImageRefused when the image cannot be created, is too small, or the block script refuses it
     */
    public Result run() {
        Path tempDir = null;
        try {
            Path image;
            boolean created;
            if (imageOption.isEmpty()) {
                tempDir = Files.createTempDirectory("xensim-blk-demo-");
                image = tempDir.resolve("xvda.img");
                created = true;
            } else {
                image = imageOption.get();
                created = !Files.exists(image);
            }
            if (created) {
                create(image);
            } else if (!Files.isRegularFile(image)) {
                throw new ImageRefused(image + " is not a regular file");
            } else if (Files.size(image) < MIN_IMAGE_BYTES) {
                throw new ImageRefused(image + " is too small for the demo: " + Files.size(image) + " bytes, it needs "
                        + "at least " + MIN_IMAGE_BYTES);
            }
            return run(image, created);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (tempDir != null) {
                deleteQuietly(tempDir.resolve("xvda.img"));
                deleteQuietly(tempDir);
            }
        }
    }

    private static void create(Path image) {
        try {
            RawImage.create(image, IMAGE_SECTORS, RawImage.Allocation.SPARSE).close();
        } catch (IOException e) {
            throw new ImageRefused("cannot create " + image + ": " + e);
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // a temporary file left behind is only litter
        }
    }

    private Result run(Path image, boolean created) throws IOException {
        try (var hypervisor = Hypervisor.builder().threadingMode(ThreadingMode.INVOKER).clock(clock).tracer(trace)
                .build()) {
            hv = hypervisor;
            steps = new DemoSteps(hypervisor, clock);
            var toolstack = Toolstack.start(hv, ToolstackConfig.defaults());
            var blkback = new Blkback(BlkbackConfig.defaults(), ImageOpener.raw());
            steps.await(blkback.install(toolstack));
            ManagedDomain guest = steps.await(toolstack.createDomain(DomainConfig.of(DOMID, "guest" + DOMID, 16)));
            steps.await(guest.frontends().register(BlkfrontDrivers.frontend(BlkfrontConfig.DEFAULT)));

            trace.clear(); // dom0's and the guest's setup is not part of the story
            steps.await(toolstack.addDevice(DeviceConfig.vbd(DOMID, 0, Blkback.disk(VDEV, image.toString()))));
            steps.runUntil(() -> connected(guest));
            if (!connected(guest)) {
                // The block script's fatal (no such image, its lock held by another process) is hotplug-error.
                throw new ImageRefused("vbd " + VDEV + " did not connect: " + steps.await(toolstack.xs()
                        .readOptional(backendDir() + "/hotplug-error")).orElse("nothing left to run"));
            }
            steps.runUntil(() -> !hv.hasPendingWork());
            List<TraceEvent> handshake = trace.events();
            BlkfrontDevice front = front(guest);

            Map<String, List<String>> xenstore = new LinkedHashMap<>();
            xenstore.put(frontendDir(), XenstoreLs.ls(toolstack, frontendDir()));
            xenstore.put(backendDir(), XenstoreLs.ls(toolstack, backendDir()));
            Negotiated negotiated = steps.onDomain(guest, () -> new Negotiated(front.ringPageOrder(), front.ringCount(),
                    front.features().orElseThrow(), front.sectors(), front.sectorSize(), front.physicalSectorSize()));

            List<Operation> ops = operations(guest);
            Restart restart = restart(toolstack, guest, image);

            steps.await(toolstack.removeDevice("vbd", DOMID, DEVID));
            steps.runUntil(() -> !hv.hasPendingWork());
            steps.await(toolstack.destroyDomain(DOMID));
            toolstack.close();
            hv.runUntilIdle();
            hv.assertCleanedUp();
            return new Result(image, created, handshake, xenstore, negotiated, ops, restart);
        }
    }

    /** The pattern write, a FUA write, a flush, the read back, a discard and the read of zeros. */
    private List<Operation> operations(ManagedDomain guest) {
        List<Operation> ops = new ArrayList<>();
        byte[] pattern = pattern(PATTERN_SECTOR, PATTERN_BYTES);
        ops.add(op(guest, "write " + PATTERN_BYTES / 1024 + " KiB at sector " + PATTERN_SECTOR + " (pattern \""
                + label(PATTERN_SECTOR) + "...\" in every sector)", f -> f.write(PATTERN_SECTOR,
                MemorySegment.ofArray(pattern)), null));
        byte[] fua = pattern(FUA_SECTOR, FUA_BYTES);
        ops.add(op(guest, "write FUA " + FUA_BYTES / 1024 + " KiB at sector " + FUA_SECTOR,
                f -> f.writeFua(FUA_SECTOR, MemorySegment.ofArray(fua)), null));
        ops.add(op(guest, "flush", BlkfrontDevice::flush, null));

        byte[] back = new byte[PATTERN_BYTES];
        ops.add(op(guest, "read " + PATTERN_BYTES / 1024 + " KiB at sector " + PATTERN_SECTOR,
                f -> f.read(PATTERN_SECTOR, MemorySegment.ofArray(back)),
                () -> Arrays.equals(back, pattern) ? "the data matches what was written"
                        : "MISMATCH: the data differs from what was written"));
        ops.add(op(guest, "discard " + DISCARD_SECTORS + " sectors at sector " + DISCARD_SECTOR,
                f -> f.discard(DISCARD_SECTOR, DISCARD_SECTORS), null));
        byte[] zeros = new byte[DISCARD_SECTORS * 512];
        Arrays.fill(zeros, (byte) 0x5a);
        ops.add(op(guest, "read " + DISCARD_SECTORS + " sectors at sector " + DISCARD_SECTOR,
                f -> f.read(DISCARD_SECTOR, MemorySegment.ofArray(zeros)),
                () -> allZero(zeros) ? "all zeros: the discarded range reads back as zeros"
                        : "NOT ZERO: the discarded range still holds data"));
        return ops;
    }

    private Operation op(ManagedDomain guest, String what, Function<BlkfrontDevice, CompletableFuture<BlkStatus>> io,
            Supplier<String> check) {
        trace.clear();
        CompletableFuture<BlkStatus> done = steps.onDomain(guest, () -> io.apply(front(guest)));
        steps.runUntil(done::isDone);
        if (!done.isDone()) {
            throw new IllegalStateException("the demo stalled: " + what + " did not complete");
        }
        steps.runUntil(() -> !hv.hasPendingWork());
        List<String> ring = trace.events(e -> e.kind() == TraceEvent.Kind.RING && e.domid() == DOMID).stream()
                .map(TraceEvent::detail).toList();
        BlkStatus status = done.join();
        return new Operation(what, status, ring, check == null || !status.ok() ? "" : check.get());
    }

    /**
     * The backend is removed; once dom0 has torn it down, and before the guest has noticed, the guest submits
     * {@link #RESTART_WRITES} writes: blkfront puts them on rings nobody serves any more (in flight) or, once it
     * has seen its backend go, queues them. Then the backend is restored and blkfront recovers. Each write must
     * complete once, OK, and the image file must hold all of them.
     */
    private Restart restart(Toolstack toolstack, ManagedDomain guest, Path image) throws IOException {
        trace.clear();
        var removal = toolstack.removeBackend(BlkfrontDrivers.TYPE, DOMID, DEVID);
        steps.runUntil(() -> Blkback.device(toolstack, DOMID, DEVID).isEmpty());
        List<CompletableFuture<BlkStatus>> writes = new ArrayList<>();
        List<byte[]> data = new ArrayList<>();
        AtomicInteger[] completions = new AtomicInteger[RESTART_WRITES];
        for (int i = 0; i < RESTART_WRITES; i++) {
            long sector = restartSector(i);
            byte[] bytes = pattern(sector, RESTART_BYTES);
            data.add(bytes);
            AtomicInteger count = new AtomicInteger();
            completions[i] = count;
            var done = new CompletableFuture<BlkStatus>();
            guest.domain().executor().execute(() -> front(guest).write(sector, MemorySegment.ofArray(bytes))
                    .whenComplete((s, e) -> {
                        count.incrementAndGet();
                        if (e != null) {
                            done.completeExceptionally(e);
                        } else {
                            done.complete(s);
                        }
                    }));
            writes.add(done);
        }
        steps.await(removal);
        steps.runUntil(() -> !hv.hasPendingWork());
        int before = (int) writes.stream().filter(CompletableFuture::isDone).count();
        steps.await(toolstack.restoreBackend(BlkfrontDrivers.TYPE, DOMID, DEVID));
        steps.runUntil(() -> writes.stream().allMatch(CompletableFuture::isDone) && !hv.hasPendingWork());
        List<TraceEvent> shown = trace.events();

        int once = 0;
        for (int i = 0; i < RESTART_WRITES; i++) {
            if (completions[i].get() == 1 && writes.get(i).isDone() && writes.get(i).join() == BlkStatus.OK) {
                once++;
            }
        }
        // Flush so the bytes are the backend's answer, then read the file itself, past the guest and blkback.
        var flushed = steps.onDomain(guest, () -> front(guest).flush());
        steps.runUntil(flushed::isDone);
        boolean inImage = true;
        try (FileChannel file = FileChannel.open(image, StandardOpenOption.READ)) {
            for (int i = 0; i < RESTART_WRITES; i++) {
                ByteBuffer got = ByteBuffer.allocate(RESTART_BYTES);
                file.read(got, restartSector(i) * 512);
                inImage &= Arrays.equals(got.array(), data.get(i));
            }
        }
        int recoveries = steps.onDomain(guest, () -> front(guest).recoveries());
        return new Restart(shown, RESTART_WRITES, once, before, inImage, recoveries);
    }

    private static long restartSector(int i) {
        return RESTART_SECTOR + (long) i * RESTART_BYTES / 512;
    }

    /** Every 512-byte sector starts with {@code "xensim sector N "} and continues with its low bytes. */
    static byte[] pattern(long firstSector, int bytes) {
        byte[] b = new byte[bytes];
        for (int s = 0; s < bytes / 512; s++) {
            byte[] head = label(firstSector + s).getBytes(StandardCharsets.US_ASCII);
            for (int i = 0; i < 512; i++) {
                b[s * 512 + i] = i < head.length ? head[i] : (byte) (firstSector + s + i);
            }
        }
        return b;
    }

    private static String label(long sector) {
        return "xensim sector " + sector + " ";
    }

    private static boolean allZero(byte[] b) {
        return MemorySegment.ofArray(b).elements(ValueLayout.JAVA_BYTE).allMatch(s -> s.get(ValueLayout.JAVA_BYTE,
                0) == 0);
    }

    private static boolean connected(ManagedDomain guest) {
        return guest.frontends().device(BlkfrontDrivers.TYPE, DOMID, DEVID)
                .map(d -> d.state() == XenbusState.CONNECTED).orElse(false);
    }

    private static BlkfrontDevice front(ManagedDomain guest) {
        return BlkfrontDrivers.device(guest, DEVID).orElseThrow(
                () -> new IllegalStateException("no blkfront vbd/" + DEVID + " in d" + guest.domid()));
    }
}
