package io.xensim.hvm.rtl8139;

import io.xensim.hvm.platform.UnplugRelay;
import io.xensim.hvm.platform.HvmMachine;
import io.xensim.hvm.platform.HvmMachineConfig;
import io.xensim.hvm.platform.pci.PciConf1;
import io.xensim.hvm.platform.pci.PciFirmware;
import io.xensim.hvm.platform.pci.PciScan;
import io.xensim.hvm.rtl8139.driver.Rtl8139Driver;
import io.xensim.net.bridge.Bridge;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.MacAddress;
import io.xensim.xenbus.Domain;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ThreadingMode;
import java.util.ArrayList;
import java.util.List;

/**
 * HVM guests with an emulated RTL8139 each, on one dom0 bridge, over an INVOKER-mode hypervisor: each guest gets
 * its machine (platform device included), the card at 00:04.0, hvmloader's BAR set-up, the guest's PCI scan and
 * the 8139too driver opened. Guest actions go through {@link #onGuest}, the bridge's through {@link #onDom0}.
 */
final class RtlNet implements AutoCloseable {
    final Hypervisor hv = Hypervisor.create(ThreadingMode.INVOKER);
    final Domain dom0 = hv.createDomain(DomainConfig.of(0, "Domain-0", 16));
    final Bridge bridge = new Bridge(Bridge.DEFAULT_NAME);

    /** One guest and what its stack received. */
    record Guest(Domain domain, HvmMachine machine, Rtl8139Nic nic, Rtl8139Driver driver, List<byte[]> received) {
    }

    Guest guest(int domid, MacAddress mac) {
        Domain domain = hv.createDomain(DomainConfig.of(domid, "hvm" + domid, 4));
        var late = new UnplugRelay();
        HvmMachine machine = HvmMachine.create(domid, HvmMachineConfig.defaults(), late);
        Rtl8139Nic nic = Rtl8139Nic.plug(Rtl8139NicConfig.forVif(domid, 0, mac, Rtl8139NicConfig.DEFAULT_ADDRESS),
                machine.pciHost(), domain.memory(), bridge, domain.executor(), dom0.executor(), hv.clock());
        late.connect(nic);
        var conf = new PciConf1(machine.ioBus());
        PciFirmware.setUp(conf);
        var device = new PciScan(conf).scanBus().stream().filter(Rtl8139Driver::matches).findFirst().orElseThrow();
        Rtl8139Driver driver = Rtl8139Driver.probe(conf, device, domain.memory(), nic.irq(), domain.executor())
                .orElseThrow();
        var received = new ArrayList<byte[]>();
        driver.setReceiver(f -> received.add(f.toByteArray()));
        onGuest(domain, () -> {
            if (!driver.open()) {
                throw new AssertionError("open failed");
            }
        });
        hv.runUntilIdle();
        return new Guest(domain, machine, nic, driver, received);
    }

    void onGuest(Domain guest, Runnable action) {
        guest.executor().execute(action);
    }

    void onDom0(Runnable action) {
        dom0.executor().execute(action);
    }

    /** A raw port's frame into the bridge, then everything runs until idle. */
    void inject(RawPort port, byte[] frame) {
        onDom0(() -> bridge.receive(port, Frame.copyOf(frame), hv.clock().nanoTime()));
    }

    RawPort rawPort(String name) {
        var port = new RawPort(name);
        onDom0(() -> bridge.addPort(port));
        hv.runUntilIdle();
        return port;
    }

    @Override
    public void close() {
        hv.close();
    }
}
