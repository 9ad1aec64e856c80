package io.xensim.xenbus.toolstack;

import io.xensim.xenbus.bus.XenbusPaths;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A device as the toolstack creates it: its type, both domains, its id, and the per-type keys of each end. The
 * common keys ({@code backend}, {@code backend-id}, {@code frontend}, {@code frontend-id}, {@code state},
 * {@code online}) are added by {@link Toolstack#addDevice}: first, or where {@code backendKeys} lists them
 * (libxl_disk.c writes a disk's {@code params} and {@code script} before them). {@code frontendKeys} are written with the frontend
 * directory's permissions (the guest's, read for the backend domain); {@code readOnlyFrontendKeys} belong to the
 * backend domain with read for the guest (libxl's {@code ro_front}: a vif's {@code mtu}).
 *
 * <p>{@code type} is libxl's {@code kind} (the frontend's {@code device/<type>} and the device's identity);
 * {@code backendKind} is its {@code backend_kind}, the backend's {@code backend/<backendKind>} directory: the same
 * for every device but a disk served by QEMU ({@code vbd} in the guest, {@code qdisk} in dom0).
 *
 * <p><b>Reference:</b> libxl's libxl_nic.c and libxl_disk.c ({@code set_xenstore_config},
 * {@code libxl__device_from_disk}), which fill the front and back entries handed to
 * {@code libxl__device_generic_add()}.
 */
