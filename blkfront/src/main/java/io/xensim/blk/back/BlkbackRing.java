package io.xensim.blk.back;

import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_INDIRECT;

import io.xensim.blk.protocol.BlkifRequest;
import io.xensim.blk.protocol.BlkifRequestDiscard;
import io.xensim.blk.protocol.BlkifRequestIndirect;
import io.xensim.blk.protocol.BlkifResponse;
import io.xensim.blk.protocol.BlkifRingRequest;
import io.xensim.blk.protocol.BlkifStatus;
import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.bus.XenbusDevice;
import io.xensim.xenbus.memory.Layouts;
import io.xensim.xenbus.ring.BackRing;
import io.xensim.xenbus.trace.TraceEvent;
import java.lang.foreign.MemorySegment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One blkif ring of a vbd and its worker ({@code struct xen_blkif_ring} and its {@code xenblkd} thread): consumes
 * the frontend's requests from a private copy of each slot, has {@link RequestDispatch} check and serve them
 * against the image, and answers each with a response ({@code make_response}: the request's id, its operation, or
 * for an indirect request its {@code indirect_op}, and the status), notifying the frontend when it asked to be.
 *
 * <p>A malformed slot is answered, not dropped: an unknown operation with {@code BLKIF_RSP_EOPNOTSUPP}, a known
 * one with bad fields with {@code BLKIF_RSP_ERROR}, and the ring goes on. A {@code req_prod} more than a ring
 * ahead of the responses ({@code RING_REQUEST_PROD_OVERFLOW}) halts the ring: no request is consumed and no
 * response made again until the frontend disconnects ("Frontend provided bogus ring requests").
 *
 * <p><b>Threading:</b> confined to dom0's executor: the event channel's upcall and the connect step both run
 * there. Requests are served before {@link #onEvent} returns.
 *
 * <p><b>Reference:</b> Linux drivers/block/xen-blkback/blkback.c ({@code xen_blkif_schedule},
 * {@code do_block_io_op}, {@code __do_block_io_op}, {@code dispatch_other_io}, {@code make_response}).
 */
public final class BlkbackRing {
    private static final Logger log = LoggerFactory.getLogger(BlkbackRing.class);

    /** Where the worker is. */
    public enum Phase {
        /** Mapped and bound, waiting for the vbd and Connected ({@code xenblkd} not yet started). */
        BOUND,
        SERVING,
        /** The frontend overflowed the ring: nothing more is served until disconnect. */
        HALTED,
        STOPPED
    }

    private final XenbusDevice device;
    private final int index;
    private final BackRing<BlkifRingRequest, BlkifResponse> ring;
    private final GrantMapper grants;
    private final int port;
    private final String label;
    private RequestDispatch dispatch;
    private Phase phase = Phase.BOUND;
    private long requests;
    private long errors;

    BlkbackRing(XenbusDevice device, int index, BackRing<BlkifRingRequest, BlkifResponse> ring, GrantMapper grants,
            int port, String label) {
        this.device = device;
        this.index = index;
        this.ring = ring;
        this.grants = grants;
        this.port = port;
        this.label = label;
    }

    /** The worker starts ({@code kthread_run(xen_blkif_schedule)}) with the vbd to serve; waiting requests run. */
    void start(Vbd vbd, int maxIndirectSegments) {
        assert device.domain().executor().inExecutor();
        if (phase != Phase.BOUND) {
            return;
        }
        dispatch = new RequestDispatch(vbd, grants, maxIndirectSegments, label);
        transition(Phase.SERVING, "vbd open, connected");
        doBlockIoOp();
    }

    /** {@code xen_blkif_be_int}: the frontend notified. */
    void onEvent() {
        if (phase == Phase.SERVING) {
            doBlockIoOp();
        }
    }

    /** {@code xen_blkif_disconnect} for this ring: the worker stops, persistent grants are unmapped. */
    void stop() {
        transition(Phase.STOPPED, "disconnected");
        grants.releaseAll();
    }

    /** The one place the phase changes. */
    private void transition(Phase next, String why) {
        assert device.domain().executor().inExecutor();
        log.debug("{}: {} -> {}: {}", label, phase, next, why);
        phase = next;
    }

    /** {@code do_block_io_op}: batches until the final check finds the ring empty (req_event re-armed). */
    private void doBlockIoOp() {
        do {
            if (!takeBatch()) {
                return;
            }
        } while (ring.finalCheckForRequests());
    }

    /** {@code __do_block_io_op}: returns false if the ring was halted. */
    private boolean takeBatch() {
        int rp = ring.reqProd();
        if (ring.requestProdOverflow(rp)) {
            int rc = ring.rspProdPvt();
            String message = "Frontend provided bogus ring requests (" + Integer.toUnsignedString(rp) + " - "
                    + Integer.toUnsignedString(rc) + " = " + (rp - rc) + "). Halting ring processing on " + label;
            log.warn(message);
            device.trace(TraceEvent.Kind.INFO, message);
            transition(Phase.HALTED, "RING_REQUEST_PROD_OVERFLOW");
            return false;
        }
        while (ring.reqCons() != rp && !ring.requestConsOverflow(ring.reqCons())) {
            Decoded<BlkifRingRequest> decoded = ring.takeRequest();
            MemorySegment copy = ring.lastTaken();
            requests++;
            switch (decoded) {
                case Decoded.Ok<BlkifRingRequest>(var req) -> makeResponse(req.id(), responseOperation(copy),
                        serve(req));
                case Decoded.Malformed<BlkifRingRequest>(var reason) -> {
                    log.debug("{}: rejecting request id={}: {}", label, BlkifRingRequest.id(copy), reason);
                    makeResponse(BlkifRingRequest.id(copy), responseOperation(copy),
                            BlkifRingRequest.rejectionStatus(copy));
                }
            }
        }
        return true;
    }

    private int serve(BlkifRingRequest req) {
        return switch (req) {
            case BlkifRequest r -> dispatch.direct(r);
            case BlkifRequestIndirect r -> dispatch.indirect(r);
            case BlkifRequestDiscard r -> dispatch.discard(r);
        };
    }

    /** What a response echoes: the operation, or for an indirect request its {@code indirect_op}. */
    private static int responseOperation(MemorySegment copy) {
        int op = BlkifRingRequest.operation(copy);
        return op == BLKIF_OP_INDIRECT
                ? Layouts.u8(copy.get(Layouts.U8, BlkifRequestIndirect.INDIRECT_OP_OFFSET)) : op;
    }

    /** {@code make_response}: one response, published at once, the frontend notified if it asked. */
    private void makeResponse(long id, int operation, int status) {
        if (status != BlkifStatus.BLKIF_RSP_OKAY) {
            errors++;
        }
        ring.putResponse(new BlkifResponse(id, operation, status));
        if (ring.pushResponsesAndCheckNotify()) {
            device.notifyRemote(port, "blkif response");
        }
    }

    public int index() {
        return index;
    }

    public Phase phase() {
        return phase;
    }

    /** Ring entries ({@code 2^ring-page-order} pages' worth). */
    public int size() {
        return ring.size();
    }

    /** Requests consumed so far. */
    public long requests() {
        return requests;
    }

    /** Responses with a status other than OKAY so far. */
    public long errors() {
        return errors;
    }

    /** Grants kept mapped (persistent grants). */
    public int persistentGrants() {
        return grants.persistentGrants();
    }

    /** Grant map operations made so far (a persistent grant is mapped once). */
    public long mapOps() {
        return grants.mapOps();
    }

    @Override
    public String toString() {
        return "BlkbackRing[" + label + " " + phase + ", " + ring + "]";
    }
}
