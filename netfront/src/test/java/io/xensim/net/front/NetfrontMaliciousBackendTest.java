package io.xensim.net.front;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.net.frame.Frame;
import io.xensim.net.frame.FrameBuilder;
import io.xensim.net.frame.Ipv4Address;
import io.xensim.net.guest.GuestNetInterface.LinkState;
import io.xensim.net.guest.GuestNetInterface.SendResult;
import io.xensim.net.protocol.NetRxFlags;
import io.xensim.net.protocol.NetifExtraInfo;
import io.xensim.net.protocol.NetifRxRequest;
import io.xensim.net.protocol.NetifStatus;
import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * netfront against a backend that breaks the protocol, as Linux 6.1's hardened netfront (XSA-391/396/403) meets
 * it: device-breaking cases disable this vif until it reconnects, packet-level ones drop that packet only; a
 * second vif of the same guest never notices.
 */
@Timeout(30)
class NetfrontMaliciousBackendTest {
    private NetFixture net;
    private NetfrontDevice front;
    private NetfrontDevice other;
    private final List<Frame> received = new ArrayList<>();
    private final List<Frame> otherReceived = new ArrayList<>();
    private Frame arp;
    private Frame good;

    @BeforeEach
    void connect() {
        net = new NetFixture(NetfrontConfig.DEFAULT, ScriptedNetback.Offer.LINUX);
        net.addVif(0, "1");
        net.addVif(1, "1");
        front = net.front(0);
        other = net.front(1);
        front.setReceiver(received::add);
        other.setReceiver(otherReceived::add);
        arp = FrameBuilder.arpRequest(front.mac(), Ipv4Address.of("10.0.0.1"), Ipv4Address.of("10.0.0.2"));
        good = NetfrontTxTest.tcp4(NetTxFrames.PEER, 300, 0);
    }

    @AfterEach
    void cleanUp() {
        net.close();
    }

    private ScriptedNetback back() {
        return net.back(0);
    }

    private void assertBroken(String why) {
        assertThat(front.brokenReason()).hasValueSatisfying(r -> assertThat(r).contains(why));
        assertThat(front.linkState()).isEqualTo(LinkState.BROKEN);
        assertThat(net.fx.trace.events(e -> e.detail().contains("Disabled for further use"))).isNotEmpty();
        // It neither sends ...
        assertThat(net.onGuest(() -> front.send(arp))).isEqualTo(SendResult.DROPPED_LINK_DOWN);
        assertThat(net.onBack(() -> back().takeTxSlots(0))).isEmpty();
        // ... nor receives.
        int before = received.size();
        net.onBackRun(() -> back().deliver(0, good.toByteArray(), 0));
        assertThat(received).hasSize(before);
        // The other vif is untouched.
        assertOtherWorks();
    }

    private void assertOtherWorks() {
        assertThat(other.brokenReason()).isEmpty();
        assertThat(net.onGuest(() -> other.send(arp))).isEqualTo(SendResult.SENT);
        var slots = net.onBack(() -> net.back(1).takeTxSlots(0));
        assertThat(slots).hasSize(1);
        net.onBackRun(() -> net.back(1).respondTx(0, ScriptedNetback.request(slots.get(0)).id(),
                NetifStatus.NETIF_RSP_OKAY));
        int before = otherReceived.size();
        net.onBackRun(() -> net.back(1).deliver(0, good.toByteArray(), 0));
        assertThat(otherReceived).hasSize(before + 1);
        assertThat(otherReceived.get(before).toByteArray()).isEqualTo(good.toByteArray());
    }

    /** A packet-level case: that packet is dropped, counted, and the next good one arrives intact. */
    private void assertDroppedOnly(int errorsBefore) {
        assertThat(front.brokenReason()).isEmpty();
        assertThat(received).isEmpty();
        assertThat(front.counters().rxErrors()).isEqualTo(errorsBefore + 1);
        net.onBackRun(() -> back().deliver(0, good.toByteArray(), 0));
        assertThat(received).singleElement().satisfies(f -> assertThat(f.toByteArray()).isEqualTo(good.toByteArray()));
        assertThat(front.linkState()).isEqualTo(LinkState.UP);
        assertThat(front.queue(0).rx().posted()).isEqualTo(256);
        assertOtherWorks();
    }

