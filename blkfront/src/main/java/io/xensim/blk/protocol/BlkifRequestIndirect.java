package io.xensim.blk.protocol;

import io.xensim.xenbus.memory.Fields;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * An indirect read or write ({@code struct blkif_request_indirect}, xen/io/blkif.h, x86_64 layout): the slot is
 * cast to this when {@code operation == BLKIF_OP_INDIRECT}. The segments do not fit the slot; they fill granted
 * indirect pages, 512 {@link BlkifRequestSegment}s per page, whose grefs the slot lists.
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +---------------+---------------+-------------------------------+   0
 * | operation = 6 | indirect_op u8|     nr_segments (u16)         |
 * +---------------+---------------+-------------------------------+   4
 * |                       (padding, zero)                         |
 * +---------------------------------------------------------------+   8
 * |                           id (u64)                            |
 * +---------------------------------------------------------------+  16
 * |                     sector_number (u64)                       |
 * +-------------------------------+-------------------------------+  24
 * |  handle (u16, blkif_vdev_t)   |       (padding, zero)         |
 * +-------------------------------+-------------------------------+  28
 * |  indirect_grefs[8] (u32 each, grant_ref_t)                    |
 * |  ...                                                          |
 * +---------------------------------------------------------------+  60
 * |                    (tail padding, zero)                       |
 * +---------------------------------------------------------------+  64
 * </pre>
 * Note that {@code nr_segments} is a u16 here (a u8 in {@link BlkifRequest}) and {@code handle} comes after
 * {@code sector_number}. (On i386 the struct has 8 more bytes of padding; only x86_64 is implemented.) Only the
 * first {@link #indirectPages(int) ceil(nr_segments / 512)} grefs are meaningful: {@link #indirectGrefs()} holds
 * exactly those, and encode zeroes the others and all padding.
 *
 * <p>Decode checks that {@code indirect_op} is READ or WRITE and that {@code nr_segments} is
 * 1..{@link #MAX_INDIRECT_SEGMENTS}; blkback checks it against its own {@code feature-max-indirect-segments}, maps
 * the pages and decodes each segment with {@link BlkifRequestSegment#decode} at {@link #segmentPage(int)} /
 * {@link #segmentPageOffset(int)}.
 */
public record BlkifRequestIndirect(int indirectOp, int nrSegments, long id, long sectorNumber, int handle,
                                   List<Integer> indirectGrefs) implements BlkifRingRequest {
    /** {@code BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST}: entries in {@code indirect_grefs}. */
    public static final int BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST = 8;
    /** Segments per indirect page, {@code XEN_PAGE_SIZE / sizeof(struct blkif_request_segment)} (Linux's name). */
    public static final int SEGS_PER_INDIRECT_FRAME = Layouts.XEN_PAGE_SIZE / BlkifRequestSegment.LENGTH;
    /** The most segments the indirect pages can describe: 8 pages of 512. A backend advertises its own limit. */
    public static final int MAX_INDIRECT_SEGMENTS = BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST * SEGS_PER_INDIRECT_FRAME;

    public static final int INDIRECT_OP_OFFSET = 1;
    public static final int NR_SEGMENTS_OFFSET = 2;
    public static final int PAD_OFFSET = 4;
    public static final int SECTOR_NUMBER_OFFSET = 16;
    public static final int HANDLE_OFFSET = 24;
    /** Two bytes of padding that align {@code indirect_grefs}. */
    public static final int HANDLE_PAD_OFFSET = 26;
    public static final int INDIRECT_GREFS_OFFSET = 28;
    /** {@code sizeof(indirect_grefs)}. */
    public static final int INDIRECT_GREFS_LENGTH = BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST * Integer.BYTES;
    /** {@code sizeof(struct blkif_request_indirect)} on x86_64: 60 bytes of fields rounded up to the u64 alignment. */
    public static final int LENGTH = 64;

    public BlkifRequestIndirect {
        Fields.u8("indirectOp", indirectOp);
        Fields.u16("nrSegments", nrSegments);
        Fields.u16("handle", handle);
        indirectGrefs = List.copyOf(indirectGrefs);
        if (indirectGrefs.size() > BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST) {
            throw new IllegalArgumentException("indirectGrefs: " + indirectGrefs.size() + " (expected: 0.."
                    + BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST + ")");
        }
    }

    @Override
    public int operation() {
        return BlkifOp.BLKIF_OP_INDIRECT;
    }

    /** Indirect pages needed for {@code nrSegments} segments: {@code ceil(nrSegments / 512)}. */
    public static int indirectPages(int nrSegments) {
        return (nrSegments + SEGS_PER_INDIRECT_FRAME - 1) / SEGS_PER_INDIRECT_FRAME;
    }

    /** Which indirect page holds segment {@code i}. */
    public static int segmentPage(int i) {
        return i / SEGS_PER_INDIRECT_FRAME;
    }

    /** Where in its indirect page segment {@code i} starts, in bytes. */
    public static int segmentPageOffset(int i) {
        return (i % SEGS_PER_INDIRECT_FRAME) * BlkifRequestSegment.LENGTH;
    }

    /** Writes all 64 bytes of the struct: the fields, the used grefs, zero for the unused ones and the padding. */
    @Override
    public void encode(MemorySegment slot) {
        slot.set(Layouts.U8, OPERATION_OFFSET, (byte) BlkifOp.BLKIF_OP_INDIRECT);
        slot.set(Layouts.U8, INDIRECT_OP_OFFSET, (byte) indirectOp);
        slot.set(Layouts.U16, NR_SEGMENTS_OFFSET, (short) nrSegments);
        slot.set(Layouts.U32, PAD_OFFSET, 0);
        slot.set(Layouts.U64, ID_OFFSET, id);
        slot.set(Layouts.U64, SECTOR_NUMBER_OFFSET, sectorNumber);
        slot.set(Layouts.U16, HANDLE_OFFSET, (short) handle);
        slot.set(Layouts.U16, HANDLE_PAD_OFFSET, (short) 0);
        for (int i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++) {
            slot.set(Layouts.U32, INDIRECT_GREFS_OFFSET + i * Integer.BYTES,
                    i < indirectGrefs.size() ? indirectGrefs.get(i) : 0);
        }
        int tail = INDIRECT_GREFS_OFFSET + INDIRECT_GREFS_LENGTH;
        slot.asSlice(tail, LENGTH - tail).fill((byte) 0);
    }

    public static Decoded<BlkifRequestIndirect> decode(MemorySegment slot) {
        int op = BlkifRingRequest.operation(slot);
        if (op != BlkifOp.BLKIF_OP_INDIRECT) {
            return Decoded.malformed("operation: " + op + " (expected: BLKIF_OP_INDIRECT for struct "
                    + "blkif_request_indirect)");
        }
        int indirectOp = Layouts.u8(slot.get(Layouts.U8, INDIRECT_OP_OFFSET));
        if (indirectOp != BlkifOp.BLKIF_OP_READ && indirectOp != BlkifOp.BLKIF_OP_WRITE) {
            return Decoded.malformed("indirect_op: " + indirectOp + " (expected: BLKIF_OP_READ or BLKIF_OP_WRITE)");
        }
        int nr = Layouts.u16(slot.get(Layouts.U16, NR_SEGMENTS_OFFSET));
        if (nr < 1 || nr > MAX_INDIRECT_SEGMENTS) {
            return Decoded.malformed("nr_segments: " + nr + " (expected: 1.." + MAX_INDIRECT_SEGMENTS
                    + " for BLKIF_OP_INDIRECT)");
        }
        List<Integer> grefs = new ArrayList<>(indirectPages(nr));
        for (int i = 0; i < indirectPages(nr); i++) {
            grefs.add(slot.get(Layouts.U32, INDIRECT_GREFS_OFFSET + i * Integer.BYTES));
        }
        return Decoded.ok(new BlkifRequestIndirect(indirectOp, nr, slot.get(Layouts.U64, ID_OFFSET),
                slot.get(Layouts.U64, SECTOR_NUMBER_OFFSET), Layouts.u16(slot.get(Layouts.U16, HANDLE_OFFSET)),
                grefs));
    }
}
