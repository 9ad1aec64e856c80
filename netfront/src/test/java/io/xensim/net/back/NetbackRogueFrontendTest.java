package io.xensim.net.back;

import static io.xensim.net.back.ScriptedNetfront.gsoExtra;
import static io.xensim.net.back.ScriptedNetfront.rawExtra;
import static io.xensim.net.back.ScriptedNetfront.txRequest;
import static io.xensim.net.protocol.NetTxFlags.NETTXF_EXTRA_INFO;
import static io.xensim.net.protocol.NetTxFlags.NETTXF_MORE_DATA;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xensim.net.protocol.NetifExtraInfo;
import io.xensim.net.protocol.NetifStatus;
import io.xensim.net.protocol.NetifTxResponse;
import io.xensim.xenbus.toolstack.DeviceConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each rogue-frontend case of issue 8, one by one, with the consequence Linux 6.1's netback gives it: fatal ones
 * disable the vif for good (carrier off, nothing more answered, still disabled after a frontend reconnect, fine
 * again only once the backend device is re-created); the others drop that packet with error responses and the vif
 * stays up. Another guest on the same bridge is never affected.
 */
class NetbackRogueFrontendTest {
    final NetbackFixture nf = new NetbackFixture();
    ScriptedNetfront rogue;
    ScriptedNetfront good;

    @AfterEach
    void close() {
        nf.close();
    }

    void start() {
        rogue = nf.guest(1);
        good = nf.guest(2);
        rogue.connect(1, true);
        good.connect(1, true);
    }

    int page(ScriptedNetfront fe) {
        return fe.txPage(new byte[4096], 0);
    }

    /** A valid packet from {@code fe} gets OKAY and reaches the bridge. */
    void assertServes(ScriptedNetfront fe, int id) {
        int before = nf.capture.received.size();
        byte[] bytes = NetbackTxTest.udp(200).toByteArray();
        fe.pushTx(0, NetbackTxTest.slots(fe, bytes, 4096, 0, 0, id, List.of()));
        assertEquals(List.of(new NetifTxResponse(id, NetifStatus.NETIF_RSP_OKAY)), fe.takeTxResponses(0));
        assertEquals(before + 1, nf.capture.received.size());
        assertArrayEquals(bytes, nf.capture.received.getLast().toByteArray());
    }

    void assertFatal(String cause) {
        Vif vif = nf.device(1).vif();
        assertTrue(vif.disabled(), vif.toString());
        assertFalse(vif.carrierOk());
        assertTrue(vif.disabledReason().orElseThrow().contains(cause), vif.disabledReason().orElseThrow());
        assertEquals(List.of(), rogue.takeTxResponses(0), "a fatal packet is not answered");
        // Nothing more is read from the ring.
        int id = 500;
        rogue.pushTx(0, NetbackTxTest.slots(rogue, NetbackTxTest.udp(100).toByteArray(), 4096, 0, 0, id, List.of()));
        assertEquals(List.of(), rogue.takeTxResponses(0));
        // The xenbus device is not closed (Linux only turns the carrier off) and the other guest is served.
        assertEquals("4", state(1));
        assertServes(good, 77);
        assertTrue(nf.device(2).vif().carrierOk());
    }

    String state(int domid) {
        return nf.fx.toolstack.await(nf.fx.toolstack.xs().readOptional("/local/domain/0/backend/vif/" + domid
                + "/0/state")).orElse(null);
    }

    void assertDropped(int... ids) {
        var rsps = rogue.takeTxResponses(0);
        assertEquals(ids.length, rsps.size(), rsps.toString());
        for (int i = 0; i < ids.length; i++) {
            assertEquals(new NetifTxResponse(ids[i], NetifStatus.NETIF_RSP_ERROR), rsps.get(i));
        }
        Vif vif = nf.device(1).vif();
        assertFalse(vif.disabled(), vif.toString());
        assertTrue(vif.carrierOk());
        assertServes(rogue, 99);
    }

    // ------------------------------------------------------------------------------------------ fatal

    @Test
    void impossibleRequestCount() {
        start();
        rogue.setTxReqProd(0, 257);
        assertFatal("Impossible number of requests. req_prod 257, req_cons 0, size 256");
    }

