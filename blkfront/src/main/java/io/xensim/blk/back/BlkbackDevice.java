package io.xensim.blk.back;

import io.xensim.blk.protocol.BlkFeatures;
import io.xensim.blk.protocol.BlkfrontRings;
import io.xensim.blk.protocol.BlkifRing;
import io.xensim.xenbus.XenErrno;
import io.xensim.xenbus.bus.BackendDevice;
import io.xensim.xenbus.bus.XenbusDevice;
import io.xensim.xenbus.bus.XenstoreReader;
import io.xensim.xenbus.ring.BackRing;
import io.xensim.xenbus.trace.TraceEvent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Blkback's xenbus side for one vbd. On probe it offers {@code feature-max-indirect-segments},
 * {@code multi-queue-max-queues} and {@code max-ring-page-order}, watches its own {@code physical-device} and goes
 * to InitWait. When the hotplug script has written {@code physical-device} it opens that loop device as the
 * {@link Vbd} (with {@code mode} and the frontend's {@code device-type}); when the frontend is Initialised it
 * reads and maps its rings ({@link BlkfrontRings}: queues, ring order, protocol, refs and ports, each over the
 * limit or missing a {@code xenbus_dev_fatal}) and binds the event channels. Whichever of the two comes last
 * connects: in one transaction {@code feature-flush-cache}, the discard keys, {@code feature-barrier},
 * {@code feature-persistent}, {@code sectors}, {@code info}, {@code sector-size}, {@code physical-sector-size},
 * then Connected, and the rings' workers start.
 *
 * <p>Closing, the toolstack's unplug and a frontend that comes back to Initialising are the {@link BackendDevice}
 * handshake; disconnecting stops the workers and unmaps every persistent grant. The vbd stays open across
 * reconnects, as Linux keeps it until the device is removed; its image belongs to the loop device, which the
 * script's {@code offline} detaches.
 *
 * <p><b>Threading:</b> everything runs on the backend domain's executor.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/block/xen-blkback/xenbus.c ({@code xen_blkbk_probe},
 * {@code backend_changed}, {@code xen_vbd_create}, {@code frontend_changed}, {@code connect_ring},
 * {@code read_per_ring_refs}, {@code xen_blkif_map}, {@code xen_update_blkif_status}, {@code connect},
 * {@code xen_blkbk_discard}, {@code xen_blkif_disconnect}).
 */
public final class BlkbackDevice extends BackendDevice {
    private static final Logger log = LoggerFactory.getLogger(BlkbackDevice.class);

    private final BlkbackConfig config;
    private final LoopDevices loops;
    private final String physicalDevicePath;
    private final List<BlkbackRing> rings = new ArrayList<>();
    /** {@code be->major}/{@code be->minor} once read; -1 before. */
    private int major = -1;
    private int minor = -1;
    private Vbd vbd;
    /** Completes when the vbd exists ({@code blkif->vbd.bdev} set). */
    private final CompletableFuture<Vbd> vbdReady = new CompletableFuture<>();
    private boolean persistent;

    BlkbackDevice(XenbusDevice device, BlkbackConfig config, LoopDevices loops) {
        super(device);
        this.config = config;
        this.loops = loops;
        this.physicalDevicePath = device.nodename() + "/" + BlkFeatures.PHYSICAL_DEVICE;
    }

    /**
     * {@code xen_blkbk_probe}: the keys in Linux's order. The {@code physical-device} watch is registered here too,
     * as probe registers it among these writes, before InitWait.
     */
    @Override
    protected Map<String, String> features() {
        watchPhysicalDevice();
        Map<String, String> keys = new LinkedHashMap<>();
        if (config.maxIndirectSegments() > 0) {
            keys.put(BlkFeatures.FEATURE_MAX_INDIRECT_SEGMENTS, Integer.toString(config.maxIndirectSegments()));
        }
        keys.put(BlkFeatures.MULTI_QUEUE_MAX_QUEUES, Integer.toString(config.maxQueues()));
        keys.put(BlkFeatures.MAX_RING_PAGE_ORDER, Integer.toString(config.maxRingPageOrder()));
        return keys;
    }

    /** Registers the watch; it fires once at once, which {@link #backendChanged} expects to find nothing. */
    private void watchPhysicalDevice() {
        device.unwatch(physicalDevicePath);
        device.watch(physicalDevicePath, (p, t) -> backendChanged());
    }

