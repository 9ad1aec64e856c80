package io.xensim.blk.back;

import io.xensim.blk.image.BlockImage;
import io.xensim.blk.protocol.BlkFeatures;
import io.xensim.blk.protocol.BlkfrontRings;
import io.xensim.blk.protocol.BlkifRing;
import io.xensim.xenbus.XenErrno;
import io.xensim.xenbus.bus.BackendDevice;
import io.xensim.xenbus.bus.XenbusDevice;
import io.xensim.xenbus.bus.XenbusDeviceException;
import io.xensim.xenbus.bus.XenstoreReader;
import io.xensim.xenbus.ring.BackRing;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.trace.TraceEvent;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * QEMU's xen-block device for one {@code backend/qdisk/<domid>/<devid>}: the backend a {@code qdisk} disk has
 * ({@code format=qcow2}, or {@code backendtype=qdisk}). No hotplug script runs for it: on probe it reads its own
 * {@code params}, {@code mode}, {@code device-type} and {@code discard-enable} and opens {@code params}
 * ({@code <format>:<path>}) itself through the {@link ImageOpener}, then publishes, in QEMU's order, the discard
 * keys (when {@code discard-enable} is 1 and the disk writable), {@code feature-flush-cache} = 1,
 * {@code max-ring-page-order}, {@code info}, {@code sector-size}, {@code sectors}, and
 * {@code hotplug-status} = {@code connected}, and goes to InitWait. An image that does not open fails the device
 * (its message in the device's {@code error} node, the backend Closing).
 *
 * <p>Where it differs from Linux blkback ({@link BlkbackDevice}), it does as QEMU does: one ring (no
 * {@code multi-queue-max-queues}), no persistent grants, no indirect segments, no {@code feature-barrier},
 * {@code physical-sector-size} or {@code discard-secure}; a discard granularity of 512 (QEMU's
 * {@code physical_block_size} for a file, which it does not probe); nothing written at connect. The requests
 * themselves are served by the same ring worker ({@link BlkbackRing}) against the image: QEMU's dataplane
 * answers a flush after the image's own flush, as blkback does.
 *
 * <p>Not modelled: QEMU also rewrites {@code frontend}, {@code frontend-id} and {@code online} before InitWait
 * (the values libxl wrote), and the frontend's {@code virtual-device} and {@code device-type}; and when the
 * image does not open QEMU only logs it, leaving the backend in Initialising until libxl gives up waiting.
 *
 * <p><b>Threading:</b> everything runs on the backend domain's executor; the image is opened there.
 *
 * <p><b>Reference:</b> QEMU hw/block/xen-block.c ({@code xen_block_device_create}, {@code xen_block_drive_create},
 * {@code xen_block_realize}, {@code xen_block_connect}, {@code xen_disk_realize}, {@code xen_cdrom_realize}),
 * hw/xen/xen-bus.c ({@code xen_device_realize}: {@code hotplug-status}, then InitWait),
 * hw/block/dataplane/xen-block.c.
 */
public final class QdiskDevice extends BackendDevice {
    private static final Logger log = LoggerFactory.getLogger(QdiskDevice.class);
    /** The {@code max-ring-page-order} property's default. */
    public static final int MAX_RING_PAGE_ORDER = 4;
    /** QEMU's {@code physical_block_size} of a file it does not probe, which is its discard granularity. */
    static final int DISCARD_GRANULARITY = BlockImage.SECTOR_SIZE;

    private final ImageOpener opener;
    /** Open from probe until the device is removed ({@code xen_block_device_destroy}). */
    private BlockImage image;
    private Vbd vbd;
    private BlkbackRing ring;

    QdiskDevice(XenbusDevice device, ImageOpener opener) {
        super(device);
        this.opener = opener;
    }

    /** {@code xen_block_device_create}, then {@code xen_block_realize} and {@code xen_device_realize}. */
    @Override
    protected CompletableFuture<Map<String, String>> probeFeatures() {
        XenstoreReader own = device.own();
        var params = own.read(BlkFeatures.PARAMS);
        var mode = own.read(BlkFeatures.MODE);
        var deviceType = own.read(BlkFeatures.DEVICE_TYPE);
        var discardEnable = own.readUnsigned(BlkFeatures.DISCARD_ENABLE, 0);
        return CompletableFuture.allOf(params, mode, deviceType, discardEnable).thenApply(v -> {
            String type = deviceType.join().orElseThrow(() -> refuse(XenErrno.XEN_EINVAL, "no device-type parameter"));
            if (!type.equals("disk") && !type.equals("cdrom")) {
                throw refuse(XenErrno.XEN_EINVAL, "invalid device-type parameter '" + type + "'");
            }
            String target = params.join().orElseThrow(() -> refuse(XenErrno.XEN_EINVAL,
                    "failed to create drive: no params"));
            boolean cdrom = type.equals("cdrom");
            // xen_block_drive_create: any mode but one starting with 'w' opens the file read-only.
            boolean readonly = cdrom || !mode.join().orElse("").startsWith("w");
            openImage(target, readonly, cdrom);
            return realizeKeys(discardEnable.join() != 0 && !readonly);
        });
    }

    private XenbusDeviceException refuse(int errno, String why) {
        return new XenbusDeviceException(errno, "failed to create 'qdisk' device '" + device.devid() + "': " + why);
    }

    private void openImage(String params, boolean readonly, boolean cdrom) {
        BlockImage opened;
        try {
            opened = opener.open(params, !readonly);
        } catch (IOException e) {
            throw refuse(XenErrno.XEN_ENOENT, "failed to create drive: " + e.getMessage());
        }
        if (device.isRemoved()) {
            closeQuietly(opened);
            throw refuse(XenErrno.XEN_ENOENT, "the backend directory went while the drive opened");
        }
        image = opened;
        vbd = new Vbd(opened, device.devid(), readonly || !opened.writable(), cdrom);
        device.trace(TraceEvent.Kind.INFO, "qdisk drive " + params + " (" + vbd.sectors() + " sectors"
                + (vbd.readonly() ? ", read-only" : "") + (cdrom ? ", cdrom" : "") + ")");
    }

    /** The keys in QEMU's order: {@code xen_block_realize}'s, then {@code hotplug-status}. */
    private Map<String, String> realizeKeys(boolean discard) {
        Map<String, String> keys = new LinkedHashMap<>();
        if (discard) {
            keys.put(BlkFeatures.FEATURE_DISCARD, "1");
            keys.put(BlkFeatures.DISCARD_GRANULARITY, Integer.toString(DISCARD_GRANULARITY));
            keys.put(BlkFeatures.DISCARD_ALIGNMENT, "0");
        }
        keys.put(BlkFeatures.FEATURE_FLUSH_CACHE, "1");
        keys.put(BlkFeatures.MAX_RING_PAGE_ORDER, Integer.toString(MAX_RING_PAGE_ORDER));
        keys.put(BlkFeatures.INFO, Integer.toString(vbd.info()));
        keys.put(BlkFeatures.SECTOR_SIZE, Integer.toString(BlockImage.SECTOR_SIZE));
        keys.put(BlkFeatures.SECTORS, Long.toString(vbd.sectors()));
        keys.put(DeviceConfig.HOTPLUG_STATUS, "connected");
        return keys;
    }

    @Override
    protected List<String> awaitedFrontendKeys() {
        return List.of(BlkFeatures.EVENT_CHANNEL);
    }

    /** {@code xen_block_connect}: one ring of up to {@link #MAX_RING_PAGE_ORDER}, then the dataplane starts. */
    @Override
    protected CompletableFuture<Map<String, String>> connect(XenstoreReader frontend) {
        return BlkfrontRings.read(frontend, MAX_RING_PAGE_ORDER, 1).thenApply(fr -> {
            BlkfrontRings.Ring r = fr.rings().getFirst();
            var mapping = device.mapRing(r.refArray());
            var back = BackRing.init(mapping.area(), BlkifRing.BLKIF);
            String label = "dom" + device.frontendDomid() + " qdisk/" + device.devid();
            // The dataplane maps every segment for its request and unmaps it after: no persistent grants.
            var grants = new GrantMapper(device.domain().grantOps(), device.frontendDomid(), false, 0, label);
            BlkbackRing[] holder = new BlkbackRing[1];
            int port = device.bindInterdomainEvtchn(r.evtchn(), p -> {
                if (holder[0] != null) {
                    holder[0].onEvent();
                }
            });
            holder[0] = new BlkbackRing(device, 0, back, grants, port, label);
            ring = holder[0];
            device.trace(TraceEvent.Kind.INFO, "qdisk: ring order " + fr.ringPageOrder() + ", protocol "
                    + fr.protocol());
            ring.start(vbd, 0);
            return Map.of();
        });
    }

    /** {@code xen_block_disconnect}: the dataplane stops. */
    @Override
    protected void disconnect() {
        if (ring != null) {
            ring.stop();
            ring = null;
        }
    }

    /** {@code xen_block_device_destroy}: the drive is closed. */
    @Override
    protected void removed() {
        if (image != null) {
            closeQuietly(image);
            image = null;
        }
    }

    private void closeQuietly(BlockImage img) {
        try {
            img.close();
        } catch (IOException e) {
            log.warn("dom{} {}: closing {} failed: {}", device.frontendDomid(), device.label(), img.name(),
                    e.toString());
        }
    }

    /** The image served, once probed. */
    public Optional<BlockImage> image() {
        return Optional.ofNullable(image);
    }

    /** The ring of the current connection, if connected. */
    public Optional<BlkbackRing> ring() {
        return Optional.ofNullable(ring);
    }

    @Override
    public String toString() {
        return super.toString() + " drive " + (image == null ? "-" : image.name());
    }
}
