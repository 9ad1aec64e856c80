package io.xensim.hvm.boot;

import io.xensim.hvm.platform.pci.PciDeviceInfo;
import io.xensim.net.frame.MacAddress;
import io.xensim.net.guest.GuestNetInterface;
import java.util.Optional;

/**
 * One emulated NIC the device model gave an HVM guest, the emulated twin of a {@code type=ioemu} vif (QEMU's
 * {@code -device rtl8139} with its dom0 tap {@code vif<domid>.<devid>-emu} on the vif's bridge), together with the
 * guest's driver for it.
 *
 * <p><b>Threading:</b> the guest vCPU's thread (the guest domain's executor), where the device model answers the
 * guest's port accesses.
 *
 * <p><b>Reference:</b> libxl_dm.c {@code libxl__build_device_model_args_new} (the {@code -device} and
 * {@code -netdev type=tap,ifname=...-emu} arguments for a {@code LIBXL_NIC_TYPE_VIF_IOEMU} NIC).
 */
public interface EmulatedNic {
    /** The emulated model ({@code rtl8139}). */
    String model();

    /** The Linux driver that binds it ({@code 8139too}). */
    String driver();

    /** The dom0 tap, {@code vif<domid>.<devid>-emu}. */
    String tapName();

    MacAddress mac();

    String bridge();

    /** The card's PCI slot as the guest prints it ({@code 00:04.0}). */
    String pciAddress();

    /** False once the guest's unplug request took the card (and its tap) away. */
    boolean plugged();

    /**
     * The guest's driver probes the card among the functions the PCI scan found ({@code scanned}) and opens it as
     * {@code ifname}; empty when the card is no longer on the bus (unplugged) or the driver gave up. The lines the
     * driver printed are in {@link #driverLog()}.
     */
    Optional<GuestNetInterface> probeDriver(String ifname, java.util.List<PciDeviceInfo> scanned);

    /** What the guest's driver printed while probing and opening the card. */
    java.util.List<String> driverLog();
}
