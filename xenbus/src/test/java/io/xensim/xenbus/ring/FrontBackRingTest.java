package io.xensim.xenbus.ring;

import static io.xensim.xenbus.ring.RingFixtures.NETIF_TX_ENTRY;
import static io.xensim.xenbus.ring.RingFixtures.area;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FrontBackRingTest {
    private final Arena arena = Arena.ofConfined();

    @AfterEach
    void closeArena() {
        arena.close();
    }

    private static void writeRequest(MemorySegment sring, long off, int seq) {
        sring.set(Layouts.U32, off, seq);
        sring.set(Layouts.U32, off + 4, ~seq);
        sring.set(Layouts.U32, off + 8, seq * 31);
    }

    @Test
    void sharedRingInitSetsIndicesAndZeroesThePadsButNotTheSlots() {
        MemorySegment area = area(arena, 0);
        area.fill((byte) 0xAA);

        FrontRing<?, ?> front = FrontRing.init(area, NETIF_TX_ENTRY);

        assertThat(RingFixtures.reqProd(area)).isZero();
        assertThat(RingFixtures.rspProd(area)).isZero();
        assertThat(RingFixtures.reqEvent(area)).isEqualTo(1);
        assertThat(RingFixtures.rspEvent(area)).isEqualTo(1);
        assertThat(area.asSlice(SringDescriptor.PVT_OFFSET, SringDescriptor.PVT_LENGTH + SringDescriptor.PAD_LENGTH)
                .toArray(Layouts.U8)).containsOnly((byte) 0);
        assertThat(area.asSlice(SringDescriptor.RING_OFFSET).toArray(Layouts.U8)).containsOnly((byte) 0xAA);
        assertThat(front.size()).isEqualTo(256);
        assertThat(front.reqProdPvt()).isZero();
        assertThat(front.rspCons()).isZero();
        assertThat(front.freeRequests()).isEqualTo(256);
    }

    @Test
    void backendInitAndAttachLeaveTheHeaderUntouched() {
        MemorySegment area = area(arena, 0);
        byte[] random = new byte[(int) area.byteSize()];
        new Random(42).nextBytes(random);
        MemorySegment.copy(MemorySegment.ofArray(random), 0, area, 0, random.length);

        BackRing<?, ?> back = BackRing.init(area, NETIF_TX_ENTRY);
        BackRing<?, ?> attached = BackRing.attach(area, NETIF_TX_ENTRY, 0x1234_5678);
        // Reading the ring's state must not write either.
        back.unconsumedRequests();
        back.requestProdOverflow(back.reqProd());
        attached.hasUnconsumedRequests();

        assertThat(area.toArray(Layouts.U8)).isEqualTo(random);
        assertThat(back.reqCons()).isZero();
        assertThat(back.rspProdPvt()).isZero();
        assertThat(attached.reqCons()).isEqualTo(0x1234_5678);
        assertThat(attached.rspProdPvt()).isEqualTo(0x1234_5678);
    }

    @Test
    void frontendAttachLeavesTheHeaderUntouched() {
        MemorySegment area = area(arena, 0);
        RingFixtures.header(area, 7, 8, 5, 6);

        FrontRing<?, ?> front = FrontRing.attach(area, NETIF_TX_ENTRY, 5);

        assertThat(RingFixtures.reqProd(area)).isEqualTo(7);
        assertThat(RingFixtures.reqEvent(area)).isEqualTo(8);
        assertThat(RingFixtures.rspProd(area)).isEqualTo(5);
        assertThat(RingFixtures.rspEvent(area)).isEqualTo(6);
        assertThat(front.reqProdPvt()).isEqualTo(5);
        assertThat(front.rspCons()).isEqualTo(5);
    }

    @Test
    void requestAndResponseMakeTheRoundTripOverTheSameSlot() {
        MemorySegment area = area(arena, 0);
        FrontRing<?, ?> front = FrontRing.init(area, NETIF_TX_ENTRY);
        BackRing<?, ?> back = BackRing.init(area, NETIF_TX_ENTRY);

        long reqOff = front.produceRequest();
        writeRequest(front.sring(), reqOff, 77);
        assertThat(back.hasUnconsumedRequests()).as("not yet pushed").isFalse();
        assertThat(front.pushRequestsAndCheckNotify()).as("SHARED_RING_INIT's req_event = 1 asks for the first").isTrue();

        assertThat(back.unconsumedRequests()).isEqualTo(1);
        MemorySegment copy = arena.allocate(NETIF_TX_ENTRY);
        back.copyRequest(back.reqCons(), copy);
        long consumed = back.consumeRequest();
        assertThat(consumed).isEqualTo(reqOff).isEqualTo(SringDescriptor.RING_OFFSET);
        assertThat(copy.get(Layouts.U32, 0)).isEqualTo(77);
        assertThat(copy.get(Layouts.U32, 4)).isEqualTo(~77);

        long rspOff = back.produceResponse();
        assertThat(rspOff).as("the response goes over the request's slot").isEqualTo(reqOff);
        back.sring().set(Layouts.U16, rspOff, (short) 77);
        back.sring().set(Layouts.U16, rspOff + 2, (short) 0);
        assertThat(back.pushResponsesAndCheckNotify()).as("rsp_event = 1").isTrue();

        assertThat(front.unconsumedResponses()).isEqualTo(1);
        long off = front.consumeResponse();
        assertThat(Short.toUnsignedInt(front.sring().get(Layouts.U16, off))).isEqualTo(77);
        assertThat(front.unconsumedResponses()).isZero();
        assertThat(front.freeRequests()).isEqualTo(front.size());
        assertThat(RingFixtures.reqProd(area)).isEqualTo(1);
        assertThat(RingFixtures.rspProd(area)).isEqualTo(1);
    }

    @Test
    void ringIsFullAtExactlySizeOutstandingRequests() {
        MemorySegment area = area(arena, 0);
        FrontRing<?, ?> front = FrontRing.init(area, NETIF_TX_ENTRY);
        BackRing<?, ?> back = BackRing.init(area, NETIF_TX_ENTRY);

        for (int i = 0; i < front.size() - 1; i++) {
            writeRequest(front.sring(), front.produceRequest(), i);
        }
        assertThat(front.full()).isFalse();
        assertThat(front.freeRequests()).isEqualTo(1);
        writeRequest(front.sring(), front.produceRequest(), front.size() - 1);
        assertThat(front.full()).isTrue();
        assertThat(front.freeRequests()).isZero();
        assertThatThrownBy(front::produceRequest).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("reqProdPvt: 256");

        front.pushRequests();
        assertThat(back.unconsumedRequests()).isEqualTo(256);
        back.consumeRequest();
        assertThat(front.full()).as("consumed is not answered").isTrue();
        back.produceResponse();
        back.pushResponses();
        assertThat(front.full()).as("answered is not consumed by the frontend").isTrue();
        front.consumeResponse();
        assertThat(front.full()).isFalse();
        assertThat(front.freeRequests()).isEqualTo(1);
    }

    @Test
    void backendConsumesNoMoreRequestsThanItHasResponseSlotsFor() {
        MemorySegment area = area(arena, 0);
        FrontRing<?, ?> front = FrontRing.init(area, NETIF_TX_ENTRY);
        BackRing<?, ?> back = BackRing.init(area, NETIF_TX_ENTRY);
        for (int i = 0; i < front.size(); i++) {
            front.produceRequest();
        }
        front.pushRequests();
        for (int i = 0; i < back.size(); i++) {
            back.consumeRequest();
        }
        assertThat(back.requestConsOverflow(back.reqCons())).isTrue();
        assertThatThrownBy(back::consumeRequest).isInstanceOf(IllegalStateException.class);
        assertThat(back.unconsumedRequests()).isZero();
    }

    @Test
    void notifiesOnlyWhenThePeerAskedForIt() {
        MemorySegment area = area(arena, 0);
        FrontRing<?, ?> front = FrontRing.init(area, NETIF_TX_ENTRY);
        BackRing<?, ?> back = BackRing.init(area, NETIF_TX_ENTRY);

        front.produceRequest();
        assertThat(front.pushRequestsAndCheckNotify()).as("req_event 1 in (0, 1]").isTrue();
        front.produceRequest();
        front.produceRequest();
        assertThat(front.pushRequestsAndCheckNotify()).as("req_event 1 not in (1, 3]: backend is busy").isFalse();
        assertThat(front.pushRequestsAndCheckNotify()).as("nothing new published").isFalse();

        drainRequestsAndRespond(back);
        assertThat(back.finalCheckForRequests()).isFalse();
        assertThat(RingFixtures.reqEvent(area)).isEqualTo(4);

        front.produceRequest();
        front.produceRequest();
        assertThat(front.pushRequestsAndCheckNotify()).as("req_event 4 in (3, 5]").isTrue();
        front.produceRequest();
        assertThat(front.pushRequestsAndCheckNotify()).as("req_event 4 already passed").isFalse();

        // Responses: rsp_event is still SHARED_RING_INIT's 1; the first push covered it.
        assertThat(back.pushResponsesAndCheckNotify()).as("rsp_event 1 in (0, 3]").isTrue();
        drainRequestsAndRespond(back);
        assertThat(back.pushResponsesAndCheckNotify()).as("frontend never re-armed rsp_event").isFalse();
    }

    @Test
    void pushWithoutCheckNeverDecidesAndPushingTheSameIndexTwiceDoesNotNotify() {
        MemorySegment area = area(arena, 0);
        FrontRing<?, ?> front = FrontRing.init(area, NETIF_TX_ENTRY);
        front.produceRequest();
        front.pushRequests();
        assertThat(RingFixtures.reqProd(area)).isEqualTo(1);
        assertThat(front.pushRequestsAndCheckNotify()).as("(1, 1] is empty").isFalse();
    }

    private static int drainRequestsAndRespond(BackRing<?, ?> back) {
        int n = back.unconsumedRequests();
        for (int k = 0; k < n; k++) {
            back.consumeRequest();
            back.produceResponse();
        }
        return n;
    }

    @Test
    void finalCheckForRequestsClosesTheRaceInBothOrders() {
        MemorySegment area = area(arena, 0);
        FrontRing<?, ?> front = FrontRing.init(area, NETIF_TX_ENTRY);
        BackRing<?, ?> back = BackRing.init(area, NETIF_TX_ENTRY);
        front.produceRequest();
        front.pushRequestsAndCheckNotify();
        drainRequestsAndRespond(back);

        // Order 1: the frontend publishes after the backend's last look but before its final check. No
        // notification (the backend had not re-armed), and the final check finds the work instead.
        front.produceRequest();
        assertThat(front.pushRequestsAndCheckNotify()).isFalse();
        assertThat(back.finalCheckForRequests()).isTrue();
        assertThat(RingFixtures.reqEvent(area)).as("work found at once: req_event not re-armed").isEqualTo(1);
        drainRequestsAndRespond(back);

        // Order 2: the backend re-arms first, then the frontend publishes: the push notifies.
        assertThat(back.finalCheckForRequests()).isFalse();
        front.produceRequest();
        assertThat(front.pushRequestsAndCheckNotify()).isTrue();
    }

    @Test
    void finalCheckForResponsesClosesTheRaceInBothOrders() {
        MemorySegment area = area(arena, 0);
        FrontRing<?, ?> front = FrontRing.init(area, NETIF_TX_ENTRY);
        BackRing<?, ?> back = BackRing.init(area, NETIF_TX_ENTRY);
        for (int i = 0; i < 3; i++) {
            front.produceRequest();
        }
        front.pushRequests();
        back.consumeRequest();
        back.produceResponse();
        assertThat(back.pushResponsesAndCheckNotify()).isTrue();
        front.consumeResponse();

        // Order 1: a response lands before the frontend's final check: no notification, the check finds it.
        back.consumeRequest();
        back.produceResponse();
        assertThat(back.pushResponsesAndCheckNotify()).isFalse();
        assertThat(front.finalCheckForResponses()).isTrue();
        front.consumeResponse();

        // Order 2: the frontend re-arms rsp_event = rsp_cons + 1 first; the next response notifies.
        assertThat(front.finalCheckForResponses()).isFalse();
        assertThat(RingFixtures.rspEvent(area)).isEqualTo(front.rspCons() + 1);
        back.consumeRequest();
        back.produceResponse();
        assertThat(back.pushResponsesAndCheckNotify()).isTrue();
    }

    @Test
    void batchedFinalCheckForResponsesIsNotifiedOnlyOnceTheBatchIsWaiting() {
        MemorySegment area = area(arena, 0);
        FrontRing<?, ?> front = FrontRing.init(area, NETIF_TX_ENTRY);
        BackRing<?, ?> back = BackRing.init(area, NETIF_TX_ENTRY);
        for (int i = 0; i < 100; i++) {
            front.produceRequest();
        }
        front.pushRequests();
        int answered = drainRequestsAndRespond(back);
        assertThat(answered).isEqualTo(100);
        back.pushResponses(); // past SHARED_RING_INIT's rsp_event = 1 without notifying
        for (int i = 0; i < 100; i++) {
            front.consumeResponse();
        }
        for (int i = 0; i < 50; i++) {
            front.produceRequest();
        }
        front.pushRequests();

        assertThat(front.finalCheckForResponses(32)).isFalse();
        assertThat(RingFixtures.rspEvent(area)).isEqualTo(100 + 32);
        for (int i = 1; i <= 31; i++) {
            back.consumeRequest();
            back.produceResponse();
            assertThat(back.pushResponsesAndCheckNotify()).as("response %d of the batch of 32", i).isFalse();
        }
        back.consumeRequest();
        back.produceResponse();
        assertThat(back.pushResponsesAndCheckNotify()).as("rsp_event 132 in (131, 132]").isTrue();

        assertThat(front.finalCheckForResponses(1)).as("responses are waiting: no re-arm").isTrue();
        assertThat(RingFixtures.rspEvent(area)).isEqualTo(132);
        assertThatThrownBy(() -> front.finalCheckForResponses(51)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batch: 51 (expected: 1..50");
        assertThatThrownBy(() -> front.finalCheckForResponses(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4})
    void multiPageRingsUseTheWholeAreaAndWrap(int order) {
        MemorySegment area = area(arena, order);
        int blkifEntry = 112; // sizeof(union blkif_sring_entry)
        FrontRing<?, ?> front = FrontRing.init(area, blkifEntry);
        BackRing<?, ?> back = BackRing.init(area, blkifEntry);
        assertThat(front.size()).isEqualTo(back.size()).isEqualTo(32 << order);
        assertThat(front.ringPageOrder()).isEqualTo(order);
        assertThat(front.slotOffset(front.size() - 1) + blkifEntry).isLessThanOrEqualTo(area.byteSize());
        assertThat(front.slotOffset(front.size())).isEqualTo(SringDescriptor.RING_OFFSET);

        int total = front.size() * 3 + 5;
        int sent = 0;
        int received = 0;
        MemorySegment copy = arena.allocate(blkifEntry);
        while (received < total) {
            while (sent < total && !front.full()) {
                long off = front.produceRequest();
                front.sring().set(Layouts.U64, off, sent);
                front.sring().set(Layouts.U64, off + blkifEntry - 8, ~(long) sent);
                sent++;
            }
            front.pushRequests();
            int n = back.unconsumedRequests();
            for (int k = 0; k < n; k++) {
                back.copyRequest(back.reqCons(), copy);
                back.consumeRequest();
                long rsp = back.produceResponse();
                back.sring().set(Layouts.U64, rsp, copy.get(Layouts.U64, 0) + 1_000_000);
                assertThat(copy.get(Layouts.U64, blkifEntry - 8)).isEqualTo(~copy.get(Layouts.U64, 0));
            }
            back.pushResponses();
            int m = front.unconsumedResponses();
            for (int k = 0; k < m; k++) {
                assertThat(front.sring().get(Layouts.U64, front.consumeResponse())).isEqualTo(received + 1_000_000L);
                received++;
            }
        }
        assertThat(front.reqProdPvt()).isEqualTo(total);
        assertThat(back.reqCons()).isEqualTo(total);
    }

    @Test
    void misbehavingBackendIsDetectedWithoutAnException() {
        MemorySegment area = area(arena, 0);
        FrontRing<?, ?> front = FrontRing.init(area, NETIF_TX_ENTRY);
        for (int i = 0; i < 10; i++) {
            front.produceRequest();
        }
        front.pushRequests();

        RingFixtures.pokeRspProd(area, 257);
        assertThat(front.responseProdOverflow(front.rspProd())).isTrue();
        assertThat(front.unconsumedResponses()).as("bounded by the 10 outstanding").isEqualTo(10);

        RingFixtures.pokeRspProd(area, -1); // "behind" rsp_cons: 2^32 - 1 responses ahead
        assertThat(front.responseProdOverflow(front.rspProd())).isTrue();
        assertThat(front.unconsumedResponses()).isEqualTo(10);

        RingFixtures.pokeRspProd(area, 256); // possible under ring.h's check, but more than was asked
        assertThat(front.responseProdOverflow(front.rspProd())).isFalse();
        assertThat(front.unconsumedResponses()).isEqualTo(10);
    }

    @Test
    void misbehavingFrontendIsDetectedWithoutAnException() {
        MemorySegment area = area(arena, 0);
        FrontRing.init(area, NETIF_TX_ENTRY);
        BackRing<?, ?> back = BackRing.init(area, NETIF_TX_ENTRY);

        RingFixtures.pokeReqProd(area, 1_000_000);
        assertThat(back.requestProdOverflow(back.reqProd())).isTrue();
        assertThat(back.unconsumedRequests()).isEqualTo(256);
        RingFixtures.pokeReqProd(area, 256);
        assertThat(back.requestProdOverflow(back.reqProd())).isFalse();
        RingFixtures.pokeReqProd(area, 257);
        assertThat(back.requestProdOverflow(back.reqProd())).isTrue();
        RingFixtures.pokeReqProd(area, -5);
        assertThat(back.requestProdOverflow(back.reqProd())).isTrue();
        assertThat(back.unconsumedRequests()).isEqualTo(256);
    }

    @Test
    void copyRequestIsImmuneToALaterRewriteBySlotOwner() {
        MemorySegment area = area(arena, 0);
        FrontRing<?, ?> front = FrontRing.init(area, NETIF_TX_ENTRY);
        BackRing<?, ?> back = BackRing.init(area, NETIF_TX_ENTRY);
        long off = front.produceRequest();
        writeRequest(front.sring(), off, 5);
        front.pushRequests();

        MemorySegment copy = arena.allocate(NETIF_TX_ENTRY);
        back.copyRequest(back.reqCons(), copy);
        writeRequest(front.sring(), off, 6); // the frontend rewrites the slot after publishing it
        assertThat(copy.get(Layouts.U32, 0)).isEqualTo(5);
        assertThat(back.getRequest(back.reqCons()).get(Layouts.U32, 0)).isEqualTo(6);

        back.consumeRequest();
        long rsp = back.produceResponse();
        back.sring().set(Layouts.U32, rsp, 99);
        back.pushResponses();
        MemorySegment rspCopy = arena.allocate(NETIF_TX_ENTRY);
        front.copyResponse(front.rspCons(), rspCopy);
        assertThat(rspCopy.get(Layouts.U32, 0)).isEqualTo(99);
        assertThat(front.getResponse(front.rspCons()).byteSize()).isEqualTo(NETIF_TX_ENTRY);
    }

    @Test
    void misuseOfThePrivateIndicesIsAnIllegalStateException() {
        MemorySegment area = area(arena, 0);
        FrontRing<?, ?> front = FrontRing.init(area, NETIF_TX_ENTRY);
        BackRing<?, ?> back = BackRing.init(area, NETIF_TX_ENTRY);
        assertThatThrownBy(front::consumeResponse).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("rspCons: 0");
        assertThatThrownBy(back::produceResponse).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("rspProdPvt: 0");
    }

    @Test
    void refusesAreasThatAreNotWholeNativePageAlignedRingAreas() {
        assertThatThrownBy(() -> FrontRing.init(MemorySegment.ofArray(new byte[4096]), 12))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("native");
        MemorySegment twoPages = area(arena, 1);
        assertThatThrownBy(() -> BackRing.init(twoPages.asSlice(64, 4096), 12))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("area.address");
        assertThatThrownBy(() -> BackRing.init(twoPages.asSlice(0, 3 * 1024), 12))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("area.byteSize: 3072");
        assertThatThrownBy(() -> FrontRing.init(area(arena, 0), 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("entrySize: 0");
        MemorySegment untouched = area(arena, 0);
        untouched.fill((byte) 0x55);
        assertThatThrownBy(() -> FrontRing.init(untouched, 4096))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(untouched.toArray(Layouts.U8)).as("rejected before SHARED_RING_INIT").containsOnly((byte) 0x55);
    }

    @Test
    void ringsAttachedJustBelowTheWrapKeepWorkingAcrossIt() {
        MemorySegment area = area(arena, 0);
        int start = 0xFFFF_FFF0;
        RingFixtures.liveHeader(area, start);
        FrontRing<?, ?> front = FrontRing.attach(area, NETIF_TX_ENTRY, start);
        BackRing<?, ?> back = BackRing.attach(area, NETIF_TX_ENTRY, start);

        for (int i = 0; i < 40; i++) {
            writeRequest(front.sring(), front.produceRequest(), i);
        }
        assertThat(front.freeRequests()).isEqualTo(256 - 40);
        assertThat(front.pushRequestsAndCheckNotify()).as("req_event start+1 in (start, start+40]").isTrue();
        assertThat(RingFixtures.reqProd(area)).isEqualTo(start + 40).isEqualTo(0x18);
        assertThat(back.unconsumedRequests()).isEqualTo(40);
        MemorySegment copy = arena.allocate(NETIF_TX_ENTRY);
        for (int i = 0; i < 40; i++) {
            back.copyRequest(back.reqCons(), copy);
            back.consumeRequest();
            assertThat(copy.get(Layouts.U32, 0)).isEqualTo(i);
            back.sring().set(Layouts.U32, back.produceResponse(), i);
        }
        assertThat(back.pushResponsesAndCheckNotify()).isTrue();
        assertThat(back.requestProdOverflow(back.reqProd())).isFalse();
        assertThat(front.responseProdOverflow(front.rspProd())).isFalse();
        assertThat(front.unconsumedResponses()).isEqualTo(40);
        for (int i = 0; i < 40; i++) {
            assertThat(front.sring().get(Layouts.U32, front.consumeResponse())).isEqualTo(i);
        }
        assertThat(front.rspCons()).isEqualTo(0x18);
        assertThat(front.finalCheckForResponses()).isFalse();
        assertThat(RingFixtures.rspEvent(area)).isEqualTo(0x19);
    }

    @Test
    void ringFactsAreRegisteredAndMatchTheGoldenTable() throws Exception {
        var facts = new RingAbiFacts().facts();
        assertThat(io.xensim.xenbus.abi.AbiFacts.all()).containsAll(facts);
        assertThat(io.xensim.xenbus.abi.GoldenAbi.disagreements(facts)).as("ring facts that disagree").isEmpty();
    }
}
