package io.xensim.blk.protocol;

import io.xensim.xenbus.memory.Fields;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.MemorySegment;

/**
 * The answer to one block request ({@code struct blkif_response}, xen/io/blkif.h), written by blkback into a ring
 * entry.
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +---------------------------------------------------------------+   0
 * |                   id (u64): copied from the request           |
 * +                                                               +
 * |                                                               |
 * +---------------+---------------+-------------------------------+   8
 * | operation u8  | (pad, zero)   |  status (s16, BLKIF_RSP_*)    |
 * +---------------+---------------+-------------------------------+  12
 * |                    (tail padding, zero)                       |
 * +---------------------------------------------------------------+  16
 * </pre>
 * Encode writes all 16 bytes. Every bit pattern decodes: whether {@code id} names an outstanding request and
 * {@code operation} matches it, and what an unknown status means, is blkfront's business (Linux blkfront treats
 * any status other than OKAY and EOPNOTSUPP as an error). Linux blkback echoes an indirect request's
 * {@code indirect_op} (READ/WRITE), not {@code BLKIF_OP_INDIRECT}.
 */
public record BlkifResponse(long id, int operation, int status) {
    public static final int ID_OFFSET = 0;
    public static final int OPERATION_OFFSET = 8;
    /** One byte of padding that aligns {@code status}. */
    public static final int PAD_OFFSET = 9;
    public static final int STATUS_OFFSET = 10;
    /** Four bytes of tail padding (the struct is aligned to its u64). */
    public static final int TAIL_PAD_OFFSET = 12;
    /** {@code sizeof(struct blkif_response)}. */
    public static final int LENGTH = 16;

    public BlkifResponse {
        Fields.u8("operation", operation);
        Fields.s16("status", status);
    }

    /** Writes all 16 bytes, the padding as zero. */
    public void encode(MemorySegment slot) {
        slot.set(Layouts.U64, ID_OFFSET, id);
        slot.set(Layouts.U8, OPERATION_OFFSET, (byte) operation);
        slot.set(Layouts.U8, PAD_OFFSET, (byte) 0);
        slot.set(Layouts.U16, STATUS_OFFSET, (short) status);
        slot.set(Layouts.U32, TAIL_PAD_OFFSET, 0);
    }

    public static Decoded<BlkifResponse> decode(MemorySegment slot) {
        return Decoded.ok(new BlkifResponse(slot.get(Layouts.U64, ID_OFFSET),
                Layouts.u8(slot.get(Layouts.U8, OPERATION_OFFSET)), slot.get(Layouts.U16, STATUS_OFFSET)));
    }
}
