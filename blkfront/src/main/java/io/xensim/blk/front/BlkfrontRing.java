package io.xensim.blk.front;

import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_DISCARD;
import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_FLUSH_DISKCACHE;
import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_READ;
import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_WRITE;
import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_WRITE_BARRIER;

import io.xensim.blk.front.BlkShadow.Grant;
import io.xensim.blk.front.BlkShadow.ReqStatus;
import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.protocol.BlkFeatures;
import io.xensim.blk.protocol.BlkifOp;
import io.xensim.blk.protocol.BlkifRequest;
import io.xensim.blk.protocol.BlkifRequestDiscard;
import io.xensim.blk.protocol.BlkifRequestIndirect;
import io.xensim.blk.protocol.BlkifRequestSegment;
import io.xensim.blk.protocol.BlkifResponse;
import io.xensim.blk.protocol.BlkifRing;
import io.xensim.blk.protocol.BlkifRingRequest;
import io.xensim.blk.protocol.BlkifStatus;
import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.bus.GrantPool;
import io.xensim.xenbus.bus.XenbusDevice;
import io.xensim.xenbus.bus.XenbusDeviceException;
import io.xensim.xenbus.ring.FrontRing;
import io.xensim.xenbus.trace.TraceEvent;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One blkfront ring ({@code struct blkfront_ring_info}): a shared ring of {@code 2^ring-page-order} pages granted to
 * the backend, its event channel, the shadow of every slot by request id, and the ring's persistent grants. It turns
 * {@link Piece}s into requests ({@code blkif_queue_request}) and the backend's responses into completions
 * ({@code blkif_interrupt}, {@code blkif_completion}).
 *
 * <p>Requests are built as values in the shadow and encoded into the slot; the slot is never read back. Data always
 * travels through pages blkfront granted for it: written data is copied in before the request goes out, read data
 * copied out only after the response was checked and its grants ended. With persistent grants a page the backend
 * keeps mapped returns to the ring's list and is reused first; without them a page the backend still maps when its
 * response arrives disables the device (XSA-396), and the page is revoked only once the backend lets go.
 *
 * <p>A response is checked as Linux 6.1's hardened blkfront does: an impossible {@code rsp_prod}, an id out of range,
 * an id with no request waiting, or an operation other than the request's disables the device ("disabled for
 * further use"); nothing of that response reaches the guest.
 *
 * <p><b>Threading:</b> the guest domain's executor drives this end of the ring, and only it.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/block/xen-blkfront.c ({@code setup_blkring}, {@code write_per_ring_nodes},
 * {@code get_id_from_freelist}, {@code add_id_to_freelist}, {@code get_grant}, {@code blkif_queue_rw_req},
 * {@code blkif_setup_extra_req}, {@code blkif_queue_discard_req}, {@code blkif_interrupt},
 * {@code blkif_completion}).
 */
final class BlkfrontRing {
    private final BlkfrontDevice owner;
    private final XenbusDevice device;
    private final int index;
    private final int[] ringRefs;
    private final FrontRing<BlkifRingRequest, BlkifResponse> ring;
    private int port;
    private final BlkShadow[] shadow;
    private int shadowFree;
    private int inUse;
    /** {@code rinfo->grants} still granted (and mapped by the backend): reused first. */
    private final ArrayDeque<GrantPool.DataPage> persistentGrants = new ArrayDeque<>();

    private BlkfrontRing(BlkfrontDevice owner, int index, XenbusDevice.RingPages pages) {
        this.owner = owner;
        this.device = owner.device();
        this.index = index;
        this.ringRefs = pages.refs().clone();
        this.ring = FrontRing.init(pages.area(), BlkifRing.BLKIF);
        this.shadow = new BlkShadow[ring.size()];
        for (int j = 0; j < shadow.length; j++) {
            shadow[j] = new BlkShadow();
            shadow[j].nextFree = j + 1 < shadow.length ? j + 1 : BlkShadow.FREE_LIST_END;
        }
    }

