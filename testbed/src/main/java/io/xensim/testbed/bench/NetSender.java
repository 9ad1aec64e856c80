package io.xensim.testbed.bench;

import io.xensim.hvm.platform.EmulatedDevices;
import io.xensim.hvm.platform.HvmMachine;
import io.xensim.hvm.platform.HvmMachineConfig;
import io.xensim.hvm.platform.pci.PciConf1;
import io.xensim.hvm.platform.pci.PciFirmware;
import io.xensim.hvm.platform.pci.PciScan;
import io.xensim.hvm.rtl8139.Rtl8139Nic;
import io.xensim.hvm.rtl8139.Rtl8139NicConfig;
import io.xensim.hvm.rtl8139.driver.Rtl8139Driver;
import io.xensim.net.back.Netback;
import io.xensim.net.back.NetbackConfig;
import io.xensim.net.bridge.Bridge;
import io.xensim.net.bridge.BridgePort;
import io.xensim.net.bridge.Bridges;
import io.xensim.net.bridge.PortOffloads;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.FrameBuilder;
import io.xensim.net.frame.Ipv4Address;
import io.xensim.net.frame.MacAddress;
import io.xensim.net.front.NetfrontConfig;
import io.xensim.net.front.NetfrontDevice;
import io.xensim.net.front.NetfrontDrivers;
import io.xensim.net.guest.GuestNetInterface;
import io.xensim.net.guest.GuestNetInterface.SendResult;
import io.xensim.xenbus.Domain;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ManualClock;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import io.xensim.xenbus.toolstack.Toolstack;
import io.xensim.xenbus.toolstack.ToolstackConfig;
import java.util.Random;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One sending guest and a peer on dom0's {@code xenbr0}: the guest's NIC is either the emulated RTL8139 (an HVM
 * guest's PCI card at 00:04.0, found by the guest's PCI scan after hvmloader's BAR set-up, driven by the 8139too
 * data path; its tap joins the bridge) or netfront (its vif added as libxl adds it, netback in dom0 with the
 * vif-bridge hotplug). The peer is a plain dom0 port on the same bridge that counts what it receives, so both
 * NICs send to the same receiver and only the sender's path differs.
 *
 * <p>Exits and injections are the sending guest's: for the RTL8139 its I/O-port exits ({@link HvmMachine#exits()})
 * and the card's INTx injections; for netfront its event sends and upcalls ({@link GuestExits}).
 *
 * <p><b>Threading:</b> INVOKER mode: JMH's thread steps every domain in {@code runUntilIdle}; the guest's NIC is
 * used only inside tasks on the guest's executor, the bridge and netback only on dom0's.
 */
@State(Scope.Thread)
public class NetSender {
    static final MacAddress SENDER_MAC = MacAddress.of("00:16:3e:00:00:07");
    static final MacAddress PEER_MAC = MacAddress.of("00:16:3e:00:00:fe");
    static final int GUEST = 7;
    /** Distinct frames cycled through (distinct UDP source ports). */
    static final int FLOWS = 16;

    /** {@code rtl8139}: the emulated card; {@code netfront}: the PV vif. */
    @Param({"rtl8139", "netfront"})
    public String nic = "rtl8139";
    /** Ethernet frame length, headers included (at most 1514: the RTL8139 has no GSO). */
    @Param({"1500"})
    public int size = 1500;
    /**
     * Frames the guest's stack hands the NIC back to back per invocation: 64 is a sender under load (the backend or
     * the card is still busy with the first frames while the rest are queued); 1 is an idle link, one frame at a
     * time with everything drained in between.
     */
    @Param({"64"})
    public int burst = 64;

    Hypervisor hv;
    Toolstack toolstack;
    Netback netback;
    Bridge bridge;
    Peer peer;
    Domain guest;
    HvmMachine machine;
    Rtl8139Nic card;
    GuestNetInterface driver;
    Frame[] frames;

    /** The dom0 end that receives the guest's frames (a host interface on the bridge). */
    static final class Peer implements BridgePort {
        /** Written on dom0's executor only. */
        long received;
        long receivedBytes;

        @Override
        public String name() {
            return "peer0";
        }

        @Override
        public PortOffloads offloads() {
            return PortOffloads.NONE;
        }

        @Override
        public boolean transmit(Frame frame) {
            received++;
            receivedBytes += frame.length();
            return true;
        }
    }

