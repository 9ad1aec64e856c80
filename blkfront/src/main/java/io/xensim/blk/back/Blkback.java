package io.xensim.blk.back;

import io.xensim.blk.protocol.VbdName;
import io.xensim.xenbus.bus.BackendDriver;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.DiskConfig;
import io.xensim.xenbus.toolstack.Toolstack;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The blkback driver of one backend domain: the {@code vbd} backend driver its xenbus probes devices with, the
 * domain's loop devices, and the {@code block} hotplug script that attaches each disk's image to one; and beside
 * it the {@code qdisk} backend (QEMU's xen-block, {@link QdiskDevice}), which opens each disk's {@code params}
 * itself through the same {@link ImageOpener}. {@link #install} registers all three with a toolstack whose dom0
 * is the backend domain.
 *
 * <p><b>Threading:</b> {@link #install} from any thread; devices run on the backend domain's executor.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/block/xen-blkback/xenbus.c ({@code xen_blkbk_driver},
 * {@code xen_blkif_xenbus_init}).
 */
public final class Blkback {
    /** The device type. */
    public static final String TYPE = "vbd";
    /** The backend type QEMU serves ({@code backend/qdisk/...}). */
    public static final String QDISK_TYPE = DeviceConfig.QDISK_KIND;

    /** Read at each probe: a restarted backend may come back with other parameters. */
    private volatile BlkbackConfig config;
    private final ImageOpener opener;
    private final LoopDevices loops = new LoopDevices();

    public Blkback(BlkbackConfig config, ImageOpener opener) {
        this.config = Objects.requireNonNull(config, "config");
        this.opener = Objects.requireNonNull(opener, "opener");
    }

    public BlkbackConfig config() {
        return config;
    }

    /**
     * Changes the module parameters for devices probed from now on (those already probed keep theirs), as a driver
     * domain restarted with other {@code max_queues} or {@code max_ring_page_order} would offer.
     */
    public void reconfigure(BlkbackConfig next) {
        this.config = Objects.requireNonNull(next, "next");
    }

    /** The backend domain's loop devices (what the {@code block} script attached). */
    public LoopDevices loops() {
        return loops;
    }

    public BackendDriver driver() {
        return BackendDriver.of(TYPE, device -> new BlkbackDevice(device, config, loops));   // config read per probe
    }

    /** The {@code qdisk} backend driver: QEMU's xen-block, opening {@code params} with this blkback's opener. */
    public BackendDriver qdiskDriver() {
        return BackendDriver.of(QDISK_TYPE, device -> new QdiskDevice(device, opener));
    }

    /** The {@code block} script of this backend domain. */
    public BlockHotplug hotplug(Toolstack toolstack) {
        return new BlockHotplug(toolstack, opener, loops);
    }

    /**
     * Registers the {@code vbd} and {@code qdisk} drivers on dom0's backend bus and {@link BlockHotplug} as
     * {@link DeviceConfig#BLOCK_SCRIPT}.
     */
    public CompletableFuture<Void> install(Toolstack toolstack) {
        toolstack.registerHotplugScript(DeviceConfig.BLOCK_SCRIPT, hotplug(toolstack));
        return toolstack.dom0().backends().register(driver())
                .thenCompose(v -> toolstack.dom0().backends().register(qdiskDriver()));
    }

    /**
     * A disk with libxl's defaults named as a domain config names it ({@code xvda}, {@code hdc}, {@code d0p1}),
     * its {@code virtual-device} number encoded by {@link VbdName}; {@code params} is the image the block script
     * opens.
     *
     * @throws IllegalArgumentException for a name xen-vbd-interface(7) does not define
     */
    public static DiskConfig disk(String vdev, String params) {
        return DiskConfig.of(vdev, VbdName.vdevOf(vdev), params);
    }

    /** The qdisk device of {@code backend/qdisk/<frontendDomid>/<devid>} in {@code toolstack}'s dom0, if probed. */
    public static Optional<QdiskDevice> qdiskDevice(Toolstack toolstack, int frontendDomid, int devid) {
        return toolstack.dom0().backends().device(QDISK_TYPE, frontendDomid, devid)
                .map(d -> d.handler() instanceof QdiskDevice q ? q : null);
    }

    /** The blkback device of {@code vbd/<frontendDomid>/<devid>} in {@code toolstack}'s dom0, if probed. */
    public static Optional<BlkbackDevice> device(Toolstack toolstack, int frontendDomid, int devid) {
        return toolstack.dom0().backends().device(TYPE, frontendDomid, devid)
                .map(d -> d.handler() instanceof BlkbackDevice b ? b : null);
    }
}
