package io.xensim.blk.protocol;

import io.xensim.xenbus.memory.Fields;

import static io.xensim.blk.protocol.BlkifOp.*;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A read, write, barrier or flush request ({@code struct blkif_request}, xen/io/blkif.h): the blkif ring's request
 * type, 112 bytes, one ring entry.
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +---------------+---------------+-------------------------------+   0
 * | operation u8  | nr_segments u8|   handle (u16, blkif_vdev_t)  |
 * +---------------+---------------+-------------------------------+   4
 * |                       (padding, zero)                         |
 * +---------------------------------------------------------------+   8
 * |                   id (u64): echoed in the response            |
 * +                                                               +
 * |                                                               |
 * +---------------------------------------------------------------+  16
 * |         sector_number (u64, blkif_sector_t, 512-byte units)   |
 * +                                                               +
 * |                                                               |
 * +---------------------------------------------------------------+  24
 * |  seg[0..10]: 11 x struct blkif_request_segment (8 bytes each) |
 * |  ...  seg[i] at 24 + 8 * i; seg[10] at 104                    |
 * +---------------------------------------------------------------+ 112
 * </pre>
 * Only the first {@code nr_segments} entries of {@code seg} are meaningful; encode zeroes the others and the
 * padding, so the slot carries nothing from an earlier request. {@code nr_segments} is the size of
 * {@link #segments()}. What decode checks is listed on {@link BlkifRingRequest}.
 *
 * <p>The constructor only checks that each value fits its C field (so a test can build an invalid request, e.g.
 * a READ with no segment); protocol rules are {@link #decode}'s.
 */
public record BlkifRequest(int operation, int handle, long id, long sectorNumber, List<BlkifRequestSegment> segments)
        implements BlkifRingRequest {
    /** {@code BLKIF_MAX_SEGMENTS_PER_REQUEST}: segments in one direct request. */
    public static final int BLKIF_MAX_SEGMENTS_PER_REQUEST = 11;

    public static final int NR_SEGMENTS_OFFSET = 1;
    public static final int HANDLE_OFFSET = 2;
    /** Four bytes of padding that align {@code id}. */
    public static final int PAD_OFFSET = 4;
    public static final int SECTOR_NUMBER_OFFSET = 16;
    /** {@code offsetof(struct blkif_request, seg)}. */
    public static final int SEG_OFFSET = 24;
    /** {@code sizeof(seg)}: the whole array. */
    public static final int SEG_LENGTH = BLKIF_MAX_SEGMENTS_PER_REQUEST * BlkifRequestSegment.LENGTH;
    /** {@code sizeof(struct blkif_request)}. */
    public static final int LENGTH = SEG_OFFSET + SEG_LENGTH;

    public BlkifRequest {
        Fields.u8("operation", operation);
        Fields.u16("handle", handle);
        segments = List.copyOf(segments);
        if (segments.size() > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
            throw new IllegalArgumentException("segments: " + segments.size() + " (expected: 0.."
                    + BLKIF_MAX_SEGMENTS_PER_REQUEST + ")");
        }
    }

    /** {@code nr_segments}. */
    public int nrSegments() {
        return segments.size();
    }

    /** The sectors the request covers, starting at {@code sector_number}: the sum over its segments. */
    public long totalSectors() {
        long sectors = 0;
        for (BlkifRequestSegment segment : segments) {
            sectors += segment.sectors();
        }
        return sectors;
    }

    /** {@code offsetof(struct blkif_request, seg[i])}. */
    public static int segOffset(int i) {
        return SEG_OFFSET + i * BlkifRequestSegment.LENGTH;
    }

    /** Writes all 112 bytes: the fields, the used segments, and zero for the padding and the unused segments. */
    @Override
    public void encode(MemorySegment slot) {
        slot.set(Layouts.U8, OPERATION_OFFSET, (byte) operation);
        slot.set(Layouts.U8, NR_SEGMENTS_OFFSET, (byte) segments.size());
        slot.set(Layouts.U16, HANDLE_OFFSET, (short) handle);
        slot.set(Layouts.U32, PAD_OFFSET, 0);
        slot.set(Layouts.U64, ID_OFFSET, id);
        slot.set(Layouts.U64, SECTOR_NUMBER_OFFSET, sectorNumber);
        for (int i = 0; i < segments.size(); i++) {
            segments.get(i).encode(slot.asSlice(segOffset(i), BlkifRequestSegment.LENGTH));
        }
        int used = segOffset(segments.size());
        slot.asSlice(used, LENGTH - used).fill((byte) 0);
    }

    /**
     * Decodes a READ, WRITE, WRITE_BARRIER or FLUSH_DISKCACHE slot; any other operation is malformed here (use
     * {@link BlkifRingRequest#decode}, which dispatches).
     */
    public static Decoded<BlkifRequest> decode(MemorySegment slot) {
        int op = BlkifRingRequest.operation(slot);
        int min;
        switch (op) {
            case BLKIF_OP_READ, BLKIF_OP_WRITE -> min = 1;
            case BLKIF_OP_WRITE_BARRIER, BLKIF_OP_FLUSH_DISKCACHE -> min = 0;   // a flush may carry no data
            default -> {
                return Decoded.malformed("operation: " + op + " (expected: BLKIF_OP_READ, _WRITE, _WRITE_BARRIER or"
                        + " _FLUSH_DISKCACHE for struct blkif_request)");
            }
        }
        int nr = Layouts.u8(slot.get(Layouts.U8, NR_SEGMENTS_OFFSET));
        if (nr < min || nr > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
            return Decoded.malformed("nr_segments: " + nr + " (expected: " + min + ".."
                    + BLKIF_MAX_SEGMENTS_PER_REQUEST + " for " + BlkifOp.name(op) + ")");
        }
        List<BlkifRequestSegment> segments = new ArrayList<>(nr);
        for (int i = 0; i < nr; i++) {
            switch (BlkifRequestSegment.decode(slot.asSlice(segOffset(i), BlkifRequestSegment.LENGTH))) {
                case Decoded.Ok<BlkifRequestSegment>(var segment) -> segments.add(segment);
                case Decoded.Malformed<BlkifRequestSegment>(var reason) -> {
                    return Decoded.malformed("seg[" + i + "]: " + reason);
                }
            }
        }
        return Decoded.ok(new BlkifRequest(op, Layouts.u16(slot.get(Layouts.U16, HANDLE_OFFSET)),
                slot.get(Layouts.U64, ID_OFFSET), slot.get(Layouts.U64, SECTOR_NUMBER_OFFSET), segments));
    }
}
