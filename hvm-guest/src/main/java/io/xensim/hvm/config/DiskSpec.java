package io.xensim.hvm.config;

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

    /** Whether the guest sees this disk on the emulated IDE controller as well ({@code hd*} names). */
    public boolean emulatedIde() {
        return vdev.startsWith("hd");
    }
}
