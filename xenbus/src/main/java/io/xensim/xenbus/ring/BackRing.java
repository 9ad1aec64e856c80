package io.xensim.xenbus.ring;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The backend's end of a shared ring ({@code struct <name>_back_ring} of {@code DEFINE_RING_TYPES},
 * xen/io/ring.h): it takes requests off the ring and puts responses on it, each response over a slot whose
 * request it has consumed.
 *
 * <p>The backend never initialises the shared header: {@link #init} is {@code BACK_RING_INIT}, which only sets
 * the private indices, as in C. Private state is {@code rsp_prod_pvt} ({@link #rspProdPvt()}) and
 * {@code req_cons} ({@link #reqCons()}). The recommended loop, as Linux's blkback writes it ({@code
 * __do_block_io_op}):
 * <pre>{@code
 * do {                                          // on the event
 *     if (back.requestProdOverflow(back.reqProd())) { fatal("bogus req_prod"); return; }
 *     while (back.hasUnconsumedRequests()) {
 *         if (back.requestConsOverflow(back.reqCons())) break;     // RING_REQUEST_CONS_OVERFLOW
 *         switch (back.takeRequest()) {                            // RING_COPY_REQUEST, then decode the copy
 *             case Decoded.Ok<Req>(var req) -> back.putResponse(handle(req));
 *             case Decoded.Malformed<Req>(var why) -> back.putResponse(error(idOf(back.lastTaken())));
 *         }
 *     }
 *     if (back.pushResponsesAndCheckNotify()) evtchn.send(port);
 * } while (back.finalCheckForRequests());
 * }</pre>
 * The ring's {@link RingType} fixes the slot size and the codecs ({@code DEFINE_RING_TYPES}).
 *
 * <p>A misbehaving frontend cannot make this class throw: {@link #requestProdOverflow(int)} tells that its
 * {@code req_prod} is impossible, {@link #unconsumedRequests()} is ring.h's {@code min()} of the published
 * requests and the free response slots (never more than {@link #size()}), and every slot address is masked
 * into the ring.
 *
 * <p><b>Threading:</b> a back ring is driven by exactly one thread at a time (the backend domain's executor); its
 * private indices are plain fields. Only the four header indices are shared with the frontend: this end stores
 * {@code rsp_prod} and {@code req_event} and loads {@code req_prod} and {@code rsp_event}. See
 * {@link FrontRing} for the argument that no notification is lost and no slot is written by both ends at once.
 *
 * <p><b>Reference:</b> ring.h's macros; the acquire load of {@code req_prod} stands for the {@code virt_rmb()}
 * that Linux's blkback and netback issue after reading it, which ring.h leaves to the driver.
 */
public final class BackRing<Q, S> {
    private static final VarHandle IDX = Layouts.ATOMIC_U32;
    private static final long REQ_PROD = SringDescriptor.REQ_PROD_OFFSET;
    private static final long REQ_EVENT = SringDescriptor.REQ_EVENT_OFFSET;
    private static final long RSP_PROD = SringDescriptor.RSP_PROD_OFFSET;
    private static final long RSP_EVENT = SringDescriptor.RSP_EVENT_OFFSET;

    private final RingType<Q, S> type;
    private final MemorySegment sring;
    /** Private copy of the last request taken ({@code RING_COPY_REQUEST}): the frontend cannot change it. */
    private final MemorySegment copy;
    private final int ringPageOrder;
    private final int entrySize;
    /** {@code nr_ents}: a power of two. */
    private final int size;
    private final int mask;

    /** {@code rsp_prod_pvt}: the index of the next response slot this end fills. */
    private int rspProdPvt;
    /** {@code req_cons}: the index of the next request this end reads. */
    private int reqCons;

    private BackRing(MemorySegment area, RingType<Q, S> type, int startIndex) {
        this.ringPageOrder = RingIdx.checkArea(area);
        this.type = type;
        this.sring = area;
        this.entrySize = type.entrySize();
        this.copy = Arena.ofAuto().allocate(entrySize, Long.BYTES);
        this.size = RingSize.entriesForOrder(ringPageOrder, entrySize);
        this.mask = size - 1;
        this.rspProdPvt = startIndex;
        this.reqCons = startIndex;
    }

    /** {@code BACK_RING_INIT}: attaches at index 0 and leaves the shared header untouched. */
    public static <Q, S> BackRing<Q, S> init(MemorySegment area, RingType<Q, S> type) {
        return new BackRing<>(area, type, 0);
    }

    /**
     * {@code BACK_RING_ATTACH}: attaches with both private indices at {@code startIndex} (a backend taking over
     * a live ring, e.g. after its own restart); the shared header is left as it is.
     */
    public static <Q, S> BackRing<Q, S> attach(MemorySegment area, RingType<Q, S> type, int startIndex) {
        return new BackRing<>(area, type, startIndex);
    }

    /** For the ring's own tests: a ring of opaque {@code entrySize}-byte slots. */
    static BackRing<MemorySegment, MemorySegment> init(MemorySegment area, int entrySize) {
        return init(area, RingType.opaque(entrySize));
    }

    /** For the ring's own tests: {@link #attach(MemorySegment, RingType, int)} with opaque slots. */
    static BackRing<MemorySegment, MemorySegment> attach(MemorySegment area, int entrySize, int startIndex) {
        return attach(area, RingType.opaque(entrySize), startIndex);
    }

    /** The request and response layouts of this ring. */
    public RingType<Q, S> type() {
        return type;
    }

    /** {@code RING_SIZE}: the number of slots, a power of two. */
    public int size() {
        return size;
    }

    /** The bytes of one slot: {@code sizeof(union <name>_sring_entry)}. */
    public int entrySize() {
        return entrySize;
    }

    /** The ring-page-order of the area: it covers {@code XEN_PAGE_SIZE << ringPageOrder()} bytes. */
    public int ringPageOrder() {
        return ringPageOrder;
    }

    /** The whole shared area, header included; slot {@code i} starts at {@link #slotOffset(int) slotOffset(i)}. */
    public MemorySegment sring() {
        return sring;
    }

    /** {@code rsp_prod_pvt}: the index the next {@link #produceResponse()} fills. */
    public int rspProdPvt() {
        return rspProdPvt;
    }

    /** {@code req_cons}: the index the next {@link #consumeRequest()} reads. */
    public int reqCons() {
        return reqCons;
    }

    /** The byte offset in {@link #sring()} of slot {@code index} ({@code &ring[index & (RING_SIZE - 1)]}). */
    public long slotOffset(int index) {
        return SringDescriptor.RING_OFFSET + (long) (index & mask) * entrySize;
    }

    /** {@code RING_GET_REQUEST}: a slice over slot {@code index}. The frontend can still rewrite it: copy first. */
    public MemorySegment getRequest(int index) {
        return sring.asSlice(slotOffset(index), entrySize);
    }

    /** {@code RING_GET_RESPONSE}: a slice over slot {@code index} (allocates a segment view; see {@link #slotOffset}). */
    public MemorySegment getResponse(int index) {
        return sring.asSlice(slotOffset(index), entrySize);
    }

    /**
     * {@code RING_COPY_REQUEST}: copies request slot {@code index} into {@code dest} (at least
     * {@link #entrySize()} bytes). Validate and use the copy: the frontend may rewrite the slot at any time, and
     * checking the shared bytes then reading them again is a double-fetch bug (XSA-155).
     */
    public void copyRequest(int index, MemorySegment dest) {
        MemorySegment.copy(sring, slotOffset(index), dest, 0, entrySize);
    }

    /**
     * The frontend's {@code req_prod}, loaded with acquire semantics: the request bytes it published before its
     * release store are visible after this load (the consumer-side read barrier).
     */
    public int reqProd() {
        // Acquire: pairs with FrontRing's setRelease of req_prod; slot reads below cannot move above this load.
        return (int) IDX.getAcquire(sring, REQ_PROD);
    }

    /** This end's own published {@code rsp_prod} (what the frontend sees). */
    public int rspProd() {
        // Plain: only this end stores rsp_prod.
        return (int) IDX.get(sring, RSP_PROD);
    }

    /**
     * {@code XEN_RING_NR_UNCONSUMED_REQUESTS}: the smaller of the requests published past {@code req_cons} and
     * the response slots still free ({@code size - (req_cons - rsp_prod_pvt)}), as ring.h computes it. The
     * second term bounds the count by {@link #size()} whatever the frontend wrote in {@code req_prod}.
     */
    public int unconsumedRequests() {
        int req = reqProd() - reqCons;
        int rsp = size - (reqCons - rspProdPvt);
        return RingIdx.minUnsigned(req, rsp);
    }

    /** {@code RING_HAS_UNCONSUMED_REQUESTS} (the {@code XEN_RING_HAS_UNCONSUMED_IS_BOOL} flavour). */
    public boolean hasUnconsumedRequests() {
        return unconsumedRequests() != 0;
    }

    /**
     * {@code RING_REQUEST_CONS_OVERFLOW}: true if consuming request {@code cons} would take a slot whose response
     * is not yet produced ({@code cons - rsp_prod_pvt >= size}); the loop-termination check of a backend.
     */
    public boolean requestConsOverflow(int cons) {
        return Integer.compareUnsigned(cons - rspProdPvt, size) >= 0;
    }

    /**
     * {@code RING_REQUEST_PROD_OVERFLOW}: true if the frontend's {@code prod} claims more than {@link #size()}
     * requests past {@code rsp_prod_pvt}, which no well-behaved frontend can publish (ring.h: "ill-behaved
     * frontend"); Linux's backends then disconnect the device.
     */
    public boolean requestProdOverflow(int prod) {
        return Integer.compareUnsigned(prod - rspProdPvt, size) > 0;
    }

    /**
     * {@code RING_GET_REQUEST(r, r->req_cons++)}: the offset in {@link #sring()} of the next request, consumed.
     * Call only for requests counted by {@link #unconsumedRequests()}; {@link #copyRequest} the slot first.
     *
     * @throws IllegalStateException on {@link #requestConsOverflow} of {@code req_cons}: the slot's previous
     *                               request has not been answered yet
     */
    public long consumeRequest() {
        if (requestConsOverflow(reqCons)) {
            throw new IllegalStateException("reqCons: " + Integer.toUnsignedString(reqCons)
                    + " (expected: fewer than " + size + " requests past rspProdPvt "
                    + Integer.toUnsignedString(rspProdPvt) + "; check unconsumedRequests() first)");
        }
        return slotOffset(reqCons++);
    }

    /**
     * {@code RING_GET_RESPONSE(r, r->rsp_prod_pvt++)}: claims the next response slot and returns its offset in
     * {@link #sring()}. The response is invisible to the frontend until {@link #pushResponses()}.
     *
     * @throws IllegalStateException if every consumed request already has its response (the slot would still
     *                               hold an unread request)
     */
    public long produceResponse() {
        if (rspProdPvt == reqCons) {
            throw new IllegalStateException("rspProdPvt: " + Integer.toUnsignedString(rspProdPvt)
                    + " (expected: below reqCons " + Integer.toUnsignedString(reqCons)
                    + "; a response answers a consumed request)");
        }
        return slotOffset(rspProdPvt++);
    }

    /**
     * The recommended way to read a request: {@code RING_COPY_REQUEST} of slot {@code req_cons} into a private
     * copy, consumed, then decoded from the copy, so that what is validated is what is used even if the frontend
     * rewrites the slot meanwhile (the double-fetch that XSA-155 fixed). Call only for requests counted by
     * {@link #unconsumedRequests()}, after checking {@link #requestConsOverflow(int)}. The copy stays readable at
     * {@link #lastTaken()} until the next call (to answer a malformed request by its id).
     */
    public Decoded<Q> takeRequest() {
        copyRequest(reqCons, copy);
        consumeRequest();
        return type.request().decoder().apply(copy);
    }

    /** The private copy of the slot the last {@link #takeRequest()} read. */
    public MemorySegment lastTaken() {
        return copy;
    }

    /**
     * Writes {@code response} into the next response slot ({@link #produceResponse()} and the ring type's
     * encoder); invisible to the frontend until {@link #pushResponses()}.
     */
    public void putResponse(S response) {
        type.response().encoder().accept(response, sring.asSlice(produceResponse(), entrySize));
    }

    /** {@code RING_PUSH_RESPONSES}: publishes the responses produced so far, without a notify decision. */
    public void pushResponses() {
        // Release (xen_wmb): the response bytes become visible before rsp_prod; pairs with FrontRing.rspProd()'s acquire.
        IDX.setRelease(sring, RSP_PROD, rspProdPvt);
    }

    /**
     * {@code RING_PUSH_RESPONSES_AND_CHECK_NOTIFY}: publishes the responses produced so far and returns true if
     * the frontend asked to be notified of one of them ({@code rsp_event} in {@code (old rsp_prod, new rsp_prod]}).
     */
    public boolean pushResponsesAndCheckNotify() {
        int oldProd = (int) IDX.get(sring, RSP_PROD); // plain: our own last store
        int newProd = rspProdPvt;
        // Release (xen_wmb): the response bytes become visible before rsp_prod; pairs with FrontRing.rspProd()'s acquire.
        IDX.setRelease(sring, RSP_PROD, newProd);
        // Full fence (xen_mb): the rsp_prod store before the rsp_event load; pairs with the fence in
        // FrontRing.finalCheckForResponses between its rsp_event store and its rsp_prod re-load.
        VarHandle.fullFence();
        int rspEvent = (int) IDX.getOpaque(sring, RSP_EVENT);
        return RingIdx.needsNotify(oldProd, newProd, rspEvent);
    }

    /**
     * {@code RING_FINAL_CHECK_FOR_REQUESTS}: true if requests are waiting. Otherwise sets
     * {@code req_event = req_cons + 1}, so that the frontend's next published request notifies, and checks once
     * more, which closes the race with a request published in between. False means: sleep until the event.
     */
    public boolean finalCheckForRequests() {
        if (hasUnconsumedRequests()) {
            return true;
        }
        IDX.setOpaque(sring, REQ_EVENT, reqCons + 1);
        // Full fence (xen_mb): the req_event store before the req_prod re-load; pairs with the fence in
        // FrontRing.pushRequestsAndCheckNotify between its req_prod store and its req_event load.
        VarHandle.fullFence();
        return hasUnconsumedRequests();
    }

    @Override
    public String toString() {
        return "BackRing[" + type.name() + ", size=" + size + ", entrySize=" + entrySize
                + ", rspProdPvt=" + Integer.toUnsignedString(rspProdPvt)
                + ", reqCons=" + Integer.toUnsignedString(reqCons)
                + ", req_prod=" + Integer.toUnsignedString(reqProd())
                + ", rsp_prod=" + Integer.toUnsignedString(rspProd()) + "]";
    }
}