    private int sendOne() {
        assertThat(net.onGuest(() -> front.send(arp))).isEqualTo(SendResult.SENT);
        return ScriptedNetback.request(net.onBack(() -> back().takeTxSlots(0)).get(0)).id();
    }

    // ------------------------------------------------------------------------------------------ device-breaking

    @Test
    void txResponseProducerOverflowBreaksTheDevice() {
        sendOne();
        net.onBackRun(() -> back().setRspProd(0, false, 1000));
        assertBroken("Illegal number of responses");
    }

    @Test
    void txResponseIdOutOfRangeBreaksTheDevice() {
        sendOne();
        net.onBackRun(() -> back().respondTx(0, 256, NetifStatus.NETIF_RSP_OKAY));
        assertBroken("Response has incorrect id (256)");
    }

    @Test
    void txResponseForAnInactiveRequestBreaksTheDevice() {
        int id = sendOne();
        net.onBackRun(() -> back().respondTx(0, id + 1, NetifStatus.NETIF_RSP_OKAY));
        assertBroken("Response for inactive request");
    }

    @Test
    void txGrantTheBackendStillMapsBreaksTheDeviceAndThePageIsFreedOnlyWhenItLetsGo() {
        assertThat(net.onGuest(() -> front.send(arp))).isEqualTo(SendResult.SENT);
        var req = ScriptedNetback.request(net.onBack(() -> back().takeTxSlots(0)).get(0));
        int handle = net.onBack(() -> back().mapAndKeep(req.gref(), true));
        net.onBackRun(() -> back().respondTx(0, req.id(), NetifStatus.NETIF_RSP_OKAY));
        assertThat(front.device().domain().grantTable().isGranted(req.gref())).isTrue();
        assertBroken("Grant still in use by backend domain");
        net.onBackRun(() -> back().unmap(handle));
        assertThat(front.device().domain().grantTable().isGranted(req.gref())).isFalse();
    }

    @Test
    void rxProducerGoingBackwardsBreaksTheDevice() {
        net.onBackRun(() -> {
            back().deliver(0, good.toByteArray(), 0);
            back().deliver(0, good.toByteArray(), 0);
        });
        assertThat(received).hasSize(2);
        net.onBackRun(() -> back().setRspProd(0, true, 1));
        assertBroken("RX producer index going backwards");
    }

    @Test
    void rxResponseProducerOverflowBreaksTheDevice() {
        net.onBackRun(() -> back().setRspProd(0, true, 1000));
        assertBroken("Illegal number of responses");
    }

    @Test
    void rxPageTheBackendStillMapsBreaksTheDeviceAndNoBytesReachTheGuest() {
        var handles = new ArrayList<Integer>();
        net.onBackRun(() -> {
            NetifRxRequest req = back().nextRx(0);
            back().write(req.gref(), 0, good.toByteArray());
            handles.add(back().mapAndKeep(req.gref(), false));
            back().putRxRaw(0, req.id(), 0, 0, good.length());
            back().pushRx(0);
        });
        assertThat(received).isEmpty();
        assertBroken("Grant still in use by backend domain");
        net.onBackRun(() -> back().unmap(handles.get(0)));
    }

    @Test
    void aBrokenDeviceWorksAgainAfterTheBackendComesBack() {
        net.onBackRun(() -> back().setRspProd(0, true, 1000));
        assertThat(front.linkState()).isEqualTo(LinkState.BROKEN);
        net.fx.toolstack.await(net.fx.toolstack.removeBackend("vif", 1, 0));
        net.fx.hv.runUntilIdle();
        net.fx.toolstack.await(net.fx.toolstack.restoreBackend("vif", 1, 0));
        net.fx.hv.runUntilIdle();
        assertThat(front.brokenReason()).isEmpty();
        assertThat(front.linkState()).isEqualTo(LinkState.UP);
        net.onBackRun(() -> back().deliver(0, good.toByteArray(), 0));
        assertThat(received).singleElement().satisfies(f -> assertThat(f.toByteArray()).isEqualTo(good.toByteArray()));
    }

