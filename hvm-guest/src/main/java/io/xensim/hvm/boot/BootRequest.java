package io.xensim.hvm.boot;

import io.xensim.hvm.cmdline.GuestProfile;
import io.xensim.hvm.config.ToolstackDialect;
import io.xensim.hvm.platform.DriverBlacklist;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@code xl create} is asked to boot: the config file's name and text, a kernel command line that replaces the
 * config's {@code extra=}/{@code cmdline=} when given, the guest kernel ({@link GuestProfile}), the toolstack
 * dialect, the domid to create, the seed of the random MACs, the device model to start, and its driver blacklist (off, as
 * qemu-xen).
 *
 * <p><b>Threading:</b> immutable.
 */
public record BootRequest(String configName, String configText, Optional<String> cmdline, GuestProfile profile,
                          ToolstackDialect dialect, int domid, long macSeed, DeviceModelFactory deviceModel,
                          DriverBlacklist blacklist) {
    public BootRequest {
        Objects.requireNonNull(configName, "configName");
        Objects.requireNonNull(configText, "configText");
        Objects.requireNonNull(cmdline, "cmdline");
        Objects.requireNonNull(profile, "profile");
        Objects.requireNonNull(dialect, "dialect");
        Objects.requireNonNull(deviceModel, "deviceModel");
        Objects.requireNonNull(blacklist, "blacklist");
        if (domid < 1) {
            throw new IllegalArgumentException("domid: " + domid + " (expected: a guest, >= 1)");
        }
    }

    /** The seed's defaults: the rhel6.0 profile, xl, domid 1, the config's own command line. */
    public static BootRequest of(String configName, String configText, DeviceModelFactory deviceModel) {
        return new BootRequest(configName, configText, Optional.empty(), GuestProfile.DEFAULT, ToolstackDialect.XL,
                1, 1, deviceModel, DriverBlacklist.OFF);
    }

    public BootRequest withCmdline(String line) {
        return new BootRequest(configName, configText, Optional.of(line), profile, dialect, domid, macSeed,
                deviceModel, blacklist);
    }

    public BootRequest withProfile(GuestProfile p) {
        return new BootRequest(configName, configText, cmdline, p, dialect, domid, macSeed, deviceModel, blacklist);
    }

    public BootRequest withDialect(ToolstackDialect d) {
        return new BootRequest(configName, configText, cmdline, profile, d, domid, macSeed, deviceModel, blacklist);
    }

    public BootRequest withDomid(int id) {
        return new BootRequest(configName, configText, cmdline, profile, dialect, id, macSeed, deviceModel, blacklist);
    }

    /** The device model answers the unplug magic as 0xd249 for blacklisted drivers (qemu-xen-traditional). */
    public BootRequest withBlacklist(DriverBlacklist b) {
        return new BootRequest(configName, configText, cmdline, profile, dialect, domid, macSeed, deviceModel, b);
    }
}