    /** {@code setup_blkring}: the ring's pages granted, its event channel allocated with the interrupt bound. */
    static BlkfrontRing setup(BlkfrontDevice owner, int index, int ringPageOrder) {
        XenbusDevice device = owner.device();
        var ring = new BlkfrontRing(owner, index, device.setupRing(1 << ringPageOrder));
        ring.port = device.allocEvtchn(p -> ring.onEvent());
        return ring;
    }

    /** {@code write_per_ring_nodes}: {@code ring-ref} (or {@code ring-ref0..N}) and {@code event-channel}. */
    void writeKeys(Map<String, String> keys, String prefix) {
        if (ringRefs.length == 1) {
            keys.put(prefix + BlkFeatures.RING_REF, Integer.toUnsignedString(ringRefs[0]));
        } else {
            for (int i = 0; i < ringRefs.length; i++) {
                keys.put(prefix + BlkFeatures.ringRef(i), Integer.toUnsignedString(ringRefs[i]));
            }
        }
        keys.put(prefix + BlkFeatures.EVENT_CHANNEL, Integer.toString(port));
    }

    int index() {
        return index;
    }

    /** {@code BLK_RING_SIZE}. */
    int size() {
        return ring.size();
    }

    /** Slots waiting for a response. */
    int inUse() {
        return inUse;
    }

    /** Persistent grants held on the ring's list (for tests). */
    int persistentGrants() {
        return persistentGrants.size();
    }

    // ------------------------------------------------------------------------------------------ ids

    /** {@code get_id_from_freelist}. */
    private int getId() {
        int id = shadowFree;
        if (id == BlkShadow.FREE_LIST_END) {
            throw new AssertionError("free list empty with " + inUse + " of " + shadow.length + " in use");
        }
        shadowFree = shadow[id].nextFree;
        shadow[id].nextFree = id;
        inUse++;
        return id;
    }

    /** {@code add_id_to_freelist}: false if {@code id} is not in use (it cannot be recycled). */
    private boolean addIdToFreelist(int id) {
        BlkShadow s = shadow[id];
        if (s.piece == null || s.nextFree != id) {
            return false;
        }
        s.clear();
        s.nextFree = shadowFree;
        shadowFree = id;
        inUse--;
        return true;
    }

    // ------------------------------------------------------------------------------------------ requests

    /**
     * {@code blkif_queue_request}: puts {@code piece} on the ring, or returns false if it has not the slots (or
     * the grants) for it now. A piece that cannot get grants while nothing is in flight fails with an I/O error,
     * since no completion would ever free any.
     */
    boolean queue(Piece piece, BlkfrontFeatures f, int handle) {
        return switch (piece.io().kind) {
            case FLUSH -> queueOther(piece, new BlkifRequest(f.fua() ? BLKIF_OP_WRITE_BARRIER
                    : BLKIF_OP_FLUSH_DISKCACHE, handle, 0, 0, List.of()));
            case DISCARD -> queueOther(piece, new BlkifRequestDiscard(0, handle, 0, piece.sector(),
                    piece.nrSectors()));
            case READ, WRITE, WRITE_FUA -> queueRw(piece, f, handle);
        };
    }

    /** Puts {@code req} on the shared ring; its segments, if any, are in the request itself. */
    private void put(BlkifRingRequest req) {
        put(req, req instanceof BlkifRequest rw ? rw.segments() : List.of());
    }

    /**
     * Puts {@code req} on the shared ring (the copy from the shadow into the slot) and, when tracing, records what
     * went on the wire, so a reader of the trace sees the ring's requests: operation, id, sector, and each segment's
     * {@code first_sect..last_sect}; {@code segs} are the request's segments (for an indirect request, those written
     * into its indirect pages).
     */
    private void put(BlkifRingRequest req, List<BlkifRequestSegment> segs) {
        ring.putRequest(req);
        if (device.tracing()) {
            device.trace(TraceEvent.Kind.RING, "ring " + index + ": " + describe(req, segs));
        }
    }

