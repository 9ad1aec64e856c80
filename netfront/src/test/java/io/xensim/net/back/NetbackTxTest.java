package io.xensim.net.back;

import static io.xensim.net.back.ScriptedNetfront.gsoExtra;
import static io.xensim.net.back.ScriptedNetfront.txRequest;
import static io.xensim.net.protocol.NetTxFlags.NETTXF_CSUM_BLANK;
import static io.xensim.net.protocol.NetTxFlags.NETTXF_DATA_VALIDATED;
import static io.xensim.net.protocol.NetTxFlags.NETTXF_EXTRA_INFO;
import static io.xensim.net.protocol.NetTxFlags.NETTXF_MORE_DATA;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xensim.net.frame.ChecksumOffload;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.FrameBuilder;
import io.xensim.net.frame.Ipv4Address;
import io.xensim.net.frame.MacAddress;
import io.xensim.net.frame.Offload;
import io.xensim.net.frame.TcpHeader;
import io.xensim.net.protocol.NetifExtraInfo;
import io.xensim.net.protocol.NetifStatus;
import io.xensim.net.protocol.NetifTxResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Netback's tx path against a scripted frontend: slots, chains, extras, offloads, batching, responses. */
class NetbackTxTest {
    static final MacAddress A = MacAddress.of("00:16:3e:00:00:01");
    static final MacAddress B = MacAddress.of("00:16:3e:00:00:99");
    static final Ipv4Address IP_A = Ipv4Address.of("10.0.0.1");
    static final Ipv4Address IP_B = Ipv4Address.of("10.0.0.99");

    final NetbackFixture nf = new NetbackFixture();

    @AfterEach
    void close() {
        nf.close();
    }

