package io.xensim.xenbus.toolstack;

import java.util.Objects;

/**
 * One disk of a domain config as libxl holds it after {@code libxl__device_disk_setdefault()}
 * ({@code libxl_device_disk}): the guest's name for it ({@code vdev}, e.g. {@code xvda}) and its encoded number,
 * the target the hotplug script resolves ({@code params}: an image path), the backend type, and the flags that
 * become xenstore keys. {@link DeviceConfig#vbd(int, int, DiskConfig)} turns it into the vbd's directories.
 *
 * <p>The toolstack does not parse disk names (that codec is the block protocol's,
 * {@code io.xensim.blk.protocol.VbdName}): the caller passes {@code devid}, the {@code virtual-device} number.
 *
 * @param vdev          the config name, written as the backend's {@code dev}
 * @param devid         the {@code virtual-device} number (xen-vbd-interface(7)); the device id of both directories
 * @param params        the backend's {@code params}: for {@code phy} the hotplug script's target (an image path),
 *                      for {@code qdisk} what QEMU opens, {@code <format>:<path>} ({@code aio:} for raw)
 * @param backendType   the backend's {@code type}: {@code phy} for a raw file the {@code block} script attaches,
 *                      {@link #QDISK} for an image QEMU opens (the backend directory is then {@code backend/qdisk})
 * @param readwrite     {@code mode} {@code w}, else {@code r}
 * @param cdrom         {@code device-type} {@code cdrom}, else {@code disk}
 * @param removable     {@code removable}
 * @param discardEnable {@code discard-enable}; libxl's default is {@code readwrite}
 * @param trusted       the frontend's {@code trusted}
 */
public record DiskConfig(String vdev, int devid, String params, String backendType, boolean readwrite,
                         boolean cdrom, boolean removable, boolean discardEnable, boolean trusted) {
    /** libxl's {@code LIBXL_DISK_BACKEND_PHY} string. */
    public static final String PHY = "phy";
    /** libxl's {@code LIBXL_DISK_BACKEND_QDISK} string. */
    public static final String QDISK = "qdisk";

    public DiskConfig {
        Objects.requireNonNull(vdev, "vdev");
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(backendType, "backendType");
        if (devid < 0) {
            throw new IllegalArgumentException("devid: " + devid + " (expected: >= 0)");
        }
    }

    /** A writable {@code phy} disk, not removable, discard enabled, trusted: libxl's defaults for {@code vdev=…}. */
    public static DiskConfig of(String vdev, int devid, String params) {
        return new DiskConfig(vdev, devid, params, PHY, true, false, false, true, true);
    }

    /** {@code access=ro}: {@code mode} {@code r}; discard off, as libxl's default follows {@code readwrite}. */
    public DiskConfig readOnly() {
        return new DiskConfig(vdev, devid, params, backendType, false, cdrom, removable, false, trusted);
    }

    /** {@code devtype=cdrom}: a read-only, removable CD-ROM. */
    public DiskConfig asCdrom() {
        return new DiskConfig(vdev, devid, params, backendType, false, true, true, false, trusted);
    }

    public DiskConfig withDiscardEnable(boolean on) {
        return new DiskConfig(vdev, devid, params, backendType, readwrite, cdrom, removable, on, trusted);
    }

    public DiskConfig withTrusted(boolean on) {
        return new DiskConfig(vdev, devid, params, backendType, readwrite, cdrom, removable, discardEnable, on);
    }
}