    @Setup(Level.Trial)
    public void start() {
        if (burst < 1) {
            throw new IllegalArgumentException("burst: " + burst + " (expected: at least 1)");
        }
        if (size < 14 + 20 + 8 || size > 1514) {
            throw new IllegalArgumentException("size: " + size + " (expected: 42..1514)");
        }
        hv = Hypervisor.builder().threadingMode(ThreadingMode.INVOKER).clock(new ManualClock()).build();
        toolstack = Toolstack.start(hv, ToolstackConfig.defaults());
        netback = new Netback(new Bridges(), NetbackConfig.defaults());
        toolstack.await(netback.install(toolstack));
        bridge = netback.bridges().bridge(Bridge.DEFAULT_NAME);
        peer = new Peer();
        toolstack.dom0().domain().executor().execute(() -> bridge.addPort(peer));
        hv.runUntilIdle();
        switch (nic) {
            case "rtl8139" -> startRtl8139();
            case "netfront" -> startNetfront();
            default -> throw new IllegalArgumentException("nic: " + nic + " (expected: rtl8139 or netfront)");
        }
        if (driver.linkState() != GuestNetInterface.LinkState.UP) {
            throw new IllegalStateException(nic + ": link " + driver.linkState() + " (expected: UP)");
        }
        frames = frames(size);
    }

    // The HVM guest without PV drivers: machine, card, firmware BARs, the guest's scan and 8139too's probe + open.
    private void startRtl8139() {
        guest = hv.createDomain(DomainConfig.of(GUEST, "hvm" + GUEST, 4));
        machine = HvmMachine.create(GUEST, HvmMachineConfig.defaults(), EmulatedDevices.NONE);
        card = Rtl8139Nic.plug(Rtl8139NicConfig.forVif(GUEST, 0, SENDER_MAC, Rtl8139NicConfig.DEFAULT_ADDRESS),
                machine.pciHost(), guest.memory(), bridge, guest.executor(), toolstack.dom0().domain().executor(),
                hv.clock());
        var conf = new PciConf1(machine.ioBus());
        PciFirmware.setUp(conf);
        var device = new PciScan(conf).scanBus().stream().filter(Rtl8139Driver::matches).findFirst()
                .orElseThrow(() -> new IllegalStateException("no RTL8139 in the guest's PCI scan"));
        Rtl8139Driver rtl = Rtl8139Driver.probe(conf, device, guest.memory(), card.irq(), guest.executor())
                .orElseThrow(() -> new IllegalStateException("8139too probe failed"));
        guest.executor().execute(() -> {
            if (!rtl.open()) {
                throw new IllegalStateException("8139too open failed");
            }
        });
        hv.runUntilIdle();
        driver = rtl;
    }

    private void startNetfront() {
        ManagedDomain g = toolstack.await(toolstack.createDomain(DomainConfig.of(GUEST, "guest" + GUEST, 64)));
        toolstack.await(g.frontends().register(NetfrontDrivers.frontend(NetfrontConfig.DEFAULT)));
        toolstack.await(toolstack.addDevice(DeviceConfig.vif(GUEST, 0, 0, SENDER_MAC.toString(),
                Bridge.DEFAULT_NAME)));
        hv.runUntilIdle();
        guest = g.domain();
        driver = (NetfrontDevice) g.frontends().device("vif", GUEST, 0).orElseThrow(
                () -> new IllegalStateException("no vif/0 in dom" + GUEST)).handler();
    }

    /** The sending guest's exits so far: port I/O for the RTL8139, event sends for netfront. */
    long exits() {
        return machine != null ? machine.exits() : GuestExits.snapshot(guest).sends();
    }

    /** Interrupts injected into the sending guest so far: the card's INTx, or netfront's upcalls. */
    long injections() {
        return card != null ? card.irq().injections() : GuestExits.snapshot(guest).upcalls();
    }

    /**
     * The guest's stack hands {@code burst} frames to its NIC back to back (the qdisc holds what the NIC cannot
     * take yet), then every domain runs until idle; throws unless the peer has all of them.
     */
    void sendBurst(int burst) {
        long target = peer.received + burst;
        guest.executor().execute(() -> {
            for (int i = 0; i < burst; i++) {
                SendResult r = driver.send(frames[i % frames.length]);
                if (r != SendResult.SENT && r != SendResult.QUEUED) {
                    throw new IllegalStateException(nic + " send: " + r);
                }
            }
        });
        hv.runUntilIdle();
        if (peer.received != target) {
            throw new IllegalStateException(nic + ": peer received " + (peer.received - target + burst) + " of "
                    + burst);
        }
    }

    @TearDown(Level.Trial)
    public void stop() {
        if (driver instanceof Rtl8139Driver rtl) {
            guest.executor().execute(rtl::close);
        }
        toolstack.close();
        netback.close();
        hv.runUntilIdle();
        if (!(driver instanceof Rtl8139Driver)) {
            hv.assertCleanedUp();
        }
        hv.close();
    }

    /** {@link #FLOWS} UDP frames of {@code size} bytes from the guest to the peer, complete checksums. */
    static Frame[] frames(int size) {
        var random = new Random(size);
        Frame[] out = new Frame[FLOWS];
        for (int i = 0; i < FLOWS; i++) {
            byte[] payload = new byte[size - 14 - 20 - 8];
            random.nextBytes(payload);
            out[i] = new FrameBuilder(SENDER_MAC, PEER_MAC).ipv4(Ipv4Address.of("10.0.0.7"),
                    Ipv4Address.of("10.0.0.254")).udp(40000 + i, 5001).payload(payload).build();
        }
        return out;
    }
}