    private static String describe(BlkifRingRequest req, List<BlkifRequestSegment> segs) {
        return switch (req) {
            case BlkifRequest rw -> BlkifOp.name(rw.operation()) + " id " + rw.id() + " sector " + rw.sectorNumber()
                    + segments(segs);
            case BlkifRequestDiscard d -> BlkifOp.name(BLKIF_OP_DISCARD) + " id " + d.id() + " sector "
                    + d.sectorNumber() + ", " + d.nrSectors() + " sectors";
            case BlkifRequestIndirect ind -> "BLKIF_OP_INDIRECT (" + BlkifOp.name(ind.indirectOp()) + ") id "
                    + ind.id() + " sector " + ind.sectorNumber() + segments(segs) + " in "
                    + ind.indirectGrefs().size() + " indirect page(s), gref " + ind.indirectGrefs().stream()
                    .map(String::valueOf).collect(Collectors.joining(","));
        };
    }

    /** {@code ", N segments first_sect..last_sect A..B C..D"}, a run of equal ones as {@code Kx A..B}. */
    private static String segments(List<BlkifRequestSegment> segs) {
        if (segs.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder(", " + segs.size() + (segs.size() == 1 ? " segment" : " segments")
                + " first_sect..last_sect");
        int i = 0;
        while (i < segs.size()) {
            BlkifRequestSegment s = segs.get(i);
            int j = i + 1;
            while (j < segs.size() && segs.get(j).firstSect() == s.firstSect()
                    && segs.get(j).lastSect() == s.lastSect()) {
                j++;
            }
            out.append(' ').append(j - i > 1 ? (j - i) + "x " : "").append(s.firstSect()).append("..")
                    .append(s.lastSect());
            i = j;
        }
        return out.toString();
    }

    /** {@code blkif_queue_discard_req} and the empty flush of {@code blkif_queue_rw_req}. */
    private boolean queueOther(Piece piece, BlkifRingRequest template) {
        if (!hasRoom(1)) {
            return false;
        }
        int id = getId();
        BlkShadow s = shadow[id];
        s.piece = piece;
        s.req = switch (template) {
            case BlkifRequest rw -> new BlkifRequest(rw.operation(), rw.handle(), id, rw.sectorNumber(), List.of());
            case BlkifRequestDiscard d -> new BlkifRequestDiscard(d.flag(), d.handle(), id, d.sectorNumber(),
                    d.nrSectors());
            case BlkifRequestIndirect ind -> throw new AssertionError(ind);
        };
        s.status = ReqStatus.WAITING;
        put(s.req);
        return true;
    }

    /** {@code blkif_queue_rw_req}: direct (one or two slots) or indirect, with the data copied into granted pages. */
    private boolean queueRw(Piece piece, BlkfrontFeatures f, int handle) {
        GuestIo io = piece.io();
        List<BlkSegments.Segment> segs = BlkSegments.split(piece.pageOffset(), Math.toIntExact(piece.nrSectors()));
        int n = segs.size();
        boolean fua = io.kind == GuestIo.Kind.WRITE_FUA;
        // The indirect operation can carry only a read or a write: a FUA write of many segments takes two slots.
        boolean indirect = n > BlkifRequest.BLKIF_MAX_SEGMENTS_PER_REQUEST && !fua && f.maxIndirectSegments() > 0;
        boolean extra = n > BlkifRequest.BLKIF_MAX_SEGMENTS_PER_REQUEST && !indirect;
        if (n > (indirect ? f.maxIndirectSegments() : BlkfrontFeatures.MAX_SPLIT_SEGMENTS)) {
            throw new AssertionError(n + " segments for " + piece);
        }
        if (!hasRoom(extra ? 2 : 1)) {
            return false;
        }
        boolean writes = io.kind != GuestIo.Kind.READ;
        List<Grant> grants = new ArrayList<>(n);
        List<GrantPool.DataPage> indirectPages = new ArrayList<>();
        try {
            for (BlkSegments.Segment seg : segs) {
                GrantPool.DataPage page = getGrant(f.persistent());
                Grant g = new Grant(page, seg.pageOffset(), piece.bufferOffset() + seg.bufferOffset(),
                        seg.byteLength());
                grants.add(g);
                if (writes) {
                    MemorySegment.copy(io.buffer, g.bufferOffset(), page.page(), g.pageOffset(), g.length());
                }
            }
            if (indirect) {
                for (int i = 0; i < BlkifRequestIndirect.indirectPages(n); i++) {
                    indirectPages.add(f.persistent() ? getGrant(true) : device.grantPool().allocate(true));
                }
            }
        } catch (XenbusDeviceException e) {
            grants.forEach(g -> device.grantPool().free(g.page()));
            indirectPages.forEach(device.grantPool()::free);
            if (inUse > 0) {
                return false; // a completion will give grants back
            }
            device.trace(TraceEvent.Kind.RING, "ring " + index + ": " + e.getMessage() + "; failing " + piece);
            owner.answered(piece, BlkStatus.IO_ERROR);
            return true;
        }
        int op = switch (io.kind) {
            case READ -> BLKIF_OP_READ;
            case WRITE -> BLKIF_OP_WRITE;
            // blkif_queue_rw_req(): a FUA write is a barrier, or a cache flush carrying the data.
            default -> f.flush() && f.fua() ? BLKIF_OP_WRITE_BARRIER
                    : f.flush() ? BLKIF_OP_FLUSH_DISKCACHE : BLKIF_OP_WRITE;
        };
        List<BlkifRequestSegment> wire = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            wire.add(new BlkifRequestSegment(grants.get(i).page().ref(), segs.get(i).firstSect(),
                    segs.get(i).lastSect()));
        }
        int id = getId();
        BlkShadow s = shadow[id];
        s.piece = piece;
        s.grants = grants;
        s.indirect = indirectPages;
        s.numSg = n;
        s.status = ReqStatus.WAITING;
        if (indirect) {
            for (int i = 0; i < n; i++) {
                GrantPool.DataPage page = indirectPages.get(BlkifRequestIndirect.segmentPage(i));
                wire.get(i).encode(page.page().asSlice(BlkifRequestIndirect.segmentPageOffset(i),
                        BlkifRequestSegment.LENGTH));
            }
            s.req = new BlkifRequestIndirect(op, n, id, piece.sector(), handle,
                    indirectPages.stream().map(GrantPool.DataPage::ref).toList());
            put(s.req, wire);
        } else if (extra) {
            // blkif_setup_extra_req(): the first slot takes 11 segments, the second the rest, linked both ways.
            int first = BlkifRequest.BLKIF_MAX_SEGMENTS_PER_REQUEST;
            long firstSectors = segs.subList(0, first).stream().mapToLong(BlkSegments.Segment::sectors).sum();
            int id2 = getId();
            BlkShadow s2 = shadow[id2];
            s2.piece = piece;
            s2.numSg = 0;
            s2.status = ReqStatus.WAITING;
            s.associatedId = id2;
            s2.associatedId = id;
            s.req = new BlkifRequest(op, handle, id, piece.sector(), wire.subList(0, first));
            s2.req = new BlkifRequest(op, handle, id2, piece.sector() + firstSectors, wire.subList(first, n));
            put(s.req);
            put(s2.req);
        } else {
            s.req = new BlkifRequest(op, handle, id, piece.sector(), wire);
            put(s.req);
        }
        return true;
    }