    /** {@code backend_changed}: the hotplug script wrote {@code physical-device}: open it as the vbd. */
    private void backendChanged() {
        device.own().read(BlkFeatures.PHYSICAL_DEVICE).thenCompose(value -> {
            if (value.isEmpty()) {
                return CompletableFuture.completedFuture(null); // the watch's first firing, before the script ran
            }
            int[] mm = parseMajorMinor(value.get());
            if (mm == null) {
                fatal(XenErrno.XEN_EINVAL, "reading physical-device: \"" + value.get() + "\" (expected: %x:%x)");
                return CompletableFuture.completedFuture(null);
            }
            if (major >= 0) {
                if (major != mm[0] || minor != mm[1]) {
                    log.warn("dom{} {}: changing physical device (from {}:{} to {}:{}) not supported",
                            device.frontendDomid(), device.label(), Integer.toHexString(major),
                            Integer.toHexString(minor), Integer.toHexString(mm[0]), Integer.toHexString(mm[1]));
                }
                return CompletableFuture.completedFuture(null);
            }
            return device.own().read(BlkFeatures.MODE).thenCombine(device.otherend().read(BlkFeatures.DEVICE_TYPE),
                    (mode, deviceType) -> {
                        if (mode.isEmpty()) {
                            fatal(XenErrno.XEN_ENOENT, "reading mode");
                            return null;
                        }
                        createVbd(mm[0], mm[1], !mode.get().contains("w"),
                                deviceType.map("cdrom"::equals).orElse(false));
                        return null;
                    });
        }).exceptionally(err -> {
            log.warn("dom{} {}: reading physical-device failed: {}", device.frontendDomid(), device.label(),
                    err.toString());
            return null;
        });
    }

    /** {@code xen_vbd_create}: the loop device must exist and open with the access {@code mode} asks for. */
    private void createVbd(int maj, int min, boolean readonly, boolean cdrom) {
        if (major >= 0 || device.isRemoved()) {
            return;
        }
        String dev = Integer.toHexString(maj) + ":" + Integer.toHexString(min);
        var loop = loops.find(maj, min);
        if (loop.isEmpty() || (!readonly && !loop.get().image().writable())) {
            fatal(XenErrno.XEN_ENOENT, "creating vbd structure: device " + dev + " could not be opened"
                    + (loop.isPresent() ? " for writing" : ""));
            return;
        }
        major = maj;
        minor = min;
        vbd = new Vbd(loop.get().image(), device.devid(), readonly, cdrom);
        device.trace(TraceEvent.Kind.INFO, "vbd " + dev + " (" + loop.get().backingFile() + ", "
                + vbd.sectors() + " sectors" + (readonly ? ", read-only" : "") + (cdrom ? ", cdrom" : "") + ")");
        vbdReady.complete(vbd);
    }