    @Test
    void moreDataChainPastReqProd() {
        start();
        rogue.pushTx(0, List.of(txRequest(page(rogue), 0, NETTXF_MORE_DATA, 1, 200)));
        assertFatal("Asked for 0 slots but exceeds this limit");
    }

    @Test
    void fatalSkbSlots() {
        start();
        int ref = page(rogue);
        List<byte[]> slots = new ArrayList<>();
        slots.add(txRequest(ref, 0, NETTXF_MORE_DATA, 0, 22 * 100));
        for (int i = 1; i < 22; i++) {
            slots.add(txRequest(ref, 0, i < 21 ? NETTXF_MORE_DATA : 0, i, 100));
        }
        rogue.pushTx(0, slots);
        assertFatal("Malicious frontend using 20 slots, threshold 20");
    }

    @Test
    void followOnSlotCrossingItsPage() {
        start();
        int ref = page(rogue);
        rogue.pushTx(0, List.of(txRequest(ref, 0, NETTXF_MORE_DATA, 1, 300), txRequest(ref, 4000, 0, 2, 100)));
        assertFatal("Cross page boundary, txp->offset: 4000, size: 100");
    }

    @Test
    void firstSlotCrossingItsPage() {
        start();
        rogue.pushTx(0, List.of(txRequest(page(rogue), 4000, 0, 1, 200)));
        assertFatal("Cross page boundary, txreq.offset: 4000, size: 200");
    }

    @Test
    void missingExtraInfo() {
        start();
        rogue.pushTx(0, List.of(txRequest(page(rogue), 0, NETTXF_EXTRA_INFO, 1, 200)));
        assertFatal("Missing extra info");
    }

    @Test
    void missingSecondExtraAfterFlagMore() {
        start();
        rogue.pushTx(0, List.of(txRequest(page(rogue), 0, NETTXF_EXTRA_INFO, 1, 200),
                gsoExtra(1448, NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV4, NetifExtraInfo.XEN_NETIF_EXTRA_FLAG_MORE)));
        assertFatal("Missing extra info");
    }

    @ParameterizedTest(name = "extra type {0}")
    @CsvSource({"0", "5", "200"})
    void invalidExtraType(int type) {
        start();
        rogue.pushTx(0, List.of(txRequest(page(rogue), 0, NETTXF_EXTRA_INFO, 1, 200), rawExtra(type, 0)));
        assertFatal("Invalid extra type: " + type);
    }

    @Test
    void zeroGsoSize() {
        start();
        rogue.pushTx(0, List.of(txRequest(page(rogue), 0, NETTXF_EXTRA_INFO, 1, 200),
                gsoExtra(0, NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV4, 0)));
        assertFatal("GSO size must not be zero.");
    }

    @Test
    void badGsoType() {
        start();
        rogue.pushTx(0, List.of(txRequest(page(rogue), 0, NETTXF_EXTRA_INFO, 1, 200), gsoExtra(1448, 3, 0)));
        assertFatal("Bad GSO type 3.");
    }

    @Test
    void packetsBeforeTheFatalOneInTheSameBatchStillGoOut() {
        start();
        List<byte[]> slots = new ArrayList<>(NetbackTxTest.slots(rogue, NetbackTxTest.udp(100).toByteArray(), 4096, 0,
                0, 1, List.of()));
        slots.addAll(NetbackTxTest.slots(rogue, NetbackTxTest.udp(200).toByteArray(), 4096, 0, 0, 2, List.of()));
        slots.add(txRequest(page(rogue), 0, NETTXF_EXTRA_INFO, 3, 200));
        rogue.pushTx(0, slots);
        assertEquals(List.of(new NetifTxResponse(1, NetifStatus.NETIF_RSP_OKAY),
                new NetifTxResponse(2, NetifStatus.NETIF_RSP_OKAY)), rogue.takeTxResponses(0));
        assertEquals(2, nf.capture.received.size());
        assertFatal("Missing extra info");
    }

