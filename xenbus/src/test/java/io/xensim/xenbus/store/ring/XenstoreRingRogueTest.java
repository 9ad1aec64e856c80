package io.xensim.xenbus.store.ring;

import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.CONNECTION_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.REQ_CONS_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.REQ_PROD_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.RSP_CONS_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.RSP_PROD_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_CONNECTED;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_ERROR_COMM;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_ERROR_NONE;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_ERROR_PROTO;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_ERROR_RINGIDX;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_RECONNECT;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_RING_SIZE;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.store.client.XsClient;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsPayloads;
import io.xensim.xenbus.store.wire.XsType;
import io.xensim.xenbus.store.wire.XsdSockmsg;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A misbehaving guest (dom1, driving its page by hand) next to a well-behaved one (dom2, an XsClient over its
 * ring): whatever dom1 writes, only its own connection suffers.
 */
class XenstoreRingRogueTest {
    private RingPair pair = new RingPair();
    private RawRingGuest rogue;
    private XenstoreRingFrontend goodFrontend;
    private XsClient good;

    private void setUp(RingPair p) {
        pair = p;
        rogue = pair.await(RawRingGuest.setUp(pair.server, pair.guest(1), 0));
        goodFrontend = pair.frontend(pair.guest(2));
        good = goodFrontend.client();
        pair.await(good.write("/local/domain/2/ok", "before"));
    }

    private void assertGoodGuestUnaffected() {
        pair.await(good.write("/local/domain/2/ok", "after"));
        assertThat(pair.await(good.readString("/local/domain/2/ok"))).isEqualTo("after");
        assertThat(pair.backend(2).state()).isEqualTo(XenstoreRingBackend.State.SERVING);
        assertThat(goodFrontend.error()).isEqualTo(XENSTORE_ERROR_NONE);
    }

    @AfterEach
    void tearDown() {
        good.close();
        pair.await(pair.server.tearDownGuest(goodFrontend));
        pair.await(pair.toolstack().release(1));
        rogue.close();
        pair.assertCleanedUp();
        pair.close();
    }

    private void assertRogueFailedWith(int error) {
        assertThat(rogue.error()).isEqualTo(error);
        assertThat(pair.backend(1).state()).isEqualTo(XenstoreRingBackend.State.FAILED);
        assertThat(pair.stats().connections()).as("dom0 toolstack and dom2 only").isEqualTo(2);
    }

    @Test
    void indicesMoreThanARingApartAreErrorRingidx() {
        setUp(new RingPair());
        rogue.writeRequest(XsMessage.of(XsType.XS_WATCH, 1, 0, "/local/domain/1", "t"));
        pair.hv.runUntilIdle();
        assertThat(rogue.readResponses()).hasSize(2);
        assertThat(pair.stats().watches()).isEqualTo(1);

        // prod - cons = 2000 > XENSTORE_RING_SIZE.
        rogue.set(REQ_PROD_OFFSET, rogue.get(REQ_CONS_OFFSET) + 2000);
        rogue.notifyServer();
        pair.hv.runUntilIdle();

        assertRogueFailedWith(XENSTORE_ERROR_RINGIDX);
        assertThat(pair.stats().watches()).as("the rogue's watch is gone").isZero();
        assertGoodGuestUnaffected();
        // Nothing the rogue does now is served.
        rogue.set(REQ_PROD_OFFSET, rogue.get(REQ_CONS_OFFSET));
        rogue.writeRequest(XsMessage.of(XsType.XS_READ, 2, 0, "/local/domain/1"));
        pair.hv.runUntilIdle();
        assertThat(rogue.readResponses()).isEmpty();
    }

    @Test
    void anIndexWrappingPast2To32IsStillJustDistance() {
        setUp(new RingPair());
        // A consumer index just below 2^32 and a producer just past it are 32 apart: perfectly valid.
        int cons = -16;
        rogue.set(REQ_CONS_OFFSET, cons);
        rogue.set(REQ_PROD_OFFSET, cons);
        rogue.writeRequest(XsMessage.of(XsType.XS_GET_DOMAIN_PATH, 5, 0, "1"));
        pair.hv.runUntilIdle();
        assertThat(rogue.readResponses()).containsExactly(
                XsMessage.of(XsType.XS_GET_DOMAIN_PATH, 5, 0, "/local/domain/1"));
        assertThat(rogue.get(REQ_CONS_OFFSET)).isEqualTo(cons + XsdSockmsg.LENGTH + 2);
        assertThat(rogue.error()).isEqualTo(XENSTORE_ERROR_NONE);
        assertGoodGuestUnaffected();
    }

