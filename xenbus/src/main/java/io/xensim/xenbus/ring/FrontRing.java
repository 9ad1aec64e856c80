package io.xensim.xenbus.ring;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;

/**
 * The frontend's end of a shared ring ({@code struct <name>_front_ring} of {@code DEFINE_RING_TYPES},
 * xen/io/ring.h): it puts requests on the ring and takes responses off it.
 *
 * <p>The shared area is the {@code <name>_sring} ({@link SringDescriptor}: a 64-byte header of four
 * {@code RING_IDX}, then {@link #size()} slots of {@link #entrySize()} bytes). Private state is ring.h's:
 * {@code req_prod_pvt} ({@link #reqProdPvt()}, the next slot to fill) and {@code rsp_cons} ({@link #rspCons()},
 * the next response to read). {@code Q} and {@code S} are the request and response types of the ring's
 * {@link RingType}; {@link #putRequest} and {@link #takeResponse} go through its codecs, and a hot path may
 * instead address a slot allocation-free at {@code slotOffset(i)} within {@link #sring()}.
 *
 * <p>Verbs are ring.h's macros in camelCase ({@code RING_PUSH_REQUESTS_AND_CHECK_NOTIFY} is
 * {@link #pushRequestsAndCheckNotify()}). The recommended loop, as Linux's blkfront writes it:
 * <pre>{@code
 * front.putRequest(req);                          // RING_GET_REQUEST(r, r->req_prod_pvt++), then the encoder
 * if (front.pushRequestsAndCheckNotify()) evtchn.send(port);
 * ...
 * do {                                          // on the event
 *     if (front.responseProdOverflow(front.rspProd())) { fatal("illegal number of responses"); return; }
 *     int n = front.unconsumedResponses();
 *     for (int k = 0; k < n; k++) use(front.takeResponse());   // RING_COPY_RESPONSE, then decode the copy
 * } while (front.finalCheckForResponses());
 * }</pre>
 * The ring's {@link RingType} fixes the slot size and the codecs ({@code DEFINE_RING_TYPES}).
 *
 * <p>A misbehaving backend cannot make this class throw: {@link #responseProdOverflow(int)} tells that its
 * {@code rsp_prod} is impossible, {@link #unconsumedResponses()} never exceeds the requests actually outstanding
 * (so never {@link #size()}), and every slot address is masked into the ring.
 *
 * <p><b>Threading:</b> a front ring is driven by exactly one thread at a time (the guest domain's executor); its
 * private indices are plain fields. Only the four header indices are shared with the backend, which runs on
 * another thread: this end stores {@code req_prod} and {@code rsp_event} and loads {@code rsp_prod} and
 * {@code req_event}, with the orderings described on each method. The slot bytes are ordered by those index
 * accesses (written before the release of {@code req_prod}; read after the acquire of {@code rsp_prod}).
 *
 * <p><b>Reference:</b> ring.h's macros; ring.h has no read barrier after loading the peer's producer index, which
 * real drivers add ({@code virt_rmb()} in Linux's blkfront and netfront): here that is the acquire load.
 */
public final class FrontRing<Q, S> {
    /*
     * Correctness (why no wakeup is lost), as ring.h argues it. The frontend publishes with
     *   store req_prod = new; fullFence; load req_event          (pushRequestsAndCheckNotify)
     * and the backend goes to sleep with
     *   store req_event = req_cons + 1; fullFence; load req_prod (BackRing.finalCheckForRequests).
     * Each side stores then loads with a full fence between (Dekker), so at least one of them sees the other's
     * store: either the backend's re-load sees the new req_prod (it keeps working), or the frontend's load sees
     * req_event = req_cons + 1 <= new, which lies in (old, new] because the backend had consumed everything up
     * to old (it found no work), so the frontend notifies. The response direction is the mirror image
     * (pushResponsesAndCheckNotify against finalCheckForResponses).
     *
     * Slots: the frontend writes request bytes before setRelease(req_prod); the backend reads them after
     * getAcquire(req_prod). The backend reads a request and writes its response over the slot before
     * setRelease(rsp_prod); the frontend reuses the slot for a new request only after getAcquire(rsp_prod)
     * shows that response, so a slot is never written by both ends at once. All counts are unsigned differences
     * of free-running 32-bit indices and stay correct across the wrap at 2^32.
     */

    private static final VarHandle IDX = Layouts.ATOMIC_U32;
    private static final long REQ_PROD = SringDescriptor.REQ_PROD_OFFSET;
    private static final long REQ_EVENT = SringDescriptor.REQ_EVENT_OFFSET;
    private static final long RSP_PROD = SringDescriptor.RSP_PROD_OFFSET;
    private static final long RSP_EVENT = SringDescriptor.RSP_EVENT_OFFSET;