    static byte[] payload(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7 + 3);
        }
        return b;
    }

    static Frame udp(int payload) {
        return new FrameBuilder(A, B).ipv4(IP_A, IP_B).udp(4000, 5000).payload(payload(payload)).build();
    }

    /**
     * The slots netfront would write for {@code bytes}: chunks of {@code chunk} bytes, each in its own granted page
     * at {@code offset}; the first slot's size is the whole packet, {@code extras} after it.
     */
    static List<byte[]> slots(ScriptedNetfront fe, byte[] bytes, int chunk, int offset, int flags, int firstId,
            List<byte[]> extras) {
        List<byte[]> out = new ArrayList<>();
        int n = (bytes.length + chunk - 1) / chunk;
        for (int i = 0; i < n; i++) {
            int from = i * chunk;
            int len = Math.min(chunk, bytes.length - from);
            int ref = fe.txPage(Arrays.copyOfRange(bytes, from, from + len), offset);
            int f = (i == 0 ? flags | (extras.isEmpty() ? 0 : NETTXF_EXTRA_INFO) : 0) | (i < n - 1 ? NETTXF_MORE_DATA : 0);
            out.add(txRequest(ref, offset, f, firstId + i, i == 0 ? bytes.length : len));
            if (i == 0) {
                out.addAll(extras);
            }
        }
        return out;
    }

    ScriptedNetfront connected(int domid) {
        var fe = nf.guest(domid);
        fe.connect(1, true);
        return fe;
    }

    @Test
    void oneSlotPacketReachesTheBridgeByteForByte() {
        var fe = connected(1);
        byte[] bytes = udp(100).toByteArray();
        fe.pushTx(0, slots(fe, bytes, 4096, 64, NETTXF_DATA_VALIDATED, 7, List.of()));
        assertEquals(1, nf.capture.received.size());
        Frame got = nf.capture.received.getFirst();
        assertArrayEquals(bytes, got.toByteArray());
        assertEquals(Offload.Checksum.UNNECESSARY, got.offload().checksum());
        assertEquals(List.of(new NetifTxResponse(7, NetifStatus.NETIF_RSP_OKAY)), fe.takeTxResponses(0));
        assertEquals(1, fe.queues.getFirst().txNotifications);
        assertEquals(1, nf.device(1).vif().queues().getFirst().tx().packets());
    }

    @Test
    void moreDataChainIsReassembledAndEverySlotAnswered() {
        var fe = connected(1);
        byte[] bytes = udp(9000).toByteArray();
        fe.pushTx(0, slots(fe, bytes, 1000, 3000, 0, 10, List.of()));
        assertEquals(1, nf.capture.received.size());
        assertArrayEquals(bytes, nf.capture.received.getFirst().toByteArray());
        var rsps = fe.takeTxResponses(0);
        assertEquals(10, rsps.size());
        for (int i = 0; i < rsps.size(); i++) {
            assertEquals(new NetifTxResponse(10 + i, NetifStatus.NETIF_RSP_OKAY), rsps.get(i));
        }
    }

    @Test
    void gsoExtraAndCsumBlankBecomeTheFramesOffload() {
        var fe = connected(1);
        Frame gso = new FrameBuilder(A, B).ipv4(IP_A, IP_B).tcp(40000, 80, 1, 1, TcpHeader.ACK, 65535)
                .payload(payload(20000)).gso(1448).build();
        byte[] bytes = gso.toByteArray();
        fe.pushTx(0, slots(fe, bytes, 4096, 0, NETTXF_CSUM_BLANK, 0,
                List.of(gsoExtra(1448, NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV4, 0))));
        assertEquals(1, nf.capture.received.size());
        Frame got = nf.capture.received.getFirst();
        assertArrayEquals(bytes, got.toByteArray());
        assertEquals(gso.offload(), got.offload());
        var rsps = fe.takeTxResponses(0);
        // make_tx_response: the first slot, NULL for its extra, then each follow-on.
        assertEquals(new NetifTxResponse(0, NetifStatus.NETIF_RSP_OKAY), rsps.get(0));
        assertEquals(NetifStatus.NETIF_RSP_NULL, rsps.get(1).status());
        assertEquals(new NetifTxResponse(1, NetifStatus.NETIF_RSP_OKAY), rsps.get(2));
        assertEquals(1 + 1 + 4, rsps.size());
    }

    @Test
    void gsoWithoutCsumBlankIsForcedPartialWithThePseudoHeaderRecalculated() {
        var fe = connected(1);
        Frame gso = new FrameBuilder(A, B).ipv4(IP_A, IP_B).tcp(40000, 80, 1, 1, TcpHeader.ACK, 65535)
                .payload(payload(5000)).gso(1448).build();
        byte[] bytes = gso.toByteArray();
        byte[] scribbled = bytes.clone();
        int check = gso.offload().csumStart() + gso.offload().csumOffset();
        scribbled[check] = 0x12;
        scribbled[check + 1] = 0x34;
        fe.pushTx(0, slots(fe, scribbled, 4096, 0, 0, 0,
                List.of(gsoExtra(1448, NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV4, 0))));
        Frame got = nf.capture.received.getFirst();
        assertArrayEquals(bytes, got.toByteArray()); // checksum_setup(recalculate): the folded pseudo-header again
        assertEquals(Offload.Checksum.PARTIAL, got.offload().checksum());
    }

    @Test
    void csumBlankPacketCompletesToAValidChecksum() {
        var fe = connected(1);
        Frame partial = new FrameBuilder(A, B).ipv4(IP_A, IP_B).udp(1, 2).payload(payload(300)).checksumPartial()
                .build();
        fe.pushTx(0, slots(fe, partial.toByteArray(), 4096, 0, NETTXF_CSUM_BLANK, 0, List.of()));
        Frame got = nf.capture.received.getFirst();
        assertEquals(partial.offload(), got.offload());
        Frame done = ((io.xensim.xenbus.Decoded.Ok<Frame>) ChecksumOffload.complete(got)).value();
        assertEquals(io.xensim.xenbus.Decoded.ok(true), ChecksumOffload.verify(done.data()));
    }

    @Test
    void manyPacketsOneNotificationOneCopyCall() {
        var fe = connected(1);
        List<byte[]> all = new ArrayList<>();
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            byte[] bytes = udp(60 + i).toByteArray();
            sent.add(bytes);
            all.addAll(slots(fe, bytes, 4096, 0, 0, i, List.of()));
        }
        var tx = nf.device(1).vif().queues().getFirst().tx();
        long wakeups = tx.wakeups();
        fe.pushTx(0, all);
        assertEquals(20, nf.capture.received.size());
        for (int i = 0; i < 20; i++) {
            assertArrayEquals(sent.get(i), nf.capture.received.get(i).toByteArray());
        }
        assertEquals(1, tx.copyCalls(), "one GNTTABOP_copy with 20 ops");
        assertEquals(wakeups + 1, tx.wakeups());
        assertEquals(20, fe.takeTxResponses(0).size());
        assertEquals(1, fe.queues.getFirst().txNotifications, "responses pushed together, one notification");
    }

    @Test
    void largestLegalBatchesSplitAcrossCopyCalls() {
        var fe = connected(1);
        List<byte[]> all = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            all.addAll(slots(fe, udp(18 * 1000 - 100).toByteArray(), 1000, 0, 0, i * 20, List.of()));
        }
        fe.pushTx(0, all);
        assertEquals(5, nf.capture.received.size());
        assertTrue(nf.device(1).vif().queues().getFirst().tx().copyCalls() >= 2);
        assertTrue(fe.takeTxResponses(0).stream().allMatch(r -> r.status() == NetifStatus.NETIF_RSP_OKAY));
    }

    @Test
    void everyQueueServesItsOwnRing() {
        var fe = nf.guest(1);
        fe.connect(3, false);
        for (int q = 0; q < 3; q++) {
            fe.pushTx(q, slots(fe, udp(100 + q).toByteArray(), 4096, 0, 0, q, List.of()));
            assertEquals(List.of(new NetifTxResponse(q, NetifStatus.NETIF_RSP_OKAY)), fe.takeTxResponses(q));
        }
        assertEquals(3, nf.capture.received.size());
    }
}