    @Test
    void aBogusResponseConsumerIsErrorRingidx() {
        setUp(new RingPair());
        rogue.set(RSP_CONS_OFFSET, rogue.get(RSP_PROD_OFFSET) + 5000);   // claims to have consumed unsent bytes
        rogue.writeRequest(XsMessage.of(XsType.XS_READ, 1, 0, "/local/domain/1"));
        pair.hv.runUntilIdle();
        assertRogueFailedWith(XENSTORE_ERROR_RINGIDX);
        assertGoodGuestUnaffected();
    }

    @Test
    void aPayloadLongerThanXenstorePayloadMaxIsErrorProto() {
        setUp(new RingPair());
        rogue.writeRequestBytes(new XsdSockmsg(XsType.XS_WRITE.code(), 1, 0, XsdSockmsg.XENSTORE_PAYLOAD_MAX + 1)
                .encode());
        pair.hv.runUntilIdle();
        assertRogueFailedWith(XENSTORE_ERROR_PROTO);
        assertGoodGuestUnaffected();
    }

    @Test
    void aMessageSplitAcrossManyUpdatesIsFramedOnceComplete() {
        setUp(new RingPair());
        byte[] wire = XsdSockmsg.encode(new XsMessage(XsType.XS_WRITE, 9, 0,
                XsPayloads.stringThenBytes("/local/domain/1/split", XsPayloads.bytes("value"))));
        int[] cuts = {3, 16, 17, wire.length - 1, wire.length};   // inside the header, at its end, in the payload
        int at = 0;
        for (int cut : cuts) {
            rogue.writeRequestBytes(Arrays.copyOfRange(wire, at, cut));
            pair.hv.runUntilIdle();
            if (cut < wire.length) {
                assertThat(rogue.readResponses()).as("nothing before the last byte").isEmpty();
                assertThat(rogue.get(REQ_CONS_OFFSET)).as("xenstored consumed what was there").isEqualTo(cut);
            }
            at = cut;
        }
        assertThat(rogue.readResponses()).containsExactly(XsMessage.of(XsType.XS_WRITE, 9, 0, "OK"));
        assertThat(pair.await(pair.toolstack().readString("/local/domain/1/split"))).isEqualTo("value");
    }

    @Test
    void aFloodingGuestIsThrottledAtTheOutstandingQuotaAndLosesNothing() {
        setUp(new RingPair());
        int n = 300;
        int requestLength = XsdSockmsg.LENGTH + 2;    // XS_GET_DOMAIN_PATH "1\0"
        int replyLength = XsdSockmsg.LENGTH + 16;     // "/local/domain/1\0"
        List<byte[]> requests = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            requests.add(XsdSockmsg.encode(XsMessage.of(XsType.XS_GET_DOMAIN_PATH, i, 0, "1")));
        }
        // Phase 1: the rogue writes whatever fits and never reads, until xenstored stops consuming.
        int sent = 0;
        int lastCons = -1;
        while (rogue.get(REQ_CONS_OFFSET) != lastCons) {
            lastCons = rogue.get(REQ_CONS_OFFSET);
            while (sent < n && rogue.freeRequestSpace() >= requestLength) {
                rogue.writeRequestBytes(requests.get(sent++));
            }
            pair.hv.runUntilIdle();
        }
        int consumed = rogue.get(REQ_CONS_OFFSET) / requestLength;
        int repliesInRing = XENSTORE_RING_SIZE / replyLength + 1;   // the last one partly
        int quota = pair.xenstored.config().outstandingRequests();
        int framedAtMost = XENSTORE_RING_SIZE / requestLength + 1;
        assertThat(rogue.get(RSP_PROD_OFFSET) - rogue.get(RSP_CONS_OFFSET)).as("response ring full")
                .isEqualTo(XENSTORE_RING_SIZE);
        assertThat(pair.backend(1).queuedOutputBytes()).as("replies held for the guest")
                .isLessThanOrEqualTo((long) quota * replyLength);
        assertThat(consumed).as("requests consumed while the guest reads nothing")
                .isLessThanOrEqualTo(repliesInRing + quota + framedAtMost)
                .isLessThan(n);
        assertThat(pair.backend(1).state()).isEqualTo(XenstoreRingBackend.State.SERVING);
        assertGoodGuestUnaffected();