    private final RingType<Q, S> type;
    private final MemorySegment sring;
    /** Private copy of the last response taken ({@code RING_COPY_RESPONSE}): the backend cannot change it. */
    private final MemorySegment copy;
    private final int ringPageOrder;
    private final int entrySize;
    /** {@code nr_ents}: a power of two. */
    private final int size;
    private final int mask;

    /** {@code req_prod_pvt}: the index of the next request slot this end fills. */
    private int reqProdPvt;
    /** {@code rsp_cons}: the index of the next response this end reads. */
    private int rspCons;

    private FrontRing(MemorySegment area, RingType<Q, S> type, int startIndex) {
        this.ringPageOrder = RingIdx.checkArea(area);
        this.type = type;
        this.sring = area;
        this.entrySize = type.entrySize();
        this.copy = Arena.ofAuto().allocate(entrySize, Long.BYTES);
        this.size = RingSize.entriesForOrder(ringPageOrder, entrySize);
        this.mask = size - 1;
        this.reqProdPvt = startIndex;
        this.rspCons = startIndex;
    }

    /**
     * {@code XEN_FRONT_RING_INIT}: {@code SHARED_RING_INIT} of the area's header, then {@code FRONT_RING_INIT}
     * (private indices 0). Only the frontend initialises the shared ring, before it grants the pages and writes
     * {@code ring-ref} to xenstore.
     *
     * @param area the whole ring area: native, page-aligned, {@code XEN_PAGE_SIZE << order} bytes, order 0..4
     * @param type the ring's request and response layouts, which fix the slot size
     */
    public static <Q, S> FrontRing<Q, S> init(MemorySegment area, RingType<Q, S> type) {
        FrontRing<Q, S> ring = new FrontRing<>(area, type, 0); // validates before the header is written
        sharedRingInit(area);
        return ring;
    }

    /**
     * {@code FRONT_RING_ATTACH}: takes over a live ring whose header is left as it is, with both private
     * indices at {@code startIndex} (for instance after the frontend reconnects to a ring it had set up).
     */
    public static <Q, S> FrontRing<Q, S> attach(MemorySegment area, RingType<Q, S> type, int startIndex) {
        return new FrontRing<>(area, type, startIndex);
    }

    /** For the ring's own tests: a ring of opaque {@code entrySize}-byte slots. */
    static FrontRing<MemorySegment, MemorySegment> init(MemorySegment area, int entrySize) {
        return init(area, RingType.opaque(entrySize));
    }

    /** For the ring's own tests: {@link #attach(MemorySegment, RingType, int)} with opaque slots. */
    static FrontRing<MemorySegment, MemorySegment> attach(MemorySegment area, int entrySize, int startIndex) {
        return attach(area, RingType.opaque(entrySize), startIndex);
    }