    @Test
    void disabledAcrossAFrontendReconnectUntilTheBackendIsRecreated() {
        start();
        rogue.pushTx(0, List.of(txRequest(page(rogue), 0, NETTXF_EXTRA_INFO, 1, 200)));
        assertTrue(nf.device(1).vif().disabled());
        // The frontend reconnects: the xenbus handshake completes, the vif stays disabled.
        rogue.setState(5);
        rogue.setState(6);
        rogue.setState(1);
        var again = new ScriptedNetfront(nf.fx, rogue.guest, 0);
        again.connect(1, true);
        assertEquals("4", state(1));
        assertTrue(nf.device(1).vif().disabled());
        assertFalse(nf.device(1).vif().carrierOk());
        again.pushTx(0, NetbackTxTest.slots(again, NetbackTxTest.udp(100).toByteArray(), 4096, 0, 0, 3, List.of()));
        assertEquals(List.of(), again.takeTxResponses(0));
        // The toolstack removes and re-creates the device: a fresh vif.
        var removed = nf.fx.toolstack.removeDevice("vif", 1, 0);
        nf.fx.hv.runUntilIdle();
        again.setState(6);
        assertTrue(nf.fx.toolstack.await(removed));
        nf.fx.toolstack.await(nf.fx.toolstack.addDevice(DeviceConfig.vif(1, 0, 0, "00:16:3e:00:00:01", "xenbr0")));
        nf.fx.hv.runUntilIdle();
        rogue = new ScriptedNetfront(nf.fx, again.guest, 0);
        rogue.connect(1, true);
        assertFalse(nf.device(1).vif().disabled());
        assertTrue(nf.device(1).vif().carrierOk());
        assertServes(rogue, 5);
    }

    // ------------------------------------------------------------------------------------------ dropped

    @Test
    void firstSlotShorterThanAnEthernetHeader() {
        start();
        rogue.pushTx(0, List.of(txRequest(page(rogue), 0, 0, 4, 13)));
        assertDropped(4);
    }

    @Test
    void firstSlotShorterThanAnEthernetHeaderAfterItsFollowOns() {
        start();
        int ref = page(rogue);
        rogue.pushTx(0, List.of(txRequest(ref, 0, NETTXF_MORE_DATA, 4, 1010), txRequest(ref, 0, 0, 5, 1000)));
        assertDropped(4, 5);
    }

    /**
     * {@code xenvif_count_requests} counts the follow-on slots: 18 follow-ons (19 slots) pass, 19 or 20 follow-ons
     * are dropped, 21 (see {@link #fatalSkbSlots}) are fatal.
     */
    @ParameterizedTest(name = "{0} slots")
    @CsvSource({"20", "21"})
    void moreSlotsThanTheLegacyLimitAreDropped(int total) {
        start();
        int ref = page(rogue);
        List<byte[]> slots = new ArrayList<>();
        slots.add(txRequest(ref, 0, NETTXF_MORE_DATA, 0, total * 100));
        for (int i = 1; i < total; i++) {
            slots.add(txRequest(ref, 0, i < total - 1 ? NETTXF_MORE_DATA : 0, i, 100));
        }
        rogue.pushTx(0, slots);
        assertDropped(IntStream.range(0, total).toArray());
    }

    @Test
    void nineteenSlotsAreStillAPacket() {
        start();
        byte[] bytes = NetbackTxTest.udp(19 * 100 - 42).toByteArray();
        rogue.pushTx(0, NetbackTxTest.slots(rogue, bytes, 100, 0, 0, 0, List.of()));
        var rsps = rogue.takeTxResponses(0);
        assertEquals(19, rsps.size());
        assertTrue(rsps.stream().allMatch(r -> r.status() == NetifStatus.NETIF_RSP_OKAY), rsps.toString());
        assertArrayEquals(bytes, nf.capture.received.getLast().toByteArray());
    }

    @Test
    void followOnLargerThanWhatRemains() {
        start();
        int ref = page(rogue);
        rogue.pushTx(0, List.of(txRequest(ref, 0, NETTXF_MORE_DATA, 6, 300), txRequest(ref, 0, 0, 7, 400)));
        assertDropped(6, 7);
    }

    @Test
    void badGrant() {
        start();
        rogue.pushTx(0, List.of(txRequest(9999, 0, 0, 8, 200)));
        assertDropped(8);
        assertEquals(1, nf.device(1).vif().queues().getFirst().tx().errors());
    }

    @Test
    void badGrantInAFollowOnSlotDropsTheWholePacket() {
        start();
        int ref = page(rogue);
        rogue.pushTx(0, List.of(txRequest(ref, 0, NETTXF_MORE_DATA, 8, 300), txRequest(9999, 0, 0, 9, 100)));
        assertDropped(8, 9);
    }
}