    // ------------------------------------------------------------------------------------------ packet drops

    private void rxWithExtra(Consumer<MemorySegment> extra) {
        net.onBackRun(() -> back().deliver(0, good.toByteArray(), 0, extra));
    }

    @Test
    void missingExtraDropsThePacketOnly() {
        net.onBackRun(() -> {
            NetifRxRequest req = back().nextRx(0);
            back().write(req.gref(), 0, good.toByteArray());
            back().putRxRaw(0, req.id(), 0, NetRxFlags.NETRXF_EXTRA_INFO, good.length());
            back().pushRx(0);
        });
        assertDroppedOnly(0);
    }

    @Test
    void invalidExtraTypeDropsThePacketOnly() {
        rxWithExtra(slot -> {
            slot.set(Layouts.U8, 0, (byte) 7);
            slot.set(Layouts.U8, 1, (byte) 0);
        });
        assertDroppedOnly(0);
    }

    @Test
    void zeroGsoSizeDropsThePacketOnly() {
        rxWithExtra(slot -> {
            slot.fill((byte) 0);
            slot.set(Layouts.U8, 0, (byte) NetifExtraInfo.XEN_NETIF_EXTRA_TYPE_GSO);
            slot.set(Layouts.U8, 4, (byte) NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV4);
        });
        assertDroppedOnly(0);
    }

    @Test
    void badGsoTypeDropsThePacketOnly() {
        rxWithExtra(slot -> {
            slot.fill((byte) 0);
            slot.set(Layouts.U8, 0, (byte) NetifExtraInfo.XEN_NETIF_EXTRA_TYPE_GSO);
            slot.set(Layouts.U16, 2, (short) 1448);
            slot.set(Layouts.U8, 4, (byte) 9);
        });
        assertDroppedOnly(0);
    }

    @Test
    void offsetPlusSizePastThePageDropsThePacketOnly() {
        net.onBackRun(() -> {
            NetifRxRequest req = back().nextRx(0);
            back().putRxRaw(0, req.id(), 4000, 0, 200);
            back().pushRx(0);
        });
        assertDroppedOnly(0);
    }

    @Test
    void errorStatusDropsThePacketOnly() {
        net.onBackRun(() -> {
            NetifRxRequest req = back().nextRx(0);
            back().putRxRaw(0, req.id(), 0, 0, NetifStatus.NETIF_RSP_ERROR);
            back().pushRx(0);
        });
        assertDroppedOnly(0);
    }

    @Test
    void tooManySlotsDropThePacketOnly() {
        // A first slot of at most RX_COPY_THRESHOLD bytes allows XEN_NETIF_NR_SLOTS_MIN + 1 = 19 slots: send 20.
        net.onBackRun(() -> {
            for (int i = 0; i < 20; i++) {
                NetifRxRequest req = back().nextRx(0);
                back().write(req.gref(), 0, new byte[100]);
                back().putRxRaw(0, req.id(), 0, i < 19 ? NetRxFlags.NETRXF_MORE_DATA : 0, 100);
            }
            back().pushRx(0);
        });
        assertDroppedOnly(0);
    }

    @Test
    void chainRunningPastTheProducerDropsThePacketOnly() {
        net.onBackRun(() -> {
            NetifRxRequest req = back().nextRx(0);
            back().write(req.gref(), 0, good.toByteArray());
            back().putRxRaw(0, req.id(), 0, NetRxFlags.NETRXF_MORE_DATA, good.length());
            back().pushRx(0);
        });
        assertDroppedOnly(0);
    }

    @Test
    void csumBlankOnAFrameWithoutTcpOrUdpDropsThePacketOnly() {
        net.onBackRun(() -> back().deliver(0, arp.toByteArray(), NetRxFlags.NETRXF_CSUM_BLANK));
        assertDroppedOnly(0);
    }
}
