package io.xensim.hvm.rtl8139;

import io.xensim.hvm.platform.pci.PciAddress;
import io.xensim.net.frame.MacAddress;
import java.util.Objects;

/**
 * One emulated NIC as the toolstack asks the device model for it: the tap interface name it gets in dom0
 * ({@code vif<domid>.<devid>-emu}, libxl's name for the emulated twin of a vif), the vif's MAC, and the PCI slot.
 *
 * <p><b>Threading:</b> immutable.
 */
public record Rtl8139NicConfig(String tapName, MacAddress mac, PciAddress address) {
    /** The first NIC slot QEMU's Xen machine gives an emulated NIC after the platform device at 00:03.0. */
    public static final PciAddress DEFAULT_ADDRESS = PciAddress.of(4, 0);

    public Rtl8139NicConfig {
        Objects.requireNonNull(tapName, "tapName");
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(address, "address");
        if (tapName.isEmpty()) {
            throw new IllegalArgumentException("tapName: empty (expected: an interface name)");
        }
    }

    /** The emulated twin of vif {@code domid}.{@code devid}: tap {@code vif<domid>.<devid>-emu}. */
    public static Rtl8139NicConfig forVif(int domid, int devid, MacAddress mac, PciAddress address) {
        return new Rtl8139NicConfig("vif" + domid + "." + devid + "-emu", mac, address);
    }
}