        // Phase 2: the rogue reads now and then; every request is answered, in order.
        List<XsMessage> replies = new ArrayList<>();
        for (int round = 0; replies.size() < n; round++) {
            replies.addAll(rogue.readResponses());
            while (sent < n && rogue.freeRequestSpace() >= requestLength) {
                rogue.writeRequestBytes(requests.get(sent++));
            }
            pair.hv.runUntilIdle();
            assertThat(round).as("progress").isLessThan(10_000);
        }
        for (int i = 0; i < n; i++) {
            assertThat(replies.get(i)).isEqualTo(XsMessage.of(XsType.XS_GET_DOMAIN_PATH, i, 0, "/local/domain/1"));
        }
        assertThat(rogue.error()).isEqualTo(XENSTORE_ERROR_NONE);
    }

    @Test
    void aGuestThatNeverConsumesWatchEventsIsStoppedWithErrorComm() {
        setUp(new RingPair(4096));
        rogue.writeRequest(XsMessage.of(XsType.XS_WATCH, 1, 0, "/local/domain/1", "t"));
        pair.hv.runUntilIdle();
        // Never read: the response ring fills (1024 bytes), then 4096 bytes queue in xenstored, then it gives up.
        for (int i = 0; i < 200 && pair.backend(1).state() == XenstoreRingBackend.State.SERVING; i++) {
            pair.await(pair.toolstack().write("/local/domain/1/spam", Integer.toString(i)));
        }
        pair.hv.runUntilIdle();
        assertRogueFailedWith(XENSTORE_ERROR_COMM);
        assertThat(rogue.get(RSP_PROD_OFFSET) - rogue.get(RSP_CONS_OFFSET)).isEqualTo(XENSTORE_RING_SIZE);
        assertGoodGuestUnaffected();
    }

    @Test
    void reconnectDropsAPartialPacketAndEmptiesBothQueues() {
        setUp(new RingPair());
        rogue.writeRequest(XsMessage.of(XsType.XS_WATCH, 1, 0, "/local/domain/1", "t"));
        pair.hv.runUntilIdle();   // two messages wait in the response queue, unread
        byte[] wire = XsdSockmsg.encode(XsMessage.of(XsType.XS_READ, 2, 0, "/local/domain/1"));
        rogue.writeRequestBytes(Arrays.copyOf(wire, 10));   // half a header
        pair.hv.runUntilIdle();
        assertThat(pair.stats().watches()).isEqualTo(1);

        rogue.set(CONNECTION_OFFSET, XENSTORE_RECONNECT);
        rogue.notifyServer();
        int eventsBefore = rogue.events.get();
        pair.hv.runUntilIdle();

        assertThat(rogue.connection()).isEqualTo(XENSTORE_CONNECTED);
        assertThat(rogue.events.get()).as("signalled").isGreaterThan(eventsBefore);
        for (long index : new long[] {REQ_CONS_OFFSET, REQ_PROD_OFFSET, RSP_CONS_OFFSET, RSP_PROD_OFFSET}) {
            assertThat(rogue.get(index)).isZero();
        }
        assertThat(pair.stats().watches()).isZero();
        // Reset on a packet boundary: a whole request now is a request, not the tail of the old half header.
        rogue.writeRequest(XsMessage.of(XsType.XS_GET_DOMAIN_PATH, 3, 0, "1"));
        pair.hv.runUntilIdle();
        assertThat(rogue.readResponses()).containsExactly(
                XsMessage.of(XsType.XS_GET_DOMAIN_PATH, 3, 0, "/local/domain/1"));
        assertGoodGuestUnaffected();
    }
}