    /**
     * Room for a request of {@code slots} slots: free ring slots and free shadow ids (an id stays taken after its
     * slot was consumed while the other half of a split request is out).
     */
    private boolean hasRoom(int slots) {
        return ring.freeRequests() >= slots && shadow.length - inUse >= slots;
    }

    /** {@code get_grant}: a persistent page still granted, or a fresh zeroed page granted now. */
    private GrantPool.DataPage getGrant(boolean persistent) {
        if (persistent && !persistentGrants.isEmpty()) {
            return persistentGrants.pollFirst();
        }
        return device.grantPool().allocate(false);
    }

    /** {@code flush_requests}: publishes what was queued and notifies the backend if it asked. */
    void flushRequests() {
        if (ring.pushRequestsAndCheckNotify()) {
            device.notifyRemote(port, "blkif requests"); // a constant: no string built per kick
        }
    }

    /** The pieces of the requests waiting for a response, each once (a split request's two slots are one piece). */
    List<Piece> inFlight() {
        Map<Piece, Boolean> seen = new IdentityHashMap<>();
        List<Piece> pieces = new ArrayList<>();
        for (BlkShadow s : shadow) {
            if (s.piece != null && seen.put(s.piece, Boolean.TRUE) == null) {
                pieces.add(s.piece);
            }
        }
        return pieces;
    }