public record DeviceConfig(String type, int frontendDomid, int backendDomid, int devid,
                           Map<String, String> frontendKeys, Map<String, String> readOnlyFrontendKeys,
                           Map<String, String> backendKeys, String backendKind) {
    public DeviceConfig {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(backendKind, "backendKind");
        if (type.isEmpty() || type.contains("/")) {
            throw new IllegalArgumentException("type: \"" + type + "\" (expected: one path component)");
        }
        if (backendKind.isEmpty() || backendKind.contains("/")) {
            throw new IllegalArgumentException("backendKind: \"" + backendKind + "\" (expected: one path component)");
        }
        if (devid < 0) {
            throw new IllegalArgumentException("devid: " + devid + " (expected: >= 0)");
        }
        // Insertion order is the order libxl writes the keys in (and xenstore-ls lists them in).
        frontendKeys = Collections.unmodifiableMap(new LinkedHashMap<>(frontendKeys));
        readOnlyFrontendKeys = Collections.unmodifiableMap(new LinkedHashMap<>(readOnlyFrontendKeys));
        backendKeys = Collections.unmodifiableMap(new LinkedHashMap<>(backendKeys));
    }

    /** A device whose backend directory is named after its type (every kind but a {@code qdisk} disk). */
    public DeviceConfig(String type, int frontendDomid, int backendDomid, int devid,
            Map<String, String> frontendKeys, Map<String, String> readOnlyFrontendKeys,
            Map<String, String> backendKeys) {
        this(type, frontendDomid, backendDomid, devid, frontendKeys, readOnlyFrontendKeys, backendKeys, type);
    }

    /** A device without read-only frontend keys. */
    public DeviceConfig(String type, int frontendDomid, int backendDomid, int devid,
            Map<String, String> frontendKeys, Map<String, String> backendKeys) {
        this(type, frontendDomid, backendDomid, devid, frontendKeys, Map.of(), backendKeys);
    }

    /** A device of any type with only the common keys and {@code handle}. */
    public static DeviceConfig of(String type, int frontendDomid, int backendDomid, int devid) {
        return new DeviceConfig(type, frontendDomid, backendDomid, devid,
                Map.of("handle", Integer.toString(devid)), Map.of(), Map.of("handle", Integer.toString(devid)));
    }

    /** The default vif script, {@code libxl__xen_script_dir_path()/vif-bridge}. */
    public static final String VIF_BRIDGE_SCRIPT = "/etc/xen/scripts/vif-bridge";
    /** {@code LIBXL_DEVICE_NIC_MTU_DEFAULT}. */
    public static final int NIC_MTU_DEFAULT = 1500;

    /** A PV-only, trusted network interface with the default MTU ({@link #vif(int, int, int, String, String, boolean, boolean, int)}). */
    public static DeviceConfig vif(int frontendDomid, int backendDomid, int devid, String mac, String bridge) {
        return vif(frontendDomid, backendDomid, devid, mac, bridge, false, true, NIC_MTU_DEFAULT);
    }

    /**
     * A network interface as libxl 4.17's {@code libxl__set_xenstore_nic} writes it, after
     * {@code libxl__device_nic_setdefault}: backend {@code script}, {@code mac}, {@code mtu} (only when not
     * {@value #NIC_MTU_DEFAULT}), {@code bridge}, {@code handle}, {@code type} ({@code vif_ioemu} for an HVM NIC
     * that also has an emulated twin, {@code vif} otherwise) and {@code hotplug-status} = "" (the backend must wait
     * for the hotplug script before it connects); frontend {@code handle}, {@code mac}, {@code trusted}; and
     * {@code mtu} read-only for the guest.
     */
    public static DeviceConfig vif(int frontendDomid, int backendDomid, int devid, String mac, String bridge,
            boolean ioemu, boolean trusted, int mtu) {
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(bridge, "bridge");
        if (mtu <= 0) {
            throw new IllegalArgumentException("mtu: " + mtu + " (expected: > 0)");
        }
        Map<String, String> back = new LinkedHashMap<>();
        back.put("script", VIF_BRIDGE_SCRIPT);
        back.put("mac", mac);
        if (mtu != NIC_MTU_DEFAULT) {
            back.put("mtu", Integer.toString(mtu));
        }
        back.put("bridge", bridge);
        back.put("handle", Integer.toString(devid));
        back.put("type", ioemu ? "vif_ioemu" : "vif");
        back.put(HOTPLUG_STATUS, "");
        Map<String, String> front = new LinkedHashMap<>();
        front.put("handle", Integer.toString(devid));
        front.put("mac", mac);
        front.put("trusted", trusted ? "1" : "0");
        return new DeviceConfig("vif", frontendDomid, backendDomid, devid, front,
                Map.of("mtu", Integer.toString(mtu)), back);
    }

    /** The backend key a hotplug script reports on ({@code connected}, or {@code error}). */
    public static final String HOTPLUG_STATUS = "hotplug-status";

    /** libxl's default disk script, {@code libxl__xen_script_dir_path()/block}. */
    public static final String BLOCK_SCRIPT = "/etc/xen/scripts/block";

    /**
     * A virtual block device with libxl's defaults ({@link DiskConfig#of}) but for {@code format} (the backend
     * {@code type}) and {@code writable}; {@code devid} is the encoded {@code virtual-device} (51712 for
     * {@code xvda}), {@code dev} the config name.
     */
    public static DeviceConfig vbd(int frontendDomid, int backendDomid, int devid, String dev, String params,
            String format, boolean writable) {
        return vbd(frontendDomid, backendDomid, new DiskConfig(dev, devid, params, format, writable, false, false,
                writable, true));
    }

    /** libxl's {@code LIBXL__DEVICE_KIND_QDISK}: the backend directory of a disk QEMU serves. */
    public static final String QDISK_KIND = "qdisk";

    /**
     * A virtual block device as libxl 4.17's {@code device_disk_add()} writes it, in its order: backend
     * {@code params}, {@code script} (a {@code phy} disk only), then {@code frontend-id}, {@code online},
     * {@code removable}, {@code bootable} = 1, {@code state}, {@code dev}, {@code type}, {@code mode},
     * {@code device-type}, {@code discard-enable}, {@code specification} = xen; frontend {@code virtual-device},
     * {@code device-type}, {@code trusted}. The common keys ({@code frontend-id}, {@code online}, {@code state}) are
     * listed here where libxl places them; {@link Toolstack#addDevice} writes its values there.
     *
     * <p>A {@link DiskConfig#QDISK} disk's backend is {@code backend/qdisk/<domid>/<devid>}
     * ({@code libxl__device_from_disk}) and has no {@code script}: QEMU opens the image itself, so no hotplug
     * script runs; its {@code params} is {@code <format>:<path>}, which the caller has already made of it.
     */
    public static DeviceConfig vbd(int frontendDomid, int backendDomid, DiskConfig disk) {
        String deviceType = disk.cdrom() ? "cdrom" : "disk";
        boolean qdisk = disk.backendType().equals(DiskConfig.QDISK);
        Map<String, String> back = new LinkedHashMap<>();
        back.put("params", disk.params());
        if (!qdisk) {
            back.put("script", BLOCK_SCRIPT);
        }
        back.put("frontend-id", Integer.toString(frontendDomid));
        back.put("online", "1");
        back.put("removable", disk.removable() ? "1" : "0");
        back.put("bootable", "1");
        back.put("state", "1");
        back.put("dev", disk.vdev());
        back.put("type", disk.backendType());
        back.put("mode", disk.readwrite() ? "w" : "r");
        back.put("device-type", deviceType);
        back.put("discard-enable", disk.discardEnable() ? "1" : "0");
        back.put("specification", "xen");
        Map<String, String> front = new LinkedHashMap<>();
        front.put("virtual-device", Integer.toString(disk.devid()));
        front.put("device-type", deviceType);
        front.put("trusted", disk.trusted() ? "1" : "0");
        return new DeviceConfig("vbd", frontendDomid, backendDomid, disk.devid(), front, Map.of(), back,
                qdisk ? QDISK_KIND : "vbd");
    }

    public String frontendPath() {
        return XenbusPaths.frontendPath(frontendDomid, type, devid);
    }

    public String backendPath() {
        return XenbusPaths.backendPath(backendDomid, backendKind, frontendDomid, devid);
    }

    /** The backend's {@code script}, if the toolstack runs a hotplug script for this device. */
    public Optional<String> script() {
        return Optional.ofNullable(backendKeys.get("script"));
    }

    /** {@code /libxl/<domid>/device/<type>/<devid>}: libxl's own copy of the backend keys. */
    public String libxlPath() {
        return "/libxl/" + frontendDomid + "/device/" + type + "/" + devid;
    }

    /** {@code vif/1/0}: type, frontend domid, device id. */
    public String key() {
        return type + "/" + frontendDomid + "/" + devid;
    }
}
