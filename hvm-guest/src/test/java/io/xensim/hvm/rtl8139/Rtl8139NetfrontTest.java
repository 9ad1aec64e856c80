package io.xensim.hvm.rtl8139;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.hvm.platform.HvmMachine;
import io.xensim.hvm.platform.HvmMachineConfig;
import io.xensim.hvm.platform.pci.PciConf1;
import io.xensim.hvm.platform.pci.PciFirmware;
import io.xensim.hvm.platform.pci.PciScan;
import io.xensim.hvm.rtl8139.driver.Rtl8139Driver;
import io.xensim.net.back.Netback;
import io.xensim.net.back.NetbackConfig;
import io.xensim.net.bridge.Bridge;
import io.xensim.net.bridge.Bridges;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.MacAddress;
import io.xensim.net.front.NetfrontConfig;
import io.xensim.net.front.NetfrontDevice;
import io.xensim.net.front.NetfrontDrivers;
import io.xensim.net.guest.GuestNetInterface;
import io.xensim.xenbus.Domain;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.bus.BusFixture;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An emulated-NIC guest and a PV guest on one bridge: dom0 runs netback with the vif-bridge hotplug, guest 1 binds
 * netfront to its vif as libxl adds it, guest 7 has an RTL8139 whose tap joins the same {@code xenbr0}. Both see
 * the other's frames through the {@link GuestNetInterface} they share; the PV side ends with no grant, port or
 * watch left.
 */
class Rtl8139NetfrontTest {
    static final MacAddress PV_MAC = MacAddress.of("00:16:3e:00:00:01");
    static final MacAddress EMU_MAC = MacAddress.of("00:16:3e:00:00:07");
    final BusFixture fx = new BusFixture();
    final Netback netback = new Netback(new Bridges(), NetbackConfig.defaults());
    final List<byte[]> pvReceived = new ArrayList<>();
    final List<byte[]> emuReceived = new ArrayList<>();
    ManagedDomain pvGuest;
    Domain emuGuest;
    Rtl8139Nic nic;
    Rtl8139Driver emu;

    @AfterEach
    void close() {
        fx.close();
    }

    void setUp() {
        fx.toolstack.await(netback.install(fx.toolstack));
        pvGuest = fx.guest(1);
        fx.toolstack.await(pvGuest.frontends().register(NetfrontDrivers.frontend(NetfrontConfig.DEFAULT)));
        fx.toolstack.await(fx.toolstack.addDevice(DeviceConfig.vif(1, 0, 0, PV_MAC.toString(), "xenbr0", false,
                true, DeviceConfig.NIC_MTU_DEFAULT)));
        fx.hv.runUntilIdle();
        fx.onDomainRun(pvGuest, () -> pv().setReceiver(f -> pvReceived.add(f.toByteArray())));

        emuGuest = fx.hv.createDomain(DomainConfig.of(7, "hvm7", 4));
        HvmMachine machine = HvmMachine.create(7, HvmMachineConfig.defaults(), io.xensim.hvm.platform.EmulatedDevices.NONE);
        Bridge bridge = netback.bridges().bridge("xenbr0");
        nic = Rtl8139Nic.plug(Rtl8139NicConfig.forVif(7, 0, EMU_MAC, Rtl8139NicConfig.DEFAULT_ADDRESS),
                machine.pciHost(), emuGuest.memory(), bridge, emuGuest.executor(),
                fx.toolstack.dom0().domain().executor(), fx.hv.clock());
        var conf = new PciConf1(machine.ioBus());
        PciFirmware.setUp(conf);
        var device = new PciScan(conf).scanBus().stream().filter(Rtl8139Driver::matches).findFirst().orElseThrow();
        emu = Rtl8139Driver.probe(conf, device, emuGuest.memory(), nic.irq(), emuGuest.executor()).orElseThrow();
        emu.setReceiver(f -> emuReceived.add(f.toByteArray()));
        emuGuest.executor().execute(emu::open);
        fx.hv.runUntilIdle();
    }

    NetfrontDevice pv() {
        return (NetfrontDevice) pvGuest.frontends().device("vif", 1, 0).orElseThrow().handler();
    }

    @Test
    void theEmulatedAndThePvGuestExchangeFramesOnOneBridge() {
        setUp();
        assertThat(netback.bridges().bridge("xenbr0").portNames()).containsExactlyInAnyOrder("vif1.0", "vif7.0-emu");
        assertThat(pv().linkState()).isEqualTo(GuestNetInterface.LinkState.UP);

        byte[] toPv = Rtl8139NetTest.frameFrom(EMU_MAC, PV_MAC, 600, 3);
        emuGuest.executor().execute(() -> emu.send(Frame.copyOf(toPv)));
        fx.hv.runUntilIdle();
        assertThat(pvReceived).hasSize(1);
        assertThat(pvReceived.get(0)).isEqualTo(toPv);

        byte[] toEmu = Rtl8139NetTest.frameFrom(PV_MAC, EMU_MAC, 1200, 5);
        var result = fx.onDomain(pvGuest, () -> pv().send(Frame.copyOf(toEmu)));
        fx.hv.runUntilIdle();
        assertThat(result).isEqualTo(GuestNetInterface.SendResult.SENT);
        assertThat(emuReceived).hasSize(1);
        assertThat(emuReceived.get(0)).isEqualTo(toEmu);

        List<GuestNetInterface> both = List.of(pv(), emu);
        assertThat(both).extracting(GuestNetInterface::mtu).containsOnly(1500);
        assertThat(emu.counters().rxPackets()).isEqualTo(1);
        assertThat(emu.counters().txPackets()).isEqualTo(1);
    }
}
