package io.xensim.blk.front;

import io.xensim.blk.protocol.BlkifOp;
import io.xensim.blk.protocol.BlkifRequestIndirect;
import io.xensim.blk.protocol.BlkifRingRequest;
import io.xensim.blk.protocol.BlkifStatus;
import io.xensim.xenbus.bus.GrantPool;
import java.util.List;

/**
 * blkfront's private record of one ring slot ({@code struct blk_shadow}), by request id: the request as built here
 * (and then copied to the ring, never read back from it), the piece it carries, the grants it uses and where each
 * segment's bytes go in the guest's buffer, and where the request is in its life. A request split over two slots
 * (more than {@code BLKIF_MAX_SEGMENTS_PER_REQUEST} segments and no indirect descriptors) has two shadows linked by
 * {@link #associatedId}; the first holds every grant.
 *
 * <p><b>Threading:</b> the guest domain's executor (owned by its {@link BlkfrontRing}).
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/block/xen-blkfront.c ({@code struct blk_shadow}, {@code enum
 * blk_req_status}, {@code blkif_rsp_to_req_status}, {@code blkif_get_final_status}).
 */
final class BlkShadow {
    /** {@code NO_ASSOCIATED_ID}: the request has one slot. */
    static final int NO_ASSOCIATED_ID = -1;
    /** The end of the free list ({@code 0x0fffffff} in Linux). */
    static final int FREE_LIST_END = -1;

    /** {@code enum blk_req_status}. */
    enum ReqStatus {
        /** {@code REQ_PROCESSING}: free, or being completed (what a zeroed shadow holds). */
        PROCESSING,
        /** {@code REQ_WAITING}: on the ring, waiting for its response. */
        WAITING,
        /** {@code REQ_DONE}: answered OKAY (one half of a split request). */
        DONE,
        /** {@code REQ_ERROR}. */
        ERROR,
        /** {@code REQ_EOPNOTSUPP}. */
        EOPNOTSUPP;

        /** {@code blkif_rsp_to_req_status}. */
        static ReqStatus of(int rspStatus) {
            return switch (rspStatus) {
                case BlkifStatus.BLKIF_RSP_OKAY -> DONE;
                case BlkifStatus.BLKIF_RSP_EOPNOTSUPP -> EOPNOTSUPP;
                default -> ERROR;
            };
        }

        boolean answered() {
            return this == DONE || this == ERROR || this == EOPNOTSUPP;
        }
    }

    /** One data segment: its granted page, its bytes in the page, and where they are in the guest's buffer. */
    record Grant(GrantPool.DataPage page, int pageOffset, long bufferOffset, int length) {
    }

    /** The request as put on the ring. */
    BlkifRingRequest req;
    /** What the request carries; null while the shadow is free. */
    Piece piece;
    /** {@code grants_used}: every data segment of the request (both halves of a split one). */
    List<Grant> grants = List.of();
    /** {@code indirect_grants}: the pages holding an indirect request's segments. */
    List<GrantPool.DataPage> indirect = List.of();
    /** {@code num_sg}: 0 for the second half of a split request. */
    int numSg;
    ReqStatus status = ReqStatus.PROCESSING;
    int associatedId = NO_ASSOCIATED_ID;
    /** The next free id while free ({@code req.u.rw.id} in Linux's free list). */
    int nextFree;

    /** The operation a response to this request must carry: the indirect op for an indirect request. */
    int expectedOperation() {
        return req instanceof BlkifRequestIndirect ind ? ind.indirectOp() : req.operation();
    }

    /** {@code nr_segments} of the slot ({@code 0} for discard). */
    int nrSegments() {
        return switch (req) {
            case io.xensim.blk.protocol.BlkifRequest rw -> rw.nrSegments();
            case BlkifRequestIndirect ind -> ind.nrSegments();
            default -> 0;
        };
    }

    boolean isDiscard() {
        return req.operation() == BlkifOp.BLKIF_OP_DISCARD;
    }

    void clear() {
        req = null;
        piece = null;
        grants = List.of();
        indirect = List.of();
        numSg = 0;
        status = ReqStatus.PROCESSING;
        associatedId = NO_ASSOCIATED_ID;
    }

    /** {@code blkif_get_final_status}: ERROR beats EOPNOTSUPP beats OKAY. */
    static int finalStatus(ReqStatus s1, ReqStatus s2) {
        if (s1 == ReqStatus.ERROR || s2 == ReqStatus.ERROR) {
            return BlkifStatus.BLKIF_RSP_ERROR;
        }
        if (s1 == ReqStatus.EOPNOTSUPP || s2 == ReqStatus.EOPNOTSUPP) {
            return BlkifStatus.BLKIF_RSP_EOPNOTSUPP;
        }
        return BlkifStatus.BLKIF_RSP_OKAY;
    }
}
