package io.xensim.blk.protocol;

import static io.xensim.blk.protocol.BlkifOp.*;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.MemorySegment;

/**
 * A request as found in a slot of the blkif ring: the 112-byte {@code struct blkif_request} ({@link BlkifRequest},
 * for READ, WRITE, WRITE_BARRIER and FLUSH_DISKCACHE) or one of the structs the header casts the slot to by
 * {@code operation}: {@link BlkifRequestDiscard} (DISCARD) and {@link BlkifRequestIndirect} (INDIRECT). All three
 * keep {@code operation} at byte 0 and {@code id} at byte 8, so both can be read from any slot.
 *
 * <p>{@link #decode} dispatches on {@code operation} and never throws. What it checks, and what it leaves to
 * blkback:
 * <ul>
 *   <li>codec: the opcode is one of READ, WRITE, WRITE_BARRIER, FLUSH_DISKCACHE, DISCARD, INDIRECT
 *       ({@code BLKIF_OP_RESERVED_1} and unknown values are malformed); {@code nr_segments} is 1..11 for READ and
 *       WRITE and 0..11 for WRITE_BARRIER and FLUSH_DISKCACHE; every direct segment has
 *       {@code first_sect <= last_sect <= 7}; an indirect request's {@code indirect_op} is READ or WRITE and its
 *       {@code nr_segments} is 1..{@link BlkifRequestIndirect#MAX_INDIRECT_SEGMENTS} (what 8 indirect pages hold);</li>
 *   <li>blkback: whether the operation's feature was advertised ({@code feature-barrier}, {@code -flush-cache},
 *       {@code -discard}, {@code -max-indirect-segments} and its own segment limit, {@code discard-secure}), the
 *       sector range against the disk size (including overflow of the 64-bit sector arithmetic), read-only disks,
 *       the segments held in indirect pages (decoded with {@link BlkifRequestSegment#decode} once the pages are
 *       mapped), and the grants themselves.</li>
 * </ul>
 * A malformed request is answered, not dropped: {@link #id(MemorySegment)} and {@link #operation(MemorySegment)}
 * read a slot whatever its content, and {@link #rejectionStatus(MemorySegment)} gives the status to answer with.
 *
 * <p><b>Reference:</b> the checks are Linux blkback's ({@code __do_block_io_op}, {@code dispatch_rw_block_io},
 * {@code dispatch_other_io}); blkif.h states no validation rules. Only the native x86_64 layout
 * ({@code protocol = "x86_64-abi"}) is implemented.
 */
public sealed interface BlkifRingRequest permits BlkifRequest, BlkifRequestDiscard, BlkifRequestIndirect {
    /** {@code operation} (u8) is the first byte of every request struct. */
    int OPERATION_OFFSET = 0;
    /** {@code id} (u64) is at byte 8 of every request struct. */
    int ID_OFFSET = 8;

    /** The {@code BLKIF_OP_*} in the slot. */
    int operation();

    /** The frontend's cookie, echoed in the response. */
    long id();

    /** Writes every byte of this struct (padding as zero) at the start of {@code slot}. */
    void encode(MemorySegment slot);

    /** The frontend wrote these bytes, so they are untrusted: a bad slot is a value, not an exception. */
    static Decoded<BlkifRingRequest> decode(MemorySegment slot) {
        int op = operation(slot);
        return switch (op) {
            case BLKIF_OP_READ, BLKIF_OP_WRITE, BLKIF_OP_WRITE_BARRIER, BLKIF_OP_FLUSH_DISKCACHE ->
                    widen(BlkifRequest.decode(slot));
            case BLKIF_OP_DISCARD -> widen(BlkifRequestDiscard.decode(slot));
            case BLKIF_OP_INDIRECT -> widen(BlkifRequestIndirect.decode(slot));
            case BLKIF_OP_RESERVED_1 -> Decoded.malformed("operation: " + op
                    + " (BLKIF_OP_RESERVED_1 is reserved for a SLES-private command; not supported)");
            default -> Decoded.malformed("operation: " + op + " (expected: a BLKIF_OP_* of 0.." + BLKIF_OP_INDIRECT
                    + ")");
        };
    }

    /** The {@code operation} byte of any slot, malformed or not. */
    static int operation(MemorySegment slot) {
        return Layouts.u8(slot.get(Layouts.U8, OPERATION_OFFSET));
    }

    /** The {@code id} of any slot, malformed or not, so blkback can answer it. */
    static long id(MemorySegment slot) {
        return slot.get(Layouts.U64, ID_OFFSET);
    }

    /**
     * The status blkback answers a slot with when {@link #decode} says malformed: {@code BLKIF_RSP_EOPNOTSUPP} for
     * an operation it does not know ({@code BLKIF_OP_RESERVED_1} or any unknown value), {@code BLKIF_RSP_ERROR}
     * for a known one with bad fields, as Linux blkback does ({@code dispatch_other_io} vs. {@code fail_response}).
     */
    static int rejectionStatus(MemorySegment slot) {
        int op = operation(slot);
        return op == BLKIF_OP_RESERVED_1 || op > BLKIF_OP_INDIRECT
                ? BlkifStatus.BLKIF_RSP_EOPNOTSUPP : BlkifStatus.BLKIF_RSP_ERROR;
    }

    private static Decoded<BlkifRingRequest> widen(Decoded<? extends BlkifRingRequest> decoded) {
        return switch (decoded) {
            case Decoded.Ok<? extends BlkifRingRequest>(var request) -> Decoded.ok(request);
            case Decoded.Malformed<? extends BlkifRingRequest>(var reason) -> Decoded.malformed(reason);
        };
    }
}