    // ------------------------------------------------------------------------------------------ responses

    /** {@code blkif_interrupt}: takes the responses, checks each, completes what they answer. */
    void onEvent() {
        if (!owner.ioEnabled()) {
            return; // not connected, or disabled: no more responses are read
        }
        do {
            int rp = ring.rspProd();
            if (ring.responseProdOverflow(rp)) {
                owner.disable("illegal number of responses " + Integer.toUnsignedString(rp - ring.rspCons()));
                return;
            }
            int n = ring.unconsumedResponses();
            for (int k = 0; k < n; k++) {
                BlkifResponse rsp = switch (ring.takeResponse()) {
                    case Decoded.Ok<BlkifResponse>(BlkifResponse r) -> r;
                    case Decoded.Malformed<BlkifResponse>(String reason) -> null;
                };
                if (rsp == null || !response(rsp)) {
                    if (rsp == null) {
                        owner.disable("malformed response");
                    }
                    return;
                }
            }
        } while (ring.finalCheckForResponses());
        owner.kick();
    }

    /** One response of {@code blkif_interrupt}; false when it disabled the device. */
    private boolean response(BlkifResponse rsp) {
        long rawId = rsp.id();
        if (rawId < 0 || rawId >= shadow.length) {
            owner.disable("response has incorrect id (" + Long.toUnsignedString(rawId) + ")");
            return false;
        }
        int id = (int) rawId;
        BlkShadow s = shadow[id];
        if (s.status != ReqStatus.WAITING) {
            owner.disable("response references no pending request (id " + id + ")");
            return false;
        }
        s.status = ReqStatus.PROCESSING;
        int op = s.expectedOperation();
        if (rsp.operation() != op) {
            owner.disable("response has wrong operation (" + rsp.operation() + " instead of " + op + ")");
            return false;
        }
        int status = rsp.status();
        int nrSegments = s.nrSegments();
        if (op != BLKIF_OP_DISCARD) {
            Completion c = completion(id, status);
            if (c == null) {
                return true; // the other half of a split request is still out
            }
            if (c.broken() != null) {
                owner.disable(c.broken());
                return false;
            }
            id = c.id();
            status = c.status();
            s = shadow[id];
            nrSegments = s.nrSegments() + c.otherSegments();
        }
        Piece piece = s.piece;
        if (!addIdToFreelist(id)) {
            device.trace(TraceEvent.Kind.RING, "response to " + BlkifOp.name(op) + " (id " + id
                    + ") couldn't be recycled!");
            return true;
        }
        owner.answered(piece, outcome(op, status, nrSegments));
        return true;
    }

