package io.xensim.hvm.boot;

import io.xensim.blk.back.Blkback;
import io.xensim.blk.back.BlkbackConfig;
import io.xensim.blk.back.ImageOpener;
import io.xensim.blk.image.RawImage;
import io.xensim.hvm.platform.HvmParams;
import io.xensim.net.back.Netback;
import io.xensim.net.back.NetbackConfig;
import io.xensim.net.bridge.Bridges;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ManualClock;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.bus.XenbusConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import io.xensim.xenbus.toolstack.Toolstack;
import io.xensim.xenbus.toolstack.ToolstackConfig;
import io.xensim.xenbus.trace.TraceRecorder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The Xen host HVM guests boot on: the hypervisor (INVOKER mode, a manual clock: every step is taken by the caller,
 * so a boot is deterministic), its HVM parameter table, and dom0 with the toolstack (whose guests get their
 * xenstore ring recorded as {@code HVM_PARAM_STORE_PFN}/{@code _EVTCHN}, as libxl's HVM build does), netback with
 * its bridges and vif-bridge hotplug, and blkback with the {@code block} hotplug over {@code images}.
 *
 * <p><b>Threading:</b> the caller's thread steps every domain ({@link #await}, {@link #onDomain}); not for use from
 * a domain's executor.
 *
 * <p><b>Reference:</b> libxl's {@code libxl__build_hvm} (HVM params), netback and blkback as dom0 loads them.
 */
public final class HvmHost implements AutoCloseable {
    /** The xenbus step timeout of the host's buses. */
    public static final Duration STEP_TIMEOUT = Duration.ofSeconds(5);
    private static final long STEP_NANOS = 1_000;
    private static final int MAX_STEPS = 2_000_000;

    private final ManualClock clock = new ManualClock();
    private final TraceRecorder trace = new TraceRecorder();
    private final HvmParams params = new HvmParams();
    private final Hypervisor hv;
    private final Toolstack toolstack;
    private final Netback netback;
    private final Blkback blkback;
    private final ImageOpener images;
    /** Guests' memory as files here (so an outside process can map their grants), or null for anonymous memory. */
    private volatile Path guestMemoryDir;
    /** Devices ({@code type/devid} of a guest) whose backend is another domain than dom0 (a driver domain). */
    private final Map<String, Integer> backendDomains = new ConcurrentHashMap<>();
    /** Devices ({@code type/guest/devid}) whose frontend is left to a process outside the guest's kernel. */
    private final Set<String> externalFrontends = ConcurrentHashMap.newKeySet();

    private HvmHost(ImageOpener images, NetbackConfig netbackConfig, BlkbackConfig blkbackConfig) {
        hv = Hypervisor.builder().threadingMode(ThreadingMode.INVOKER).clock(clock).tracer(trace).build();
        toolstack = Toolstack.start(hv, ToolstackConfig.defaults().withXenbus(new XenbusConfig(STEP_TIMEOUT))
                .withGuestXenstore(params.recordingRing()));
        netback = new Netback(new Bridges(), netbackConfig);
        await(netback.install(toolstack));
        this.images = images;
        blkback = new Blkback(blkbackConfig, images);
        await(blkback.install(toolstack));
    }

    /** A host whose blkback opens disk targets with {@code images}. */
    public static HvmHost start(ImageOpener images) {
        return new HvmHost(Objects.requireNonNull(images, "images"), NetbackConfig.defaults(),
                BlkbackConfig.defaults());
    }

    /**
     * Disk targets as image files: a {@code phy} disk's path is a raw image ({@link RawImage}: read-write for a
     * {@code w} disk, which takes the image's lock), a {@code qdisk} disk's {@code <format>:<path>} is opened by
     * its format ({@link ImageOpener#byFormat()}); each opened once and shared by blkback (or qdisk) and the device
     * model ({@link SharedImages}), which open the same {@code params}.
     */
    public static ImageOpener rawFiles() {
        return new SharedImages(ImageOpener.byFormat());
    }

    public Hypervisor hypervisor() {
        return hv;
    }

    public ManualClock clock() {
        return clock;
    }

    public TraceRecorder trace() {
        return trace;
    }

    public HvmParams params() {
        return params;
    }

    public Toolstack toolstack() {
        return toolstack;
    }

    public Netback netback() {
        return netback;
    }

    public Bridges bridges() {
        return netback.bridges();
    }

    public Blkback blkback() {
        return blkback;
    }

    /** How dom0 opens a disk target (blkback's {@code block} script, and the device model's drives). */
    public ImageOpener images() {
        return images;
    }

    public ManagedDomain dom0() {
        return toolstack.dom0();
    }

    /** Guests created from now on get their memory as a file {@code dom<domid>.mem} in {@code dir}. */
    public void guestMemoryIn(Path dir) {
        this.guestMemoryDir = Objects.requireNonNull(dir, "dir");
    }

    /** The memory file of guest {@code domid}, if guests' memory is in files. */
    public Optional<Path> guestMemoryFile(int domid) {
        Path dir = guestMemoryDir;
        return dir == null ? Optional.empty() : Optional.of(dir.resolve("dom" + domid + ".mem"));
    }

    /**
     * Device {@code type/devid} of guest {@code frontendDomid} gets its backend in {@code backendDomid} (xl's
     * {@code backend=} of a disk or vif spec: a driver domain) instead of dom0.
     */
    public void backendDomain(String type, int frontendDomid, int devid, int backendDomid) {
        backendDomains.put(type + "/" + frontendDomid + "/" + devid, backendDomid);
    }

    /** The backend domain of a guest's device: dom0 unless {@link #backendDomain} said otherwise. */
    public int backendDomainOf(String type, int frontendDomid, int devid) {
        return backendDomains.getOrDefault(type + "/" + frontendDomid + "/" + devid, Toolstack.DOM0);
    }

    /**
     * Device {@code type/devid} of guest {@code frontendDomid} gets no frontend from the guest's kernel: its
     * frontend bus leaves the device alone ({@link io.xensim.xenbus.bus.XenbusBus#leaveAlone}), the boot does not
     * wait for it, and an outside process acting as the guest drives it ({@code xensim boot --external
     * frontend:...}). The toolstack still adds the device, and the guest still unplugs its emulated twin as for
     * any PV vif or vbd. Set before the guest boots.
     */
    public void externalFrontend(String type, int frontendDomid, int devid) {
        externalFrontends.add(Objects.requireNonNull(type, "type") + "/" + frontendDomid + "/" + devid);
    }

    /** Whether {@link #externalFrontend} left that device's frontend to an outside process. */
    public boolean isExternalFrontend(String type, int frontendDomid, int devid) {
        return externalFrontends.contains(type + "/" + frontendDomid + "/" + devid);
    }

    /** Steps every domain until {@code future} completes, the clock moving a little per step. */
    public <T> T await(CompletableFuture<T> future) {
        hv.runUntil(() -> {
            if (future.isDone()) {
                return true;
            }
            clock.advanceNanos(STEP_NANOS);
            return false;
        }, MAX_STEPS);
        if (!future.isDone()) {
            throw new IllegalStateException("the host stalled: nothing left to run and the operation is not done");
        }
        return future.join();
    }

    /** Steps every domain until nothing is left to run. */
    public void runUntilIdle() {
        hv.runUntilIdle();
    }

    /** Runs {@code action} on {@code domain}'s executor (its vCPU or kernel thread) and waits for it. */
    public <T> T onDomain(ManagedDomain domain, Supplier<T> action) {
        var result = new CompletableFuture<T>();
        domain.domain().executor().execute(() -> {
            try {
                result.complete(action.get());
            } catch (RuntimeException | Error e) {
                result.completeExceptionally(e);
            }
        });
        T value = await(result);
        hv.runUntilIdle();
        return value;
    }

    /** Destroys every guest and checks that nothing leaked (no grant, mapping, port or watch). */
    @Override
    public void close() {
        toolstack.close();
        netback.close();
        hv.runUntilIdle();
        hv.assertCleanedUp();
        hv.close();
    }
}