    /** {@code %x:%x} as {@code xenbus_scanf} reads it: lower-case or upper-case hex, no sign. */
    static int[] parseMajorMinor(String value) {
        int colon = value.indexOf(':');
        if (colon <= 0 || colon == value.length() - 1 || colon > 8 || value.length() - colon - 1 > 8) {
            return null;
        }
        try {
            String a = value.substring(0, colon);
            String b = value.substring(colon + 1);
            if (!a.chars().allMatch(BlkbackDevice::isHex) || !b.chars().allMatch(BlkbackDevice::isHex)) {
                return null;
            }
            return new int[] {Integer.parseUnsignedInt(a, 16), Integer.parseUnsignedInt(b, 16)};
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static boolean isHex(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    @Override
    protected List<String> awaitedFrontendKeys() {
        return List.of(BlkFeatures.EVENT_CHANNEL);
    }

    /**
     * {@code connect_ring} (rings mapped and bound), then {@code xen_update_blkif_status}: wait for the vbd, then
     * {@code connect}'s keys.
     */
    @Override
    protected CompletableFuture<Map<String, String>> connect(XenstoreReader frontend) {
        if (vbd == null) {
            watchPhysicalDevice(); // a teardown before the script ran dropped the watch with the other resources
        }
        return BlkfrontRings.read(frontend, config.maxRingPageOrder(), config.maxQueues())
                .thenApply(fr -> {
                    mapRings(fr);
                    return fr;
                })
                .thenCompose(fr -> vbdReady)
                .thenCompose(v -> device.own().readUnsigned(BlkFeatures.DISCARD_ENABLE, 1))
                .thenApply(discardEnable -> {
                    // The workers start with the keys: the frontend sends nothing before it reads them.
                    for (BlkbackRing ring : rings) {
                        ring.start(vbd, config.maxIndirectSegments());
                    }
                    return connectKeys(discardEnable != 0);
                });
    }

    /** {@code read_per_ring_refs} / {@code xen_blkif_map} for every queue. */
    private void mapRings(BlkfrontRings fr) {
        persistent = config.featurePersistent() && fr.persistent();
        for (int i = 0; i < fr.rings().size(); i++) {
            BlkfrontRings.Ring r = fr.rings().get(i);
            var mapping = device.mapRing(r.refArray());
            var back = BackRing.init(mapping.area(), BlkifRing.BLKIF);
            String label = "dom" + device.frontendDomid() + " vbd/" + device.devid() + " ring " + i;
            var grants = new GrantMapper(device.domain().grantOps(), device.frontendDomid(), persistent,
                    config.maxPersistentGrants(), label);
            BlkbackRing[] holder = new BlkbackRing[1];
            int port = device.bindInterdomainEvtchn(r.evtchn(), p -> {
                if (holder[0] != null) {
                    holder[0].onEvent();
                }
            });
            holder[0] = new BlkbackRing(device, i, back, grants, port, label);
            rings.add(holder[0]);
        }
        device.trace(TraceEvent.Kind.INFO, "using " + rings.size() + " queue(s), ring order " + fr.ringPageOrder()
                + ", protocol " + fr.protocol() + (persistent ? ", persistent grants" : ""));
    }

    /** {@code connect}: the keys in Linux's order. */
    private Map<String, String> connectKeys(boolean discardEnable) {
        Map<String, String> keys = new LinkedHashMap<>();
        String flush = vbd.flushSupport() ? "1" : "0";
        keys.put(BlkFeatures.FEATURE_FLUSH_CACHE, flush);
        if (discardEnable) {
            // xen_blkbk_discard: the limits only for a device that discards; feature-discard either way.
            if (vbd.discardSupport()) {
                keys.put(BlkFeatures.DISCARD_GRANULARITY, Integer.toString(Vbd.DISCARD_GRANULARITY));
                keys.put(BlkFeatures.DISCARD_ALIGNMENT, "0");
                keys.put(BlkFeatures.DISCARD_SECURE, "0");
            }
            keys.put(BlkFeatures.FEATURE_DISCARD, vbd.discardSupport() ? "1" : "0");
        }
        keys.put(BlkFeatures.FEATURE_BARRIER, flush);
        keys.put(BlkFeatures.FEATURE_PERSISTENT, config.featurePersistent() ? "1" : "0");
        keys.put(BlkFeatures.SECTORS, Long.toUnsignedString(vbd.sectors()));
        keys.put(BlkFeatures.INFO, Integer.toString(vbd.info()));
        keys.put(BlkFeatures.SECTOR_SIZE, Integer.toString(vbd.image().sectorSize()));
        keys.put(BlkFeatures.PHYSICAL_SECTOR_SIZE, Integer.toString(vbd.image().physicalSectorSize()));
        return keys;
    }

    /** {@code xen_blkif_disconnect}: the workers stop and persistent grants go; the rest is released after. */
    @Override
    protected void disconnect() {
        for (BlkbackRing ring : rings) {
            ring.stop();
        }
        rings.clear();
    }

    /** The rings of the current connection (empty when not connected). */
    public List<BlkbackRing> rings() {
        return Collections.unmodifiableList(rings);
    }

    /** The loop device's {@code major:minor} opened as the vbd, once the hotplug script has written it. */
    public Optional<String> physicalDevice() {
        return major < 0 ? Optional.empty()
                : Optional.of(Integer.toHexString(major) + ":" + Integer.toHexString(minor));
    }

    /** Whether persistent grants were negotiated on the current connection. */
    public boolean persistentGrants() {
        return persistent;
    }

    @Override
    public String toString() {
        return super.toString() + " vbd " + physicalDevice().orElse("-") + " rings " + rings.size();
    }
}
