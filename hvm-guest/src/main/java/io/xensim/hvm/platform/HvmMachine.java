package io.xensim.hvm.platform;

import io.xensim.hvm.platform.pci.PciHost;
import java.util.Objects;
import java.util.Optional;

/**
 * One HVM guest's emulated machine as Xen and its device model present it, before any emulated NIC or disk is
 * added: the I/O-port bus, the PCI host bridge, Xen's CPUID leaves for the domain, and the Xen platform PCI device
 * at 00:03.0 when the config has it. Emulated devices plug into {@link #pciHost()} and register their ports on
 * {@link #ioBus()}; the one that answers the unplug protocol for them is the {@link EmulatedDevices} given here.
 *
 * <p><b>Threading:</b> confined to the guest vCPU's thread (its domain's executor), like everything it holds.
 */
public final class HvmMachine {
    private final int domid;
    private final HvmMachineConfig config;
    private final IoPortBus ioBus = new IoPortBus();
    private final PciHost pciHost = PciHost.install(ioBus);
    private final XenCpuid cpuid;
    private final XenPlatformDevice platformDevice;

    private HvmMachine(int domid, HvmMachineConfig config, EmulatedDevices devices) {
        this.domid = domid;
        this.config = config;
        XenCpuid xen = XenCpuid.hvm(config.version(), domid);
        this.cpuid = config.viridian() ? xen.withViridian() : xen;
        this.platformDevice = config.xenPlatformPci() ? XenPlatformDevice.install(pciHost,
                XenPlatformDevice.DEFAULT_ADDRESS, devices, config.blacklist()) : null;
    }

    /** The machine of HVM domain {@code domid}; {@code devices} is told what the guest unplugs. */
    public static HvmMachine create(int domid, HvmMachineConfig config, EmulatedDevices devices) {
        return new HvmMachine(domid, Objects.requireNonNull(config, "config"),
                Objects.requireNonNull(devices, "devices"));
    }

    public int domid() {
        return domid;
    }

    public HvmMachineConfig config() {
        return config;
    }

    public IoPortBus ioBus() {
        return ioBus;
    }

    public PciHost pciHost() {
        return pciHost;
    }

    public XenCpuid cpuid() {
        return cpuid;
    }

    /** The platform device, absent under {@code xen_platform_pci=0}. */
    public Optional<XenPlatformDevice> platformDevice() {
        return Optional.ofNullable(platformDevice);
    }

    /** VM exits so far: port accesses plus {@code cpuid}s. */
    public long exits() {
        return ioBus.exits() + cpuid.exits();
    }
}
