package io.xensim.hvm.boot;

import io.xensim.net.frame.MacAddress;
import io.xensim.net.guest.GuestNetInterface;
import java.util.Objects;

/**
 * One network interface the booted guest has: its name ({@code eth0}), the driver behind it
 * ({@code xen-netfront} or {@code 8139too}), MAC, the bridge its other end is on, what backs it in dom0 (the vif
 * {@code vif1.0}, or the tap {@code vif1.0-emu} of an emulated card), and the interface scenarios send through.
 *
 * <p><b>Threading:</b> immutable; {@link #iface()} is used on the guest's executor.
 */
public record GuestNic(String name, String driver, MacAddress mac, String bridge, String backing, int devid,
                       GuestNetInterface iface) {
    public static final String NETFRONT = "xen-netfront";

    public GuestNic {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(driver, "driver");
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(bridge, "bridge");
        Objects.requireNonNull(backing, "backing");
        Objects.requireNonNull(iface, "iface");
    }

    public boolean pv() {
        return driver.equals(NETFRONT);
    }
}