    /** The guest's status for a response, turning features off as {@code blkif_interrupt} does. */
    private BlkStatus outcome(int op, int status, int nrSegments) {
        BlkStatus result = status == BlkifStatus.BLKIF_RSP_OKAY ? BlkStatus.OK : BlkStatus.IO_ERROR;
        switch (op) {
            case BLKIF_OP_DISCARD -> {
                if (status == BlkifStatus.BLKIF_RSP_EOPNOTSUPP) {
                    owner.discardUnsupported(BlkifOp.name(op));
                    result = BlkStatus.NOT_SUPPORTED;
                }
            }
            case BLKIF_OP_FLUSH_DISKCACHE, BLKIF_OP_WRITE_BARRIER -> {
                boolean notSupported = status == BlkifStatus.BLKIF_RSP_EOPNOTSUPP
                        || (status == BlkifStatus.BLKIF_RSP_ERROR && nrSegments == 0);
                if (status != BlkifStatus.BLKIF_RSP_OKAY) {
                    // Any failure turns flushing off; "not supported" completes the request as done, as Linux 6.1
                    // does (BLK_STS_NOTSUPP -> BLK_STS_OK), also for a FUA write whose data rode on the flush.
                    owner.flushUnsupported(BlkifOp.name(op) + (nrSegments == 0 ? " (empty)" : ""));
                    result = notSupported ? BlkStatus.OK : BlkStatus.IO_ERROR;
                }
            }
            default -> {
            }
        }
        return result;
    }

    /** What {@link #completion} decided: the id to recycle and the final status, or why the device breaks. */
    private record Completion(int id, int status, int otherSegments, String broken) {
    }

    /**
     * {@code blkif_completion}: for a split request, waits for both halves and combines their statuses; ends the
     * grants (or keeps them, persistent); copies a good read's data to the guest. Null while a half is missing.
     */
    private Completion completion(int id, int status) {
        BlkShadow s = shadow[id];
        int otherSegments = 0;
        if (s.associatedId != BlkShadow.NO_ASSOCIATED_ID) {
            BlkShadow s2 = shadow[s.associatedId];
            s.status = ReqStatus.of(status);
            if (!s2.status.answered()) {
                return null;
            }
            status = BlkShadow.finalStatus(s.status, s2.status);
            int other = s.associatedId;
            if (s2.numSg != 0) {
                // The halves may answer in either order: the first slot holds the grants.
                other = id;
                id = s.associatedId;
                s = s2;
            }
            otherSegments = shadow[other].nrSegments();
            if (!addIdToFreelist(other)) {
                device.trace(TraceEvent.Kind.RING, "can't recycle the second part (id " + other + ") of a request");
            }
        }
        boolean persistent = owner.persistent();
        List<GrantPool.DataPage> pages = new ArrayList<>(s.grants.size() + s.indirect.size());
        s.grants.forEach(g -> pages.add(g.page()));
        pages.addAll(s.indirect);
        String broken = null;
        if (!persistent) {
            for (GrantPool.DataPage page : pages) {
                if (device.domain().grantTable().isInUse(page.ref())) {
                    broken = "backend has not unmapped grant: " + page.ref();
                    break;
                }
            }
        }
        if (broken == null && status == BlkifStatus.BLKIF_RSP_OKAY && s.piece.io().kind == GuestIo.Kind.READ) {
            for (Grant g : s.grants) {
                MemorySegment.copy(g.page().page(), g.pageOffset(), s.piece.io().buffer, g.bufferOffset(), g.length());
            }
        }
        for (GrantPool.DataPage page : pages) {
            if (broken == null && persistent && device.domain().grantTable().isInUse(page.ref())) {
                persistentGrants.addFirst(page); // the backend keeps it mapped: reuse it first
            } else {
                device.grantPool().free(page); // revoked now, or once the backend lets go
            }
        }
        s.grants = List.of();
        s.indirect = List.of();
        return new Completion(id, status, otherSegments, broken);
    }
}
