package io.xensim.hvm.config;

import io.xensim.xenbus.toolstack.DeviceConfig;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One disk of a domain config after libxlutil parsed its spec: the target (image path or device; absent for an
 * empty CD-ROM drive), its format, the guest's name for it ({@code vdev}: {@code hda}, {@code xvda}, ...), access,
 * and whether it is a CD-ROM (always read-only, removable). {@link #virtualDevice()} gives the number the vbd's
 * {@code virtual-device} key carries.
 */
public record DiskSpec(Optional<String> target, DiskFormat format, String vdev, boolean readwrite, boolean cdrom,
                       Optional<String> backendDomain, Optional<DiskBackendType> backendType,
                       Optional<String> script) {
    public DiskSpec {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(vdev, "vdev");
        Objects.requireNonNull(backendDomain, "backendDomain");
        Objects.requireNonNull(backendType, "backendType");
        Objects.requireNonNull(script, "script");
    }

    /** The {@code virtual-device} number of {@link #vdev}, when it is a name libxl knows. */
    public Optional<Integer> virtualDevice() {
        return VirtualDevice.number(vdev);
    }

    /**
     * The vbd the toolstack writes for this disk, or empty when {@link #vdev} has no number or there is no image
     * (an empty CD-ROM drive). The backend type is {@code backendtype=} when given, else {@code phy} for a raw
     * image and {@code qdisk} for the others (what libxl__device_disk_set_backend() in libxl_device.c picks for a
     * local image on Linux, where phy also takes regular files); a CD-ROM is
     * {@code device-type} {@code cdrom} and removable. A {@code qdisk} disk's backend is
     * {@code backend/qdisk/...} with {@link #backendParams()} and no hotplug script
     * ({@link DeviceConfig#vbd(int, int, io.xensim.xenbus.toolstack.DiskConfig)}).
     */
    public Optional<DeviceConfig> toDeviceConfig(int frontendDomid, int backendDomid) {
        Optional<Integer> devid = virtualDevice();
        if (devid.isEmpty() || target.isEmpty()) {
            return Optional.empty();
        }
        DeviceConfig disk = DeviceConfig.vbd(frontendDomid, backendDomid, devid.get(), vdev, backendParams(),
                backendTypeName(), readwrite);
        if (!cdrom) {
            return Optional.of(disk);
        }
        Map<String, String> front = new LinkedHashMap<>(disk.frontendKeys());
        front.put("device-type", "cdrom");
        Map<String, String> back = new LinkedHashMap<>(disk.backendKeys());
        back.put("device-type", "cdrom");
        back.put("removable", "1");
        return Optional.of(new DeviceConfig(disk.type(), frontendDomid, backendDomid, disk.devid(), front,
                disk.readOnlyFrontendKeys(), back, disk.backendKind()));
    }

    /** The backend's {@code type}: {@code backendtype=}, else {@code phy} for raw and {@code qdisk} otherwise. */
    public String backendTypeName() {
        return backendType.map(t -> t.name().toLowerCase(Locale.ROOT))
                .orElse(format == DiskFormat.RAW ? "phy" : "qdisk");
    }

    /**
     * The backend's {@code params} (empty without a target): the target itself for {@code phy}, whose hotplug
     * script opens it; {@code <format>:<target>} for {@code qdisk}, as device_disk_add() in libxl_disk.c writes it
     * with libxl__device_disk_string_of_format() ({@code aio} for raw, {@code qcow}, {@code qcow2}, {@code vhd},
     * {@code qed}; {@code aio} for empty too). The device model opens the same string, so both users share one image.
     */
    public String backendParams() {
        String path = target.orElse("");
        if (!backendTypeName().equals("qdisk")) {
            return path;
        }
        String prefix = switch (format) {
            case RAW -> "aio";
            case QCOW -> "qcow";
            case QCOW2 -> "qcow2";
            case VHD -> "vhd";
            case QED -> "qed";
            case EMPTY -> "aio";
        };
        return prefix + ":" + path;
    }

    /**
     * Why libxl finds no backend for this disk, if it does not: libxl__device_disk_set_backend() tries
     * {@code backendtype=} alone when given, and {@code phy} takes only a raw image ({@code disk_try_backend}'s
     * {@code bad_format}), {@code tap} needs blktap (which 4.17 dom0s do not have) and {@code standalone} is no
     * disk backend; without {@code backendtype=} phy or qdisk always fits a local image.
     */
    public Optional<String> backendRefusal() {
        boolean fits = backendType.map(t -> switch (t) {
            case PHY -> format == DiskFormat.RAW;
            case QDISK -> true;
            case TAP, STANDALONE -> false;
        }).orElse(true);
        return fits ? Optional.empty() : Optional.of("no suitable backend for disk " + vdev);
    }

    /** Whether the guest sees this disk on the emulated IDE controller as well ({@code hd*} names). */
    public boolean emulatedIde() {
        return vdev.startsWith("hd");
    }
}
