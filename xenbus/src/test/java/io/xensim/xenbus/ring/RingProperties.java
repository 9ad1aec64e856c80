package io.xensim.xenbus.ring;

import static io.xensim.xenbus.ring.RingFixtures.area;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.math.BigInteger;
import java.util.ArrayDeque;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class RingProperties {
    private static final BigInteger TWO_TO_32 = BigInteger.ONE.shiftLeft(32);

    /** "event lies in (old, new]" computed on unbounded integers: the window's distances taken modulo 2^32. */
    private static boolean eventInWindow(int oldProd, int newProd, int event) {
        BigInteger o = BigInteger.valueOf(Integer.toUnsignedLong(oldProd));
        BigInteger published = BigInteger.valueOf(Integer.toUnsignedLong(newProd)).subtract(o).mod(TWO_TO_32);
        BigInteger eventAhead = BigInteger.valueOf(Integer.toUnsignedLong(event)).subtract(o).mod(TWO_TO_32);
        return eventAhead.signum() > 0 && eventAhead.compareTo(published) <= 0;
    }

    private static long unsigned(int distance) {
        return Integer.toUnsignedLong(distance);
    }

    @Provide
    Arbitrary<Integer> indices() {
        // Anywhere, and in particular just below and across the wrap at 2^32.
        return Arbitraries.oneOf(Arbitraries.integers(), Arbitraries.integers().between(-600, 600));
    }

    @Provide
    Arbitrary<Integer> entrySizes() {
        // netif_rx, netif_tx, xen_netif_ctrl, blkif entries, and anything else that fits a page.
        return Arbitraries.oneOf(Arbitraries.of(8, 12, 16, 112), Arbitraries.integers().between(1, 4032));
    }

    // ---- the notify decision ----

    @Property
    void notifyDecisionMatchesTheWindowModelForAnyIndices(@ForAll int oldProd, @ForAll int newProd,
                                                          @ForAll int event) {
        assertThat(RingIdx.needsNotify(oldProd, newProd, event)).isEqualTo(eventInWindow(oldProd, newProd, event));
    }

    @Property
    void notifyDecisionMatchesTheWindowModelNearItsEdges(@ForAll("indices") int oldProd,
                                                         @ForAll @IntRange(max = 600) int published,
                                                         @ForAll @IntRange(min = -600, max = 1200) int eventAhead) {
        int newProd = oldProd + published;
        int event = oldProd + eventAhead;
        assertThat(RingIdx.needsNotify(oldProd, newProd, event))
                .isEqualTo(eventInWindow(oldProd, newProd, event))
                .isEqualTo(eventAhead >= 1 && eventAhead <= published);
    }

    @Property
    void pushesNotifyExactlyWhenThePeersEventIsAmongTheNewEntries(@ForAll("indices") int start,
                                                                   @ForAll @IntRange(max = 256) int count,
                                                                   @ForAll @IntRange(min = -300, max = 600) int eventAhead) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment area = area(arena, 0);
            RingFixtures.header(area, start, start + eventAhead, start, start + eventAhead);
            FrontRing<?, ?> front = FrontRing.attach(area, 12, start);
            BackRing<?, ?> back = BackRing.attach(area, 12, start);
            for (int i = 0; i < count; i++) {
                front.produceRequest();
            }
            assertThat(front.pushRequestsAndCheckNotify())
                    .isEqualTo(eventInWindow(start, start + count, start + eventAhead));
            for (int i = 0; i < count; i++) {
                back.consumeRequest();
                back.produceResponse();
            }
            assertThat(back.pushResponsesAndCheckNotify())
                    .isEqualTo(eventInWindow(start, start + count, start + eventAhead));
        }
    }

    // ---- final check ----

    @Property
    void finalCheckForRequestsRearmsReqEventOnlyWhenIdle(@ForAll("indices") int start,
                                                        @ForAll @IntRange(max = 256) int published,
                                                        @ForAll @IntRange(max = 256) int consumedWish) {
        int consumed = Math.min(published, consumedWish);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment area = area(arena, 0);
            RingFixtures.liveHeader(area, start);
            RingFixtures.pokeReqProd(area, start + published);
            BackRing<?, ?> back = BackRing.attach(area, 12, start);
            for (int i = 0; i < consumed; i++) {
                back.consumeRequest();
            }
            int eventBefore = RingFixtures.reqEvent(area);

            boolean work = back.finalCheckForRequests();

            assertThat(work).isEqualTo(consumed < published);
            assertThat(RingFixtures.reqEvent(area)).isEqualTo(work ? eventBefore : start + consumed + 1);
        }
    }

    @Property
    void finalCheckForResponsesRearmsRspEventOnlyWhenIdle(@ForAll("indices") int start,
                                                         @ForAll @IntRange(max = 256) int outstanding,
                                                         @ForAll @IntRange(max = 256) int answeredWish,
                                                         @ForAll @IntRange(max = 256) int consumedWish) {
        int answered = Math.min(outstanding, answeredWish);
        int consumed = Math.min(answered, consumedWish);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment area = area(arena, 0);
            RingFixtures.liveHeader(area, start);
            FrontRing<?, ?> front = FrontRing.attach(area, 12, start);
            for (int i = 0; i < outstanding; i++) {
                front.produceRequest();
            }
            front.pushRequests();
            RingFixtures.pokeRspProd(area, start + answered);
            for (int i = 0; i < consumed; i++) {
                front.consumeResponse();
            }
            int eventBefore = RingFixtures.rspEvent(area);

            boolean work = front.finalCheckForResponses();

            assertThat(work).isEqualTo(consumed < answered);
            assertThat(RingFixtures.rspEvent(area)).isEqualTo(work ? eventBefore : start + consumed + 1);
        }
    }

    @Property
    void batchedFinalCheckRearmsRspEventBatchAheadAndNotifiesOnTheBatchsLastResponse(
            @ForAll("indices") int start, @ForAll @IntRange(min = 1, max = 256) int outstanding,
            @ForAll @IntRange(min = 1, max = 256) int batchWish) {
        int batch = Math.min(batchWish, outstanding);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment area = area(arena, 0);
            RingFixtures.liveHeader(area, start);
            FrontRing<?, ?> front = FrontRing.attach(area, 12, start);
            BackRing<?, ?> back = BackRing.attach(area, 12, start);
            for (int i = 0; i < outstanding; i++) {
                front.produceRequest();
            }
            front.pushRequests();
            back.pushResponses(); // nothing new: rsp_prod stays at start

            assertThat(front.finalCheckForResponses(batch)).isFalse();
            assertThat(RingFixtures.rspEvent(area)).isEqualTo(start + batch);
            int notifiedAt = -1;
            for (int i = 1; i <= outstanding; i++) {
                back.consumeRequest();
                back.produceResponse();
                if (back.pushResponsesAndCheckNotify()) {
                    assertThat(notifiedAt).as("one notification only").isEqualTo(-1);
                    notifiedAt = i;
                }
            }
            assertThat(notifiedAt).isEqualTo(batch);
        }
    }

    // ---- misbehaving peers ----

    @Provide
    Arbitrary<Integer> bogusDistances() {
        return Arbitraries.oneOf(Arbitraries.integers(), Arbitraries.integers().between(-5, 520));
    }

    @Property
    void aBogusReqProdIsDetectedAndNeverYieldsMoreThanSizeRequests(@ForAll("indices") int start,
                                                                  @ForAll @IntRange(max = 256) int answered,
                                                                  @ForAll("bogusDistances") int bogusAhead) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment area = area(arena, 0);
            RingFixtures.liveHeader(area, start);
            RingFixtures.pokeReqProd(area, start + answered);
            BackRing<?, ?> back = BackRing.attach(area, 12, start);
            for (int i = 0; i < answered; i++) {
                back.consumeRequest();
                back.produceResponse();
            }
            back.pushResponses();
            int bogus = start + answered + bogusAhead; // req_prod relative to rsp_prod_pvt: bogusAhead
            RingFixtures.pokeReqProd(area, bogus);

            assertThat(back.requestProdOverflow(back.reqProd())).isEqualTo(unsigned(bogusAhead) > back.size());
            int n = back.unconsumedRequests();
            assertThat(unsigned(n)).isLessThanOrEqualTo(back.size())
                    .isEqualTo(Math.min(unsigned(bogusAhead), back.size()));
            for (int k = 0; k < n; k++) { // a backend trusting the bounded count never trips its own checks
                back.consumeRequest();
            }
            assertThat(back.requestConsOverflow(back.reqCons())).isEqualTo(n == back.size());
        }
    }

    @Property
    void aBogusRspProdIsDetectedAndNeverYieldsMoreThanTheOutstandingResponses(
            @ForAll("indices") int start, @ForAll @IntRange(max = 256) int outstanding,
            @ForAll("bogusDistances") int bogusAhead) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment area = area(arena, 0);
            RingFixtures.liveHeader(area, start);
            FrontRing<?, ?> front = FrontRing.attach(area, 12, start);
            for (int i = 0; i < outstanding; i++) {
                front.produceRequest();
            }
            front.pushRequests();
            RingFixtures.pokeRspProd(area, start + bogusAhead);

            assertThat(front.responseProdOverflow(front.rspProd())).isEqualTo(unsigned(bogusAhead) > front.size());
            int n = front.unconsumedResponses();
            assertThat(unsigned(n)).isEqualTo(Math.min(unsigned(bogusAhead), outstanding));
            for (int k = 0; k < n; k++) {
                front.consumeResponse();
            }
            assertThat(front.freeRequests()).isBetween(0, front.size());
        }
    }

    @Property
    void requestConsOverflowMatchesTheMacro(@ForAll("indices") int start, @ForAll int cons) {
        try (Arena arena = Arena.ofConfined()) {
            BackRing<?, ?> back = BackRing.attach(area(arena, 0), 12, start);
            assertThat(back.requestConsOverflow(cons)).isEqualTo(unsigned(cons - start) >= back.size());
        }
    }

    // ---- sizes ----

    @Property
    void sizesAreTheLargestPowerOfTwoThatFitsForEveryOrder(@ForAll @IntRange(max = 4) int order,
                                                           @ForAll("entrySizes") int entrySize) {
        long bytes = (long) Layouts.XEN_PAGE_SIZE << order;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment area = area(arena, order);
            FrontRing<?, ?> front = FrontRing.init(area, entrySize);
            BackRing<?, ?> back = BackRing.init(area, entrySize);
            int size = front.size();

            assertThat(back.size()).isEqualTo(size).isEqualTo(RingSize.entriesForOrder(order, entrySize));
            assertThat(Integer.bitCount(size)).isEqualTo(1);
            assertThat(SringDescriptor.RING_OFFSET + (long) size * entrySize).isLessThanOrEqualTo(bytes);
            assertThat(SringDescriptor.RING_OFFSET + 2L * size * entrySize).isGreaterThan(bytes);
            assertThat(front.slotOffset(size - 1) + entrySize).isLessThanOrEqualTo(bytes);
            assertThat(back.slotOffset(-1)).isEqualTo(front.slotOffset(size - 1));
            assertThat(front.freeRequests()).isEqualTo(size);
        }
    }

    @Property
    void knownProtocolRingsHaveTheProbedSizes(@ForAll @IntRange(max = 4) int order) {
        assertThat(RingSize.entriesForOrder(order, 112)).isEqualTo(32 << order);   // blkif
        assertThat(RingSize.entriesForOrder(order, 12)).isEqualTo(256 << order);   // netif_tx
        assertThat(RingSize.entriesForOrder(order, 8)).isEqualTo(256 << order);    // netif_rx
        assertThat(RingSize.entriesForOrder(order, 16)).isEqualTo(128 << order);   // xen_netif_ctrl
    }

    // ---- wrap and random interleavings ----

    @Property
    void indicesWrapAcrossTwoToThe32(@ForAll @IntRange(min = 0xFFFF_FE00, max = -1) int start,
                                    @ForAll @IntRange(max = 2) int order,
                                    @ForAll @IntRange(min = 1, max = 97) int batch) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment area = area(arena, order);
            RingFixtures.liveHeader(area, start);
            FrontRing<?, ?> front = FrontRing.attach(area, 12, start);
            BackRing<?, ?> back = BackRing.attach(area, 12, start);
            int total = 2 * front.size() + 700;
            int sent = 0;
            int received = 0;
            while (received < total) {
                for (int k = 0; k < batch && sent < total && !front.full(); k++) {
                    front.sring().set(Layouts.U32, front.produceRequest(), sent++);
                }
                front.pushRequests();
                for (int n = back.unconsumedRequests(), k = 0; k < n; k++) {
                    int seq = back.sring().get(Layouts.U32, back.consumeRequest());
                    back.sring().set(Layouts.U32, back.produceResponse(), ~seq);
                }
                back.pushResponses();
                for (int n = front.unconsumedResponses(), k = 0; k < n; k++) {
                    assertThat(front.sring().get(Layouts.U32, front.consumeResponse())).isEqualTo(~received++);
                }
            }
            int end = start + total;
            assertThat(Integer.compareUnsigned(end, start)).as("wrapped").isNegative();
            assertThat(front.reqProdPvt()).isEqualTo(end);
            assertThat(front.rspCons()).isEqualTo(end);
            assertThat(back.reqCons()).isEqualTo(end);
            assertThat(back.rspProdPvt()).isEqualTo(end);
            assertThat(RingFixtures.reqProd(area)).isEqualTo(end);
            assertThat(RingFixtures.rspProd(area)).isEqualTo(end);
        }
    }

    enum Op {
        FRONT_PRODUCE, FRONT_PUSH, FRONT_PUSH_AND_CHECK_NOTIFY, FRONT_CONSUME, FRONT_FINAL_CHECK,
        BACK_CONSUME, BACK_RESPOND, BACK_PUSH, BACK_PUSH_AND_CHECK_NOTIFY, BACK_FINAL_CHECK
    }

    record Step(Op op, int count) {
    }

    @Provide
    Arbitrary<List<Step>> schedules() {
        Arbitrary<Step> step = Combinators.combine(Arbitraries.of(Op.class), Arbitraries.integers().between(1, 300))
                .as(Step::new);
        return step.list().ofMaxSize(300);
    }

    /**
     * Any interleaving of the two ends' operations keeps the indices ordered
     * {@code rsp_cons <= rsp_prod <= rsp_prod_pvt <= req_cons <= req_prod <= req_prod_pvt <= rsp_cons + size}
     * (as distances from {@code rsp_cons}, modulo 2^32), delivers requests and responses in order, loses no
     * wakeup and sends no needless one.
     */
    @Property
    void randomInterleavingsKeepTheIndicesInOrderAndLoseNoWakeup(@ForAll("indices") int start,
                                                                @ForAll @IntRange(max = 1) int order,
                                                                @ForAll @From("entrySizes") int entrySize,
                                                                @ForAll("schedules") List<Step> schedule) {
        int entry = Math.max(4, Math.min(entrySize, 1024));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment area = area(arena, order);
            RingFixtures.liveHeader(area, start);
            FrontRing<?, ?> front = FrontRing.attach(area, entry, start);
            BackRing<?, ?> back = BackRing.attach(area, entry, start);
            int size = front.size();
            var pending = new ArrayDeque<Integer>(); // requests the backend consumed and has not answered
            int nextSeq = 0;
            int nextRequestSeen = 0;
            int nextResponseSeen = 0;
            // liveHeader sets both events to start + 1: each end waits for the first entry, as after SHARED_RING_INIT.
            boolean backAsleep = true;
            boolean frontAsleep = true;

            for (Step step : schedule) {
                switch (step.op()) {
                    case FRONT_PRODUCE -> {
                        for (int k = 0; k < step.count() && !front.full(); k++) {
                            front.sring().set(Layouts.U32, front.produceRequest(), nextSeq++);
                        }
                    }
                    case FRONT_PUSH -> {
                        boolean publishes = front.reqProd() != front.reqProdPvt();
                        front.pushRequests();
                        backAsleep &= !publishes; // the wakeup, if one was due, is dropped on purpose
                    }
                    case FRONT_PUSH_AND_CHECK_NOTIFY -> {
                        boolean publishes = front.reqProd() != front.reqProdPvt();
                        assertThat(front.pushRequestsAndCheckNotify()).as("notify").isEqualTo(backAsleep && publishes);
                        backAsleep &= !publishes;
                    }
                    case FRONT_CONSUME -> {
                        int n = Math.min(step.count(), front.unconsumedResponses());
                        for (int k = 0; k < n; k++) {
                            assertThat(front.sring().get(Layouts.U32, front.consumeResponse()))
                                    .isEqualTo(~nextResponseSeen++);
                        }
                    }
                    case FRONT_FINAL_CHECK -> frontAsleep = !front.finalCheckForResponses();
                    case BACK_CONSUME -> {
                        int n = Math.min(step.count(), back.unconsumedRequests());
                        for (int k = 0; k < n; k++) {
                            int seq = back.sring().get(Layouts.U32, back.consumeRequest());
                            assertThat(seq).isEqualTo(nextRequestSeen++);
                            pending.add(seq);
                        }
                    }
                    case BACK_RESPOND -> {
                        for (int k = 0; k < step.count() && !pending.isEmpty(); k++) {
                            back.sring().set(Layouts.U32, back.produceResponse(), ~pending.poll());
                        }
                    }
                    case BACK_PUSH -> {
                        boolean publishes = back.rspProd() != back.rspProdPvt();
                        back.pushResponses();
                        frontAsleep &= !publishes;
                    }
                    case BACK_PUSH_AND_CHECK_NOTIFY -> {
                        boolean publishes = back.rspProd() != back.rspProdPvt();
                        assertThat(back.pushResponsesAndCheckNotify()).as("notify").isEqualTo(frontAsleep && publishes);
                        frontAsleep &= !publishes;
                    }
                    case BACK_FINAL_CHECK -> backAsleep = !back.finalCheckForRequests();
                }

                int rspCons = front.rspCons();
                long outstanding = unsigned(front.reqProdPvt() - rspCons);
                assertThat(outstanding).as("0 <= reqProdPvt - rspCons <= size").isBetween(0L, (long) size);
                assertThat(front.freeRequests()).isEqualTo(size - (int) outstanding);
                long[] chain = {
                    unsigned(front.rspProd() - rspCons),
                    unsigned(back.rspProdPvt() - rspCons),
                    unsigned(back.reqCons() - rspCons),
                    unsigned(back.reqProd() - rspCons),
                    outstanding};
                for (int i = 1; i < chain.length; i++) {
                    assertThat(chain[i - 1]).as("index chain %s", java.util.Arrays.toString(chain))
                            .isLessThanOrEqualTo(chain[i]);
                }
                assertThat(unsigned(back.unconsumedRequests())).isLessThanOrEqualTo(size);
                assertThat(unsigned(front.unconsumedResponses())).isLessThanOrEqualTo(outstanding);
                assertThat(back.requestProdOverflow(back.reqProd())).isFalse();
                assertThat(front.responseProdOverflow(front.rspProd())).isFalse();
            }
        }
    }
}
