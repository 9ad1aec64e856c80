package io.xensim.blk.protocol;

import io.xensim.xenbus.memory.Fields;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.MemorySegment;

/**
 * A discard (trim/unmap) request ({@code struct blkif_request_discard}, xen/io/blkif.h): the slot is cast to this
 * when {@code operation == BLKIF_OP_DISCARD}. It asks the backend to drop {@code nr_sectors} sectors from
 * {@code sector_number} on, and with {@link #BLKIF_DISCARD_SECURE} to make them unrecoverable.
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +---------------+---------------+-------------------------------+   0
 * | operation = 5 |   flag (u8)   |   handle (u16, blkif_vdev_t)  |
 * +---------------+---------------+-------------------------------+   4
 * |                       (padding, zero)                         |
 * +---------------------------------------------------------------+   8
 * |                           id (u64)                            |
 * +---------------------------------------------------------------+  16
 * |                     sector_number (u64)                       |
 * +---------------------------------------------------------------+  24
 * |                      nr_sectors (u64)                         |
 * +---------------------------------------------------------------+  32
 * </pre>
 * Encode writes these 32 bytes; the rest of the 112-byte entry is not part of the struct and nothing reads it.
 * Sector quantities are 512-byte units and unsigned ({@code Long.compareUnsigned} / {@code Long.toUnsignedString}).
 *
 * <p>Decode checks only the opcode: the flag's other bits are ignored, as Linux blkback does, and whether
 * {@code discard-secure} allows the flag and whether the range fits the disk (without 64-bit overflow) is
 * blkback's business.
 */
public record BlkifRequestDiscard(int flag, int handle, long id, long sectorNumber, long nrSectors)
        implements BlkifRingRequest {
    /** {@code BLKIF_DISCARD_SECURE}: ignored unless the backend set {@code discard-secure}. */
    public static final int BLKIF_DISCARD_SECURE = 1 << 0;

    public static final int FLAG_OFFSET = 1;
    public static final int HANDLE_OFFSET = 2;
    public static final int PAD_OFFSET = 4;
    public static final int SECTOR_NUMBER_OFFSET = 16;
    public static final int NR_SECTORS_OFFSET = 24;
    /** {@code sizeof(struct blkif_request_discard)}. */
    public static final int LENGTH = 32;

    public BlkifRequestDiscard {
        Fields.u8("flag", flag);
        Fields.u16("handle", handle);
    }

    @Override
    public int operation() {
        return BlkifOp.BLKIF_OP_DISCARD;
    }

    /** Whether {@link #BLKIF_DISCARD_SECURE} is set. */
    public boolean secure() {
        return (flag & BLKIF_DISCARD_SECURE) != 0;
    }

    /** Writes the 32 bytes of the struct, the padding as zero. */
    @Override
    public void encode(MemorySegment slot) {
        slot.set(Layouts.U8, OPERATION_OFFSET, (byte) BlkifOp.BLKIF_OP_DISCARD);
        slot.set(Layouts.U8, FLAG_OFFSET, (byte) flag);
        slot.set(Layouts.U16, HANDLE_OFFSET, (short) handle);
        slot.set(Layouts.U32, PAD_OFFSET, 0);
        slot.set(Layouts.U64, ID_OFFSET, id);
        slot.set(Layouts.U64, SECTOR_NUMBER_OFFSET, sectorNumber);
        slot.set(Layouts.U64, NR_SECTORS_OFFSET, nrSectors);
    }

    public static Decoded<BlkifRequestDiscard> decode(MemorySegment slot) {
        int op = BlkifRingRequest.operation(slot);
        if (op != BlkifOp.BLKIF_OP_DISCARD) {
            return Decoded.malformed("operation: " + op + " (expected: BLKIF_OP_DISCARD for struct "
                    + "blkif_request_discard)");
        }
        return Decoded.ok(new BlkifRequestDiscard(Layouts.u8(slot.get(Layouts.U8, FLAG_OFFSET)),
                Layouts.u16(slot.get(Layouts.U16, HANDLE_OFFSET)), slot.get(Layouts.U64, ID_OFFSET),
                slot.get(Layouts.U64, SECTOR_NUMBER_OFFSET), slot.get(Layouts.U64, NR_SECTORS_OFFSET)));
    }
}