    /**
     * {@code SHARED_RING_INIT}: {@code req_prod = rsp_prod = 0}, {@code req_event = rsp_event = 1}, {@code pvt}
     * and {@code __pad} zeroed. The slots are left as they are, as in C.
     */
    public static void sharedRingInit(MemorySegment area) {
        RingIdx.checkArea(area);
        // Plain stores: the ring is not shared yet; the grant and the xenstore write of ring-ref publish it.
        IDX.set(area, REQ_PROD, SringDescriptor.INITIAL_PROD);
        IDX.set(area, RSP_PROD, SringDescriptor.INITIAL_PROD);
        IDX.set(area, REQ_EVENT, SringDescriptor.INITIAL_EVENT);
        IDX.set(area, RSP_EVENT, SringDescriptor.INITIAL_EVENT);
        area.asSlice(SringDescriptor.PVT_OFFSET, SringDescriptor.PVT_LENGTH).fill((byte) 0);
        area.asSlice(SringDescriptor.PAD_OFFSET, SringDescriptor.PAD_LENGTH).fill((byte) 0);
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

    /** {@code req_prod_pvt}: the index the next {@link #produceRequest()} fills. */
    public int reqProdPvt() {
        return reqProdPvt;
    }

    /** {@code rsp_cons}: the index the next {@link #consumeResponse()} reads. */
    public int rspCons() {
        return rspCons;
    }

    /** The byte offset in {@link #sring()} of slot {@code index} ({@code &ring[index & (RING_SIZE - 1)]}). */
    public long slotOffset(int index) {
        return SringDescriptor.RING_OFFSET + (long) (index & mask) * entrySize;
    }

    /** {@code RING_GET_REQUEST}: a slice over slot {@code index} (allocates a segment view; see {@link #slotOffset}). */
    public MemorySegment getRequest(int index) {
        return sring.asSlice(slotOffset(index), entrySize);
    }

    /** {@code RING_GET_RESPONSE}: a slice over slot {@code index}. The backend can still rewrite it: copy first. */
    public MemorySegment getResponse(int index) {
        return sring.asSlice(slotOffset(index), entrySize);
    }

    /**
     * {@code RING_COPY_RESPONSE}: copies response slot {@code index} into {@code dest} (at least
     * {@link #entrySize()} bytes), so that validation and use see bytes the backend can no longer change.
     */
    public void copyResponse(int index, MemorySegment dest) {
        MemorySegment.copy(sring, slotOffset(index), dest, 0, entrySize);
    }

    /** {@code RING_FREE_REQUESTS}: slots this end may still fill before a response comes back. */
    public int freeRequests() {
        return size - (reqProdPvt - rspCons);
    }

    /** {@code RING_FULL}: {@code size()} requests are outstanding (filled and not yet answered and consumed). */
    public boolean full() {
        return freeRequests() == 0;
    }

    /**
     * {@code RING_GET_REQUEST(r, r->req_prod_pvt++)}: claims the next request slot and returns its offset in
     * {@link #sring()}. The request is invisible to the backend until {@link #pushRequests()}.
     *
     * @throws IllegalStateException if the ring is {@link #full()} (the slot still holds an unread response)
     */
    public long produceRequest() {
        if (reqProdPvt - rspCons == size) {
            throw new IllegalStateException("reqProdPvt: " + Integer.toUnsignedString(reqProdPvt)
                    + " (expected: fewer than " + size + " requests outstanding past rspCons "
                    + Integer.toUnsignedString(rspCons) + "; check full() first)");
        }
        return slotOffset(reqProdPvt++);
    }

    /**
     * The backend's {@code rsp_prod}, loaded with acquire semantics: the response bytes it published before
     * its release store are visible after this load (the consumer-side read barrier).
     */
    public int rspProd() {
        // Acquire: pairs with BackRing's setRelease of rsp_prod; slot reads below cannot move above this load.
        return (int) IDX.getAcquire(sring, RSP_PROD);
    }

    /** This end's own published {@code req_prod} (what the backend sees). */
    public int reqProd() {
        // Plain: only this end stores req_prod.
        return (int) IDX.get(sring, REQ_PROD);
    }

    /**
     * {@code XEN_RING_NR_UNCONSUMED_RESPONSES}: responses published and not yet consumed. ring.h takes the raw
     * {@code rsp_prod - rsp_cons}; here, as ring.h's back end does with its {@code min()}, the count is bounded
     * by the requests actually outstanding ({@code req_prod_pvt - rsp_cons}), so a bogus {@code rsp_prod} never
     * yields more than {@link #size()} (report it with {@link #responseProdOverflow(int)}).
     */
    public int unconsumedResponses() {
        return RingIdx.minUnsigned(rspProd() - rspCons, reqProdPvt - rspCons);
    }

    /** {@code RING_HAS_UNCONSUMED_RESPONSES} (the {@code XEN_RING_HAS_UNCONSUMED_IS_BOOL} flavour). */
    public boolean hasUnconsumedResponses() {
        return unconsumedResponses() != 0;
    }

    /**
     * {@code RING_RESPONSE_PROD_OVERFLOW}: true if the backend's {@code prod} claims more than {@link #size()}
     * responses past {@code rsp_cons}, which no well-behaved backend can publish (ring.h: "ill-behaved backend").
     */
    public boolean responseProdOverflow(int prod) {
        return Integer.compareUnsigned(prod - rspCons, size) > 0;
    }

    /**
     * {@code RING_GET_RESPONSE(r, r->rsp_cons++)}: the offset in {@link #sring()} of the next response, consumed.
     * Call only for responses counted by {@link #unconsumedResponses()}, and copy the slot before trusting it.
     *
     * @throws IllegalStateException if no request is outstanding (there can be no response to read)
     */
    public long consumeResponse() {
        if (rspCons == reqProdPvt) {
            throw new IllegalStateException("rspCons: " + Integer.toUnsignedString(rspCons)
                    + " (expected: below reqProdPvt " + Integer.toUnsignedString(reqProdPvt)
                    + "; check unconsumedResponses() first)");
        }
        return slotOffset(rspCons++);
    }

    /**
     * Writes {@code request} into the next request slot ({@link #produceRequest()} and the ring type's encoder).
     * It is invisible to the backend until {@link #pushRequests()}.
     *
     * @throws IllegalStateException if the ring is {@link #full()}
     */
    public void putRequest(Q request) {
        type.request().encoder().accept(request, sring.asSlice(produceRequest(), entrySize));
    }

    /**
     * The recommended way to read a response: {@code RING_COPY_RESPONSE} of the next slot into a private copy,
     * consumed, then decoded from the copy, so what is checked is what is used even if the backend rewrites the
     * slot meanwhile. Call only for responses counted by {@link #unconsumedResponses()}. The copy stays readable
     * at {@link #lastTaken()} until the next call.
     */
    public Decoded<S> takeResponse() {
        copyResponse(rspCons, copy);
        consumeResponse();
        return type.response().decoder().apply(copy);
    }

    /** The private copy of the slot the last {@link #takeResponse()} read (to log a malformed one). */
    public MemorySegment lastTaken() {
        return copy;
    }

    /** {@code RING_PUSH_REQUESTS}: publishes the requests produced so far, without a notify decision. */
    public void pushRequests() {
        // Release (xen_wmb): the request bytes become visible before req_prod; pairs with BackRing.reqProd()'s acquire.
        IDX.setRelease(sring, REQ_PROD, reqProdPvt);
    }

    /**
     * {@code RING_PUSH_REQUESTS_AND_CHECK_NOTIFY}: publishes the requests produced so far and returns true if the
     * backend asked to be notified of one of them ({@code req_event} in {@code (old req_prod, new req_prod]}):
     * the caller then sends an event on the ring's channel.
     */
    public boolean pushRequestsAndCheckNotify() {
        int oldProd = (int) IDX.get(sring, REQ_PROD); // plain: our own last store
        int newProd = reqProdPvt;
        // Release (xen_wmb): the request bytes become visible before req_prod; pairs with BackRing.reqProd()'s acquire.
        IDX.setRelease(sring, REQ_PROD, newProd);
        // Full fence (xen_mb): the req_prod store before the req_event load; pairs with the fence in
        // BackRing.finalCheckForRequests between its req_event store and its req_prod re-load.
        VarHandle.fullFence();
        int reqEvent = (int) IDX.getOpaque(sring, REQ_EVENT);
        return RingIdx.needsNotify(oldProd, newProd, reqEvent);
    }

    /**
     * {@code RING_FINAL_CHECK_FOR_RESPONSES}: true if responses are waiting. Otherwise sets
     * {@code rsp_event = rsp_cons + 1}, so that the backend's next published response notifies, and checks once
     * more, which closes the race with a response published in between. False means: sleep until the event.
     */
    public boolean finalCheckForResponses() {
        if (hasUnconsumedResponses()) {
            return true;
        }
        IDX.setOpaque(sring, RSP_EVENT, rspCons + 1);
        // Full fence (xen_mb): the rsp_event store before the rsp_prod re-load; pairs with the fence in
        // BackRing.pushResponsesAndCheckNotify between its rsp_prod store and its rsp_event load.
        VarHandle.fullFence();
        return hasUnconsumedResponses();
    }

    /**
     * The batching variant of {@code RING_FINAL_CHECK_FOR_RESPONSES} that ring.h invites ("create a customised
     * version of the FINAL_CHECK macro ... which sets the event field appropriately"): as
     * {@link #finalCheckForResponses()}, but sets {@code rsp_event = rsp_cons + batch}, so that the backend
     * notifies only once {@code batch} responses are waiting. Linux's netfront once did the same for its tx ring
     * ({@code rsp_event = prod + ((req_prod - prod) >> 1) + 1} in {@code xennet_tx_buf_gc}). {@code batch == 1}
     * is the stock macro.
     *
     * @param batch responses to wait for: 1, or at most the requests outstanding (more could never arrive, and
     *              the frontend would sleep for ever)
     */
    public boolean finalCheckForResponses(int batch) {
        int outstanding = reqProdPvt - rspCons;
        if (batch < 1 || (batch > 1 && batch > outstanding)) {
            throw new IllegalArgumentException("batch: " + batch + " (expected: 1.." + Math.max(1, outstanding)
                    + ", the requests outstanding)");
        }
        if (hasUnconsumedResponses()) {
            return true;
        }
        IDX.setOpaque(sring, RSP_EVENT, rspCons + batch);
        // Full fence (xen_mb): the rsp_event store before the rsp_prod re-load; pairs with the fence in
        // BackRing.pushResponsesAndCheckNotify between its rsp_prod store and its rsp_event load.
        VarHandle.fullFence();
        return hasUnconsumedResponses();
    }

    @Override
    public String toString() {
        return "FrontRing[" + type.name() + ", size=" + size + ", entrySize=" + entrySize
                + ", reqProdPvt=" + Integer.toUnsignedString(reqProdPvt)
                + ", rspCons=" + Integer.toUnsignedString(rspCons)
                + ", req_prod=" + Integer.toUnsignedString(reqProd())
                + ", rsp_prod=" + Integer.toUnsignedString(rspProd()) + "]";
    }
}
