package io.xensim.net.back;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xensim.net.frame.Frame;
import io.xensim.net.frame.FrameBuilder;
import io.xensim.net.frame.MacAddress;
import io.xensim.net.frame.TcpHeader;
import io.xensim.net.protocol.NetRxFlags;
import io.xensim.net.protocol.NetifExtraInfo;
import io.xensim.net.protocol.NetifRxResponse;
import io.xensim.xenbus.Decoded;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Netback's rx path: frames from the bridge into the pages a scripted frontend posted. */
class NetbackRxTest {
    static final MacAddress GUEST = MacAddress.of("00:16:3e:00:00:01");

    final NetbackFixture nf = new NetbackFixture();

    @AfterEach
    void close() {
        nf.close();
    }

    static NetifRxResponse rsp(MemorySegment slot) {
        return ((Decoded.Ok<NetifRxResponse>) NetifRxResponse.decode(slot)).value();
    }

    static Frame udpTo(MacAddress dst, int payload) {
        return new FrameBuilder(NetbackTxTest.B, dst).ipv4(NetbackTxTest.IP_B, NetbackTxTest.IP_A).udp(5000, 4000)
                .payload(NetbackTxTest.payload(payload)).build();
    }

    /** Reassembles the data slots of one frame starting at slot {@code from}; extras skipped. */
    static byte[] reassemble(ScriptedNetfront fe, List<MemorySegment> slots) {
        var out = new ByteArrayOutputStream();
        boolean extraNext = false;
        for (MemorySegment s : slots) {
            if (extraNext) {
                extraNext = NetifExtraInfo.flags(s) != 0;
                continue;
            }
            NetifRxResponse r = rsp(s);
            out.writeBytes(fe.rxPage(0, r.id(), r.status()));
            extraNext = (r.flags() & NetRxFlags.NETRXF_EXTRA_INFO) != 0;
        }
        return out.toByteArray();
    }

    @Test
    void smallFrameFillsOnePostedPage() {
        var fe = nf.guest(1);
        fe.connect(1, true);
        fe.postRx(0, 8);
        Frame f = udpTo(GUEST, 200);
        nf.inject(f);
        var slots = fe.takeRxSlots(0);
        assertEquals(1, slots.size());
        NetifRxResponse r = rsp(slots.getFirst());
        assertEquals(0, r.flags());
        assertEquals(f.length(), r.status());
        assertArrayEquals(f.toByteArray(), fe.rxPage(0, r.id(), r.status()));
        assertTrue(fe.queues.getFirst().rxNotifications >= 1);
        assertEquals(1, nf.device(1).vif().queues().getFirst().rx().packets());
    }

    @Test
    void gsoFrameGetsTheExtraAfterTheFirstSlotAndAMoreDataChain() {
        var fe = nf.guest(1);
        fe.connect(1, true);
        fe.postRx(0, 32);
        Frame gso = new FrameBuilder(NetbackTxTest.B, GUEST).ipv4(NetbackTxTest.IP_B, NetbackTxTest.IP_A)
                .tcp(80, 40000, 1, 1, TcpHeader.ACK, 65535).payload(NetbackTxTest.payload(30000)).gso(1448).build();
        nf.inject(gso);
        var slots = fe.takeRxSlots(0);
        int pages = (gso.length() + 4095) / 4096;
        assertEquals(pages + 1, slots.size());
        NetifRxResponse first = rsp(slots.get(0));
        assertEquals(NetRxFlags.NETRXF_CSUM_BLANK | NetRxFlags.NETRXF_DATA_VALIDATED | NetRxFlags.NETRXF_EXTRA_INFO
                | NetRxFlags.NETRXF_MORE_DATA, first.flags());
        assertEquals(4096, first.status());
        var extra = (Decoded.Ok<NetifExtraInfo>) NetifExtraInfo.decode(slots.get(1));
        assertEquals(new NetifExtraInfo.Gso(0, 1448, NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV4, 0), extra.value());
        for (int i = 2; i < slots.size(); i++) {
            int flags = rsp(slots.get(i)).flags();
            assertEquals(i < slots.size() - 1 ? NetRxFlags.NETRXF_MORE_DATA : 0, flags, "slot " + i);
        }
        assertArrayEquals(gso.toByteArray(), reassemble(fe, slots));
    }

    @Test
    void framesWaitForPostedPagesThenGoInOrder() {
        var fe = nf.guest(1);
        fe.connect(1, true);
        Frame a = udpTo(GUEST, 100);
        Frame b = udpTo(GUEST, 5000);
        nf.inject(a);
        nf.inject(b);
        assertEquals(List.of(), fe.takeRxSlots(0));
        assertEquals(2, nf.device(1).vif().queues().getFirst().rx().waiting());
        fe.postRx(0, 1);
        var slots = fe.takeRxSlots(0);
        assertEquals(1, slots.size());
        assertArrayEquals(a.toByteArray(), reassemble(fe, slots));
        fe.postRx(0, 2); // b needs two pages: req_event made the frontend's push notify
        slots = fe.takeRxSlots(0);
        assertEquals(2, slots.size());
        assertArrayEquals(b.toByteArray(), reassemble(fe, slots));
    }

    @Test
    void withoutSgAFrameLongerThanAPageIsDropped() {
        var fe = nf.guest(1);
        var keys = fe.setUp(1, true);
        keys.remove("feature-sg");
        keys.remove("feature-gso-tcpv4");
        keys.remove("feature-gso-tcpv6");
        fe.publish(keys);
        fe.postRx(0, 8);
        nf.inject(udpTo(GUEST, 5000));
        nf.inject(udpTo(GUEST, 1000));
        var slots = fe.takeRxSlots(0);
        assertEquals(1, slots.size());
        assertEquals(udpTo(GUEST, 1000).length(), rsp(slots.getFirst()).status());
        assertEquals(1, nf.device(1).vif().queues().getFirst().rx().dropped());
    }

