package io.xensim.blk;

import io.xensim.blk.back.Blkback;
import io.xensim.blk.back.BlkbackConfig;
import io.xensim.blk.back.BlkbackDevice;
import io.xensim.blk.back.ImageOpener;
import io.xensim.blk.front.BlkfrontConfig;
import io.xensim.blk.front.BlkfrontDevice;
import io.xensim.blk.front.BlkfrontDrivers;
import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.image.BlockImage;
import io.xensim.blk.image.MemoryImage;
import io.xensim.blk.protocol.VbdName;
import io.xensim.xenbus.bus.BusFixture;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.DiskConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.NoSuchFileException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The real blkfront against the real blkback: dom0 with {@link Blkback} installed in the toolstack (the {@code vbd}
 * backend driver and the {@code block} hotplug script), guests with blkfront registered, and vbds added through the
 * toolstack as libxl adds them ({@link DeviceConfig#vbd(int, int, DiskConfig)}), over {@link BusFixture} (INVOKER
 * mode, manual clock; {@link #close()} checks that no grant, mapping, port or watch is left).
 *
 * <p>Images come from an {@link ImageOpener}: {@link ImageOpener#raw()} for files, or {@link #memoryImages()}, which
 * keeps one {@link MemoryImage} per {@code params} alive across opens (a disk outlives the loop device that the
 * hotplug script attaches and detaches), so a backend restart finds the bytes it left.
 */
public final class BlkPair implements AutoCloseable {
    public static final int XVDA = VbdName.vdevOf("xvda");

    public final BusFixture fx = new BusFixture();
    public final Blkback blkback;
    private final BlkfrontConfig frontConfig;
    private final Map<Integer, ManagedDomain> guests = new HashMap<>();
    private final MemoryDisks memory;

    /** Blkback with Linux's defaults over in-memory disks; blkfront with Linux's defaults. */
    public BlkPair() {
        this(BlkbackConfig.defaults(), BlkfrontConfig.DEFAULT);
    }

    public BlkPair(BlkbackConfig backConfig, BlkfrontConfig frontConfig) {
        this(backConfig, frontConfig, null);
    }

    /** With {@code opener} null, in-memory disks of {@link #MEMORY_SECTORS} sectors each. */
    public BlkPair(BlkbackConfig backConfig, BlkfrontConfig frontConfig, ImageOpener opener) {
        this.frontConfig = frontConfig;
        this.memory = opener == null ? new MemoryDisks() : null;
        blkback = new Blkback(backConfig, opener == null ? memory : opener);
        fx.toolstack.await(blkback.install(fx.toolstack));
    }

    /** The size of each in-memory disk: 8 MiB. */
    public static final long MEMORY_SECTORS = 16384;

    /** Guest {@code domid}, created on first use, with blkfront registered. */
    public ManagedDomain guest(int domid) {
        return guests.computeIfAbsent(domid, id -> {
            var g = fx.guest(id);
            fx.toolstack.await(g.frontends().register(BlkfrontDrivers.frontend(frontConfig)));
            return g;
        });
    }

    /** A writable xvda over {@code params}, libxl's defaults. */
    public static DiskConfig xvda(String params) {
        return Blkback.disk("xvda", params);
    }

    /** Adds {@code disk} to guest {@code domid} through the toolstack (libxl__device_disk_add) and lets it connect. */
    public void addVbd(int domid, DiskConfig disk) {
        guest(domid);
        fx.toolstack.await(fx.toolstack.addDevice(DeviceConfig.vbd(domid, 0, disk)));
        fx.hv.runUntilIdle();
    }

    public BlkfrontDevice front(int domid) {
        return front(domid, XVDA);
    }

    public BlkfrontDevice front(int domid, int devid) {
        return BlkfrontDrivers.device(guest(domid), devid).orElseThrow(
                () -> new AssertionError("no blkfront vbd/" + devid + " in dom" + domid));
    }

    public BlkbackDevice back(int domid) {
        return Blkback.device(fx.toolstack, domid, XVDA).orElseThrow(
                () -> new AssertionError("no blkback vbd/" + domid + "/" + XVDA));
    }

    /** The in-memory disk behind {@code params} (null until the hotplug script opened it). */
    public MemoryImage memoryDisk(String params) {
        if (memory == null) {
            throw new IllegalStateException("this pair opens raw images");
        }
        return memory.disks.get(params);
    }

    /** Runs {@code action} on guest {@code domid}'s executor, then steps every domain until idle. */
    public <T> T onGuest(int domid, Supplier<T> action) {
        return fx.onDomain(guest(domid), action);
    }

    /** Submits {@code op} to guest {@code domid}'s xvda; every domain then runs until idle. */
    public CompletableFuture<BlkStatus> submit(int domid, Function<BlkfrontDevice, CompletableFuture<BlkStatus>> op) {
        return onGuest(domid, () -> op.apply(front(domid)));
    }

    /** Submits {@code op} and returns its status: in INVOKER mode it has completed once the domains are idle. */
    public BlkStatus run(int domid, Function<BlkfrontDevice, CompletableFuture<BlkStatus>> op) {
        var f = submit(domid, op);
        if (!f.isDone()) {
            throw new AssertionError("I/O not completed once every domain is idle");
        }
        return f.join();
    }

    /** Submits every op in one go on the guest (so they share the rings), runs until idle, returns the futures. */
    public List<CompletableFuture<BlkStatus>> submitAll(int domid,
            List<Function<BlkfrontDevice, CompletableFuture<BlkStatus>>> ops) {
        return onGuest(domid, () -> ops.stream().map(op -> op.apply(front(domid))).toList());
    }

    /**
     * Queues {@code op} on guest {@code domid}'s executor without running anything: it is submitted when the domains
     * next run ({@link #steps}), so tests can interleave it with the backend's work and the toolstack's.
     */
    public CompletableFuture<BlkStatus> enqueue(int domid, Function<BlkfrontDevice, CompletableFuture<BlkStatus>> op) {
        var result = new CompletableFuture<BlkStatus>();
        guest(domid).domain().executor().execute(() -> op.apply(front(domid)).whenComplete((s, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            } else {
                result.complete(s);
            }
        }));
        return result;
    }

    /** Runs at most {@code n} queued tasks over all domains (INVOKER mode; fewer if they run out first). */
    public void steps(int n) {
        int[] checks = {0};
        fx.hv.runUntil(() -> checks[0]++ >= n, n + 1);
    }

    /** The backend of guest {@code domid}'s xvda vanishes and comes back (a driver domain restart). */
    public void restartBackend(int domid) {
        removeBackend(domid);
        restoreBackend(domid);
    }

    public void removeBackend(int domid) {
        fx.toolstack.await(fx.toolstack.removeBackend("vbd", domid, XVDA));
        fx.hv.runUntilIdle();
    }

    public void restoreBackend(int domid) {
        fx.toolstack.await(fx.toolstack.restoreBackend("vbd", domid, XVDA));
        fx.hv.runUntilIdle();
    }

    /** Hot-unplugs guest {@code domid}'s xvda through the toolstack; true if it closed cleanly. */
    public boolean removeVbd(int domid) {
        var done = fx.toolstack.removeDevice("vbd", domid, XVDA);
        fx.hv.runUntilIdle();
        return fx.toolstack.await(done);
    }

    /** The xenstore value at {@code path}, read as dom0, or null. */
    public String read(String path) {
        return fx.toolstack.await(fx.toolstack.xs().readOptional(path)).orElse(null);
    }

    public static String frontendPath(int domid) {
        return "/local/domain/" + domid + "/device/vbd/" + XVDA;
    }

    public static String backendPath(int domid) {
        return "/local/domain/0/backend/vbd/" + domid + "/" + XVDA;
    }

    /** A pattern buffer of {@code bytes}: byte {@code i} is {@code seed * 31 + i * 7 + i / 512}. */
    public static MemorySegment pattern(int bytes, int seed) {
        byte[] b = new byte[bytes];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (seed * 31 + i * 7 + i / 512);
        }
        return MemorySegment.ofArray(b);
    }

    @Override
    public void close() {
        fx.close();
        if (memory != null) {
            memory.disks.values().forEach(MemoryImage::close);
        }
    }

    /** One {@link MemoryImage} per {@code params}, each open a view that leaves the bytes on close. */
    private static final class MemoryDisks implements ImageOpener {
        final Map<String, MemoryImage> disks = new ConcurrentHashMap<>();

        @Override
        public BlockImage open(String params, boolean writable) throws IOException {
            if (params.contains("missing")) {
                throw new NoSuchFileException(params);
            }
            return new View(disks.computeIfAbsent(params, p -> MemoryImage.create(p, MEMORY_SECTORS)), writable);
        }
    }

    private record View(MemoryImage disk, boolean writable) implements BlockImage {
        @Override
        public String name() {
            return disk.name();
        }

        @Override
        public long sectors() {
            return disk.sectors();
        }

        @Override
        public boolean discardable() {
            return writable;
        }

        @Override
        public void read(long offset, MemorySegment dst) {
            disk.read(offset, dst);
        }

        @Override
        public void write(long offset, MemorySegment src) {
            if (!writable) {
                throw new IllegalStateException(name() + " is open read-only");
            }
            disk.write(offset, src);
        }

        @Override
        public void flush() {
        }

        @Override
        public void discard(long offset, long length) {
            disk.discard(offset, length);
        }

        @Override
        public void close() {
        }
    }
}
