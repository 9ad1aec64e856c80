package io.xensim.hvm.platform;

import java.util.Objects;

/**
 * What the domain config decides about an HVM guest's platform: whether the Xen platform PCI device exists (xl's
 * {@code xen_platform_pci}, on by default), viridian enlightenments (off by default here), the Xen version the
 * CPUID leaves report, and the device model's driver blacklist ({@link DriverBlacklist#OFF} by default, as
 * qemu-xen).
 *
 * <p><b>Threading:</b> immutable.
 */
public record HvmMachineConfig(boolean xenPlatformPci, boolean viridian, XenVersion version,
        DriverBlacklist blacklist) {
    public HvmMachineConfig {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(blacklist, "blacklist");
    }

    public static HvmMachineConfig defaults() {
        return new HvmMachineConfig(true, false, XenVersion.XEN_4_17, DriverBlacklist.OFF);
    }

    public HvmMachineConfig withXenPlatformPci(boolean v) {
        return new HvmMachineConfig(v, viridian, version, blacklist);
    }

    public HvmMachineConfig withViridian(boolean v) {
        return new HvmMachineConfig(xenPlatformPci, v, version, blacklist);
    }

    public HvmMachineConfig withBlacklist(DriverBlacklist v) {
        return new HvmMachineConfig(xenPlatformPci, viridian, version, v);
    }
}
