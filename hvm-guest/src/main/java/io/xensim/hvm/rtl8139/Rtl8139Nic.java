package io.xensim.hvm.rtl8139;

import io.xensim.hvm.platform.EmulatedDevices;
import io.xensim.hvm.platform.pci.PciBar;
import io.xensim.hvm.platform.pci.PciConfigHeader;
import io.xensim.hvm.platform.pci.PciDeviceConfig;
import io.xensim.hvm.platform.pci.PciFunction;
import io.xensim.hvm.platform.pci.PciHost;
import io.xensim.net.bridge.Bridge;
import io.xensim.net.bridge.BridgePort;
import io.xensim.net.bridge.PortOffloads;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.MacAddress;
import io.xensim.xenbus.NanoClock;
import io.xensim.xenbus.memory.GuestMemory;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * One emulated RTL8139 as the device model wires it: the card ({@link Rtl8139}) as a PCI function 10ec:8139 with
 * its registers behind I/O BAR0 (256 ports; BAR1 is the same window as MMIO, recorded only), DMA into the guest's
 * memory, and its network side, the dom0 tap {@code vifN.M-emu}, as a port of the vif's bridge: frames the guest
 * transmits enter the bridge, frames the bridge forwards land in the card's receive ring (a full ring drops them,
 * counted in {@link Rtl8139Counters#rxOverflows()} and MPC). It answers the unplug protocol's NIC request
 * ({@link #unplugNics}) by leaving the PCI bus and the bridge, as QEMU's {@code pci_unplug_nics} removes the NIC
 * and its tap; it has no disks, so the other requests do nothing.
 *
 * <p><b>Threading:</b> the card's state is confined to the guest vCPU's executor ({@code guestExecutor}), where the
 * guest's port accesses reach it, standing for QEMU's single device-model loop; the bridge is confined to the
 * backend domain's executor ({@code backendExecutor}). Frames cross between the two as copies, by enqueuing on the
 * other executor, never by calling across: {@link #transmit} (bridge thread) enqueues the receive on the guest
 * executor, and a transmitted frame is enqueued on the backend executor. {@link #plugged()} is volatile, read by
 * both.
 *
 * <p><b>Reference:</b> QEMU {@code hw/net/rtl8139.c} ({@code pci_rtl8139_realize}: the BARs, {@code
 * rtl8139_class_init}: the ids and revision) and {@code hw/i386/xen/xen_platform.c} ({@code unplug_nic}); libxl's
 * {@code vifN.M-emu} tap name.
 */
public final class Rtl8139Nic implements BridgePort, EmulatedDevices {
    /** QEMU's default subsystem ids ({@code PCI_SUBVENDOR_ID_REDHAT_QUMRANET}, {@code PCI_SUBDEVICE_ID_QEMU}). */
    public static final int PCI_SUBVENDOR_ID_REDHAT_QUMRANET = 0x1af4;
    public static final int PCI_SUBDEVICE_ID_QEMU = 0x1100;

    private final Rtl8139NicConfig config;
    private final PciHost pciHost;
    private final Bridge bridge;
    private final Executor guestExecutor;
    private final Executor backendExecutor;
    private final NanoClock clock;
    private final Rtl8139 card;
    private final PciFunction function;
    private volatile boolean plugged;

    private Rtl8139Nic(Rtl8139NicConfig config, PciHost pciHost, GuestMemory memory, Bridge bridge,
            Executor guestExecutor, Executor backendExecutor, NanoClock clock) {
        this.config = config;
        this.pciHost = pciHost;
        this.bridge = bridge;
        this.guestExecutor = guestExecutor;
        this.backendExecutor = backendExecutor;
        this.clock = clock;
        this.card = new Rtl8139(config.mac(), new GuestDma(memory), new InterruptLine(guestExecutor), this::toWire);
        this.function = new PciFunction(pciConfig(config.tapName()), Map.of(0, card));
    }

    /** The PCI identity QEMU gives an {@code rtl8139} device. */
    public static PciDeviceConfig pciConfig(String name) {
        return new PciDeviceConfig(name, Rtl8139Regs.PCI_VENDOR_ID_REALTEK, Rtl8139Regs.PCI_DEVICE_ID_REALTEK_8139,
                PciConfigHeader.PCI_CLASS_NETWORK_ETHERNET, 0, Rtl8139Regs.RTL8139_PCI_REVID,
                PCI_SUBVENDOR_ID_REDHAT_QUMRANET, PCI_SUBDEVICE_ID_QEMU, 1,
                List.of(PciBar.io(0, Rtl8139Regs.RTL8139_REGS_SIZE), PciBar.memory(1, Rtl8139Regs.RTL8139_REGS_SIZE,
                        false)));
    }

    /**
     * Creates the card, plugs it into {@code pciHost} at the config's address (on the guest's thread, before the
     * guest's firmware runs) and enqueues its tap's attachment to {@code bridge} on {@code backendExecutor}.
     */
    public static Rtl8139Nic plug(Rtl8139NicConfig config, PciHost pciHost, GuestMemory memory, Bridge bridge,
            Executor guestExecutor, Executor backendExecutor, NanoClock clock) {
        var nic = new Rtl8139Nic(Objects.requireNonNull(config, "config"), Objects.requireNonNull(pciHost, "pciHost"),
                Objects.requireNonNull(memory, "memory"), Objects.requireNonNull(bridge, "bridge"),
                Objects.requireNonNull(guestExecutor, "guestExecutor"),
                Objects.requireNonNull(backendExecutor, "backendExecutor"), Objects.requireNonNull(clock, "clock"));
        pciHost.plug(config.address(), nic.function);
        nic.plugged = true;
        backendExecutor.execute(() -> bridge.addPort(nic));
        return nic;
    }

    public Rtl8139NicConfig config() {
        return config;
    }

    /** The card's register model (its counters, interrupt line and state, for tests and the boot's tables). */
    public Rtl8139 card() {
        return card;
    }

    public PciFunction pciFunction() {
        return function;
    }

    /** The INTx line the guest's driver hooks its handler to ({@code request_irq(pdev->irq)}). */
    public InterruptLine irq() {
        return card.irq();
    }

    public MacAddress mac() {
        return config.mac();
    }

    public Bridge bridge() {
        return bridge;
    }

    /** True until the guest unplugs the NIC. */
    public boolean plugged() {
        return plugged;
    }

    // ---- BridgePort (backend executor) ------------------------------------------------------------------------

    @Override
    public String name() {
        return config.tapName();
    }

    @Override
    public PortOffloads offloads() {
        return PortOffloads.NONE;   // an RTL8139 without C+ mode takes only complete, unsegmented frames
    }

    @Override
    public boolean transmit(Frame frame) {
        if (!plugged) {
            return false;
        }
        byte[] bytes = frame.toByteArray();   // the bridge may share the frame among ports: copy before the hop
        guestExecutor.execute(() -> {
            if (plugged) {
                card.receive(bytes);
            }
        });
        return true;
    }

    // The card put a frame on the wire (guest executor): into the bridge, on the bridge's thread.
    private void toWire(byte[] frame) {
        if (!plugged) {
            return;
        }
        backendExecutor.execute(() -> {
            if (plugged) {
                bridge.receive(this, Frame.copyOf(frame), clock.nanoTime());
            }
        });
    }

    // ---- EmulatedDevices (guest executor, from the platform device's port write) ------------------------------

    @Override
    public void unplugNics() {
        if (!plugged) {
            return;
        }
        plugged = false;
        pciHost.unplug(function);
        card.irq().connect(null);
        backendExecutor.execute(() -> bridge.removePort(config.tapName()));
    }

    @Override
    public void unplugIdeDisks() {
    }

    @Override
    public void unplugAuxIdeDisks() {
    }

    @Override
    public void unplugNvme() {
    }

    @Override
    public String toString() {
        return "Rtl8139Nic[" + config.tapName() + " " + config.mac() + " at " + config.address() + "]";
    }
}