    @Test
    void guestToGuestThroughTheBridge() {
        var one = nf.guest(1);
        var two = nf.guest(2);
        one.connect(1, true);
        two.connect(2, false);
        two.postRx(0, 16);
        two.postRx(1, 16);
        Frame f = new FrameBuilder(GUEST, MacAddress.of("00:16:3e:00:00:02")).ipv4(NetbackTxTest.IP_A,
                NetbackTxTest.IP_B).udp(1, 2).payload(NetbackTxTest.payload(1400)).build();
        one.pushTx(0, NetbackTxTest.slots(one, f.toByteArray(), 4096, 0, 0, 0, List.of()));
        var got = new java.util.ArrayList<MemorySegment>();
        got.addAll(two.takeRxSlots(0));
        int q = got.isEmpty() ? 1 : 0;
        got.addAll(two.takeRxSlots(1));
        assertEquals(1, got.size());
        NetifRxResponse r = rsp(got.getFirst());
        assertArrayEquals(f.toByteArray(), two.rxPage(q, r.id(), r.status()));
    }

    @Test
    void aPostedPageThatDoesNotCopyIsAnErrorSlotAndTheNextFrameIsFine() {
        var fe = nf.guest(1);
        fe.connect(1, true);
        fe.fx.onDomainRun(fe.guest, () -> {
            var q = fe.queues.getFirst();
            q.rx.putRequest(new io.xensim.net.protocol.NetifRxRequest(77, 9999)); // a ref never granted
            q.rx.pushRequests();
        });
        fe.postRx(0, 1);
        nf.inject(udpTo(GUEST, 100));
        Frame b = udpTo(GUEST, 300);
        nf.inject(b);
        var slots = fe.takeRxSlots(0);
        assertEquals(2, slots.size());
        assertEquals(new NetifRxResponse(77, 0, 0, io.xensim.net.protocol.NetifStatus.NETIF_RSP_ERROR),
                rsp(slots.get(0)));
        NetifRxResponse ok = rsp(slots.get(1));
        assertEquals(b.length(), ok.status());
        assertArrayEquals(b.toByteArray(), fe.rxPage(0, ok.id(), ok.status()));
        assertEquals(1, nf.device(1).vif().queues().getFirst().rx().errors());
        assertTrue(nf.device(1).vif().carrierOk());
    }

    @Test
    void hotUnplugWhileTrafficFlowsReleasesEverything() {
        var fe = nf.guest(1);
        int mappings = nf.fx.toolstack.dom0().domain().grantOps().activeMappings(); // the guest's xenstore ring
        fe.connect(2, true);
        assertEquals(mappings + 4, nf.fx.toolstack.dom0().domain().grantOps().activeMappings());
        long dom0Frames = nf.fx.toolstack.dom0().domain().memory().allocatedFrames();
        fe.postRx(0, 4);
        for (int i = 0; i < 20; i++) {
            nf.inject(udpTo(GUEST, 3000)); // more than the posted pages take: frames wait
        }
        fe.pushTx(0, NetbackTxTest.slots(fe, NetbackTxTest.udp(500).toByteArray(), 4096, 0, 0, 1, List.of()));
        var removed = nf.fx.toolstack.removeDevice("vif", 1, 0);
        nf.fx.hv.runUntilIdle();
        fe.pushTx(1, NetbackTxTest.slots(fe, NetbackTxTest.udp(500).toByteArray(), 4096, 0, 0, 2, List.of()));
        nf.inject(udpTo(GUEST, 100));
        fe.setState(6);
        assertTrue(nf.fx.toolstack.await(removed));
        assertTrue(nf.fx.toolstack.dom0().domain().memory().allocatedFrames() < dom0Frames,
                "the queues' staging pages went back to dom0");
        assertTrue(nf.bridge().portNames().equals(List.of("capture0")), nf.bridge().portNames().toString());
        assertEquals(mappings, nf.fx.toolstack.dom0().domain().grantOps().activeMappings());
    }

    @Test
    void withoutGsoTheBridgeSegmentsAndWithoutCsumOffloadItCompletesChecksums() {
        var fe = nf.guest(1);
        var keys = fe.setUp(1, true);
        keys.remove("feature-gso-tcpv4");
        keys.put("feature-no-csum-offload", "1");
        fe.publish(keys);
        assertEquals(new io.xensim.net.bridge.PortOffloads(false, false, true), nf.device(1).vif().offloads());
        fe.postRx(0, 64);
        Frame gso = new FrameBuilder(NetbackTxTest.B, GUEST).ipv4(NetbackTxTest.IP_B, NetbackTxTest.IP_A)
                .tcp(80, 40000, 1, 1, TcpHeader.ACK, 65535).payload(NetbackTxTest.payload(10 * 1448)).gso(1448).build();
        nf.inject(gso);
        var slots = fe.takeRxSlots(0);
        assertEquals(10, slots.size(), "ten MSS-sized segments, one page each, no extra");
        for (MemorySegment s : slots) {
            NetifRxResponse r = rsp(s);
            assertEquals(0, r.flags(), "complete checksums: neither csum_blank nor data_validated");
            byte[] seg = fe.rxPage(0, r.id(), r.status());
            assertEquals(Decoded.ok(true), io.xensim.net.frame.ChecksumOffload.verify(MemorySegment.ofArray(seg)));
        }
    }
}
