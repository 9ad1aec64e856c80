package io.xensim.hvm.rtl8139;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.hvm.platform.XenPlatformDevice;
import io.xensim.hvm.platform.pci.PciConf1;
import io.xensim.hvm.platform.pci.PciScan;
import io.xensim.hvm.rtl8139.driver.Rtl8139Driver;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.MacAddress;
import io.xensim.net.guest.GuestNetInterface.LinkState;
import io.xensim.net.guest.GuestNetInterface.SendResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class Rtl8139NetTest {
    static final MacAddress MAC_A = MacAddress.of("00:16:3e:0a:00:01");
    static final MacAddress MAC_B = MacAddress.of("00:16:3e:0b:00:02");
    static final MacAddress HOST = MacAddress.of("00:16:3e:00:00:01");   // CardBench.frame's source
    final RtlNet net = new RtlNet();

    @AfterEach
    void close() {
        net.close();
    }

    static byte[] frameFrom(MacAddress src, MacAddress dst, int length, int fill) {
        byte[] f = CardBench.frame(dst, length, fill);
        long s = src.bits();
        for (int i = 0; i < 6; i++) {
            f[6 + i] = (byte) (s >>> (8 * (5 - i)));
        }
        return f;
    }

    @Test
    void theDriverBindsReadsTheMacAndBringsTheLinkUp() {
        var a = net.guest(5, MAC_A);
        assertThat(a.driver().mac()).isEqualTo(MAC_A);
        assertThat(a.driver().linkState()).isEqualTo(LinkState.UP);
        assertThat(a.driver().ioaddr()).isEqualTo((int) a.nic().pciFunction().decodedAddress(0).orElseThrow());
        assertThat(net.bridge.portNames()).containsExactly("vif5.0-emu");
        assertThat(a.nic().card().receiverEnabled()).isTrue();
    }

    @Test
    void aFrameTheGuestSendsLeavesByTheBridgeAndIsReaped() {
        var a = net.guest(5, MAC_A);
        var host = net.rawPort("eth0");
        byte[] f = frameFrom(MAC_A, HOST, 42, 9);
        var result = new ArrayList<SendResult>();
        net.onGuest(a.domain(), () -> result.add(a.driver().send(Frame.copyOf(f))));
        net.hv.runUntilIdle();
        assertThat(result).containsExactly(SendResult.SENT);
        assertThat(host.received).hasSize(1);
        byte[] padded = Arrays.copyOf(f, 60);
        assertThat(host.received.get(0)).as("padded to ETH_ZLEN").isEqualTo(padded);
        assertThat(a.driver().counters().txPackets()).isEqualTo(1);
        assertThat(a.driver().counters().txBytes()).isEqualTo(60);
    }

    @Test
    void aFrameFromTheBridgeReachesTheGuestStack() {
        var a = net.guest(5, MAC_A);
        var host = net.rawPort("eth0");
        byte[] f = frameFrom(HOST, MAC_A, 300, 4);
        net.inject(host, f);
        net.hv.runUntilIdle();
        assertThat(a.received()).hasSize(1);
        assertThat(a.received().get(0)).isEqualTo(f);
        assertThat(a.driver().counters().rxPackets()).isEqualTo(1);
        assertThat(a.nic().card().irq().level()).as("acked").isFalse();
    }

    @Test
    void twoEmulatedGuestsTalkOverOneBridge() {
        var a = net.guest(5, MAC_A);
        var b = net.guest(6, MAC_B);
        net.onGuest(a.domain(), () -> a.driver().send(Frame.copyOf(frameFrom(MAC_A, MAC_B, 100, 1))));
        net.hv.runUntilIdle();
        net.onGuest(b.domain(), () -> b.driver().send(Frame.copyOf(frameFrom(MAC_B, MAC_A, 200, 2))));
        net.hv.runUntilIdle();
        assertThat(b.received()).hasSize(1);
        assertThat(b.received().get(0)).isEqualTo(frameFrom(MAC_A, MAC_B, 100, 1));
        assertThat(a.received()).hasSize(1);
        assertThat(a.received().get(0)).isEqualTo(frameFrom(MAC_B, MAC_A, 200, 2));
        assertThat(net.bridge.lookup(MAC_A, net.hv.clock().nanoTime())).hasValue("vif5.0-emu");
        assertThat(net.bridge.lookup(MAC_B, net.hv.clock().nanoTime())).hasValue("vif6.0-emu");
    }

    @Test
    void theReceiveRingWrapsAndEveryFrameArrivesIntact() {
        var a = net.guest(5, MAC_A);
        var host = net.rawPort("eth0");
        var sent = new ArrayList<byte[]>();
        for (int i = 0; i < 100; i++) {   // 100 x ~1 KiB: three times round the 32 KiB ring
            byte[] f = frameFrom(HOST, MAC_A, 900 + i, i);
            sent.add(f);
            net.inject(host, f);
            net.hv.runUntilIdle();
        }
        assertThat(a.received()).hasSize(100);
        for (int i = 0; i < 100; i++) {
            assertThat(a.received().get(i)).isEqualTo(sent.get(i));
        }
        assertThat(a.driver().counters().rxErrors()).isZero();
    }

    @Test
    void aBurstLargerThanTheRingIsDroppedAndCountedThenTheRingRecovers() {
        var a = net.guest(5, MAC_A);
        var host = net.rawPort("eth0");
        net.onDom0(() -> {   // one bridge task: all 40 reach the card before the guest's handler runs
            for (int i = 0; i < 40; i++) {
                net.bridge.receive(host, Frame.copyOf(frameFrom(HOST, MAC_A, 1500, i)), 0);
            }
        });
        net.hv.runUntilIdle();
        long overflows = a.nic().card().counters().rxOverflows();
        assertThat(a.received()).hasSize(21);   // 32768 / 1508
        assertThat(overflows).isEqualTo(19);
        assertThat(a.driver().counters().rxErrors()).as("isr_ack saw RxOverflow").isPositive();
        net.inject(host, frameFrom(HOST, MAC_A, 64, 99));
        net.hv.runUntilIdle();
        assertThat(a.received()).hasSize(22);
        assertThat(a.received().get(21)).isEqualTo(frameFrom(HOST, MAC_A, 64, 99));
    }

    @Test
    void moreThanFourFramesAtOnceWaitForDescriptorsAndLeaveInOrder() {
        var a = net.guest(5, MAC_A);
        var host = net.rawPort("eth0");
        var results = new ArrayList<SendResult>();
        net.onGuest(a.domain(), () -> {
            for (int i = 0; i < 10; i++) {
                results.add(a.driver().send(Frame.copyOf(frameFrom(MAC_A, HOST, 100, i))));
            }
        });
        net.hv.runUntilIdle();
        assertThat(results).containsExactly(SendResult.SENT, SendResult.SENT, SendResult.SENT, SendResult.SENT,
                SendResult.QUEUED, SendResult.QUEUED, SendResult.QUEUED, SendResult.QUEUED, SendResult.QUEUED,
                SendResult.QUEUED);
        assertThat(host.received).hasSize(10);
        for (int i = 0; i < 10; i++) {
            assertThat(host.received.get(i)).isEqualTo(frameFrom(MAC_A, HOST, 100, i));
        }
        assertThat(a.driver().txQueued()).isZero();
        assertThat(a.driver().counters().txPackets()).isEqualTo(10);
    }

    @Test
    void aFrameTooBigForTheBounceBufferIsDropped() {
        var a = net.guest(5, MAC_A);
        var results = new ArrayList<SendResult>();
        net.onGuest(a.domain(), () -> results.add(a.driver().send(Frame.copyOf(frameFrom(MAC_A, HOST, 1792, 0)))));
        net.hv.runUntilIdle();
        assertThat(results).containsExactly(SendResult.DROPPED_TOO_BIG);
        assertThat(a.driver().counters().txDropped()).isEqualTo(1);
    }

    @Test
    void theUnplugProtocolTakesTheNicOffTheBusAndTheBridge() {
        var a = net.guest(5, MAC_A);
        var host = net.rawPort("eth0");
        int bar0 = a.driver().ioaddr();
        net.onGuest(a.domain(), () -> a.machine().ioBus().out(XenPlatformDevice.XEN_PLATFORM_IOPORT, 2, 0x0002));
        net.hv.runUntilIdle();
        assertThat(a.nic().plugged()).isFalse();
        assertThat(net.bridge.portNames()).containsExactly("eth0");
        assertThat(a.machine().ioBus().in(bar0 + 0x37, 1)).as("BAR0 no longer decodes").isEqualTo(0xff);
        assertThat(new PciScan(new PciConf1(a.machine().ioBus())).scanBus()).noneMatch(Rtl8139Driver::matches);
        net.inject(host, frameFrom(HOST, MAC_A, 100, 0));
        net.hv.runUntilIdle();
        assertThat(a.received()).isEmpty();
        assertThat(a.nic().transmit(Frame.copyOf(frameFrom(HOST, MAC_A, 100, 0)))).isFalse();
    }

    @Test
    void exitsAndInjectionsPerPacket() {
        var a = net.guest(5, MAC_A);
        var host = net.rawPort("eth0");
        var bus = a.machine().ioBus();
        long injections0 = a.nic().irq().injections();
        bus.resetExits();
        net.onGuest(a.domain(), () -> a.driver().send(Frame.copyOf(frameFrom(MAC_A, HOST, 1000, 1))));
        net.hv.runUntilIdle();
        // start_xmit: TSD write + flush read; interrupt: ISR read, ISR ack, TSD read
        assertThat(bus.exits()).as("one frame out").isEqualTo(5);
        assertThat(a.nic().irq().injections() - injections0).isEqualTo(1);

        bus.resetExits();
        injections0 = a.nic().irq().injections();
        net.inject(host, frameFrom(HOST, MAC_A, 1000, 2));
        net.hv.runUntilIdle();
        // interrupt: ISR read, IMR write+flush; poll: CR read, CAPR write, ISR read, ISR write+flush, CR read,
        // IMR write+flush
        assertThat(bus.exits()).as("one frame in").isEqualTo(11);
        assertThat(a.nic().irq().injections() - injections0).isEqualTo(1);

        bus.resetExits();
        net.onDom0(() -> {
            for (int i = 0; i < 8; i++) {
                net.bridge.receive(host, Frame.copyOf(frameFrom(HOST, MAC_A, 1000, i)), 0);
            }
        });
        net.hv.runUntilIdle();
        // one interrupt and one poll; only the first frame finds RxOK still set in isr_ack
        assertThat(bus.exits()).as("a burst of 8 frames in").isEqualTo(3 + 5 + 7 * 3 + 1 + 2);
    }

    @Test
    void closingTheInterfaceStopsTheCardAndFreesItsMemory() {
        var a = net.guest(5, MAC_A);
        long before = a.domain().memory().allocatedFrames();
        net.onGuest(a.domain(), () -> a.driver().close());
        net.hv.runUntilIdle();
        assertThat(a.domain().memory().allocatedFrames()).isEqualTo(before - 9 - 2);
        assertThat(a.nic().card().receiverEnabled()).isFalse();
        var results = new ArrayList<SendResult>();
        net.onGuest(a.domain(), () -> results.add(a.driver().send(Frame.copyOf(frameFrom(MAC_A, HOST, 60, 0)))));
        net.hv.runUntilIdle();
        assertThat(results).isEqualTo(List.of(SendResult.DROPPED_LINK_DOWN));
    }

    @Test
    void aGarbageRingHeaderMakesTheDriverRestartItsReceiverNotReadOutOfBounds() {
        var a = net.guest(5, MAC_A);
        var host = net.rawPort("eth0");
        Rtl8139 card = a.nic().card();
        net.inject(host, frameFrom(HOST, MAC_A, 200, 1));
        assertThat(net.hv.runUntil(() -> card.counters().rxFrames() == 1, 100)).isTrue();
        long ring = Integer.toUnsignedLong(card.in(Rtl8139Regs.RX_BUF, 4));
        a.domain().memory().segment().set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, ring, 0x7fff_0001);   // OK status, impossible length
        net.hv.runUntilIdle();
        assertThat(a.received()).isEmpty();
        assertThat(a.driver().counters().rxErrors()).isEqualTo(1);
        net.inject(host, frameFrom(HOST, MAC_A, 300, 2));
        net.hv.runUntilIdle();
        assertThat(a.received()).hasSize(1);
        assertThat(a.received().get(0)).isEqualTo(frameFrom(HOST, MAC_A, 300, 2));
    }

    @Test
    void theGuestsScanSeesQemusRtl8139Identity() {
        var a = net.guest(5, MAC_A);
        var device = new PciScan(new PciConf1(a.machine().ioBus())).scanBus().stream()
                .filter(Rtl8139Driver::matches).findFirst().orElseThrow();
        assertThat(device.address()).isEqualTo(Rtl8139NicConfig.DEFAULT_ADDRESS);
        assertThat(device.classCode()).isEqualTo(0x020000);
        assertThat(device.revision()).isEqualTo(0x20);
        assertThat(device.subsystemVendorId()).isEqualTo(0x1af4);
        assertThat(device.interruptPin()).isEqualTo(1);
        assertThat(device.bar(0).orElseThrow().kind().isIo()).isTrue();
        assertThat(device.bar(0).orElseThrow().size()).isEqualTo(256);
        assertThat(device.bar(1).orElseThrow().kind().isIo()).isFalse();
        assertThat(a.nic().pciFunction().command() & 0x4).as("the driver set bus mastering").isNotZero();
    }

    @Test
    void anEarlyReceiveHeaderMakesTheDriverWaitWithoutErrorOrLivelock() {
        var a = net.guest(5, MAC_A);
        var host = net.rawPort("eth0");
        Rtl8139 card = a.nic().card();
        net.inject(host, frameFrom(HOST, MAC_A, 200, 1));
        assertThat(net.hv.runUntil(() -> card.counters().rxFrames() == 1, 100)).isTrue();
        long ring = Integer.toUnsignedLong(card.in(Rtl8139Regs.RX_BUF, 4));
        a.domain().memory().segment().set(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, ring, 0xfff0_0001);
        assertThat(net.hv.runUntil(() -> !net.hv.hasPendingWork(), 10_000)).isTrue();
        assertThat(a.received()).isEmpty();
        assertThat(a.driver().counters().rxErrors()).isZero();
        assertThat(card.irq().level()).as("the receive bits were acked").isFalse();
    }
}
