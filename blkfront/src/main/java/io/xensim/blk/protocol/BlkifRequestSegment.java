package io.xensim.blk.protocol;

import io.xensim.xenbus.memory.Fields;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.MemorySegment;

/**
 * One data segment of a block request ({@code struct blkif_request_segment}, xen/io/blkif.h): a granted page and
 * the inclusive range of 512-byte sectors within it to transfer. Segments sit in the request slot
 * ({@link BlkifRequest}, up to 11) or, for {@link BlkifRequestIndirect}, in granted indirect pages (512 per page).
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +---------------------------------------------------------------+  0
 * |                     gref (u32, grant_ref_t)                   |
 * +---------------+---------------+-------------------------------+  4
 * | first_sect u8 | last_sect u8  |       (padding, zero)         |
 * +---------------+---------------+-------------------------------+  8
 * </pre>
 * The segment covers bytes {@code [first_sect * 512, (last_sect + 1) * 512)} of the page.
 *
 * <p><b>What decode checks:</b> {@code first_sect <= last_sect <= 7}, i.e. a non-empty range inside one 4096-byte
 * page. Whether the gref is granted to the backend (and writable for a read) is for the grant table to say.
 *
 * <p><b>Reference:</b> sectors are 512 bytes whatever the {@code sector-size} key says, as Linux blkfront and
 * blkback use them and as upstream Xen re-specified in 2024; the bounds check is Linux blkback's (it fails the
 * whole request with {@code BLKIF_RSP_ERROR}), for direct and indirect segments alike.
 */
public record BlkifRequestSegment(int gref, int firstSect, int lastSect) {
    /** Linux's {@code SECTOR_SHIFT}: every blkif sector quantity is in 512-byte units. */
    public static final int SECTOR_SHIFT = 9;
    /** 512. */
    public static final int SECTOR_SIZE = 1 << SECTOR_SHIFT;
    /** Sectors in one 4096-byte page ({@code XEN_PAGE_SIZE >> 9}); {@code last_sect} is at most one less. */
    public static final int SECTORS_PER_PAGE = Layouts.XEN_PAGE_SIZE >> SECTOR_SHIFT;

    public static final int GREF_OFFSET = 0;
    public static final int FIRST_SECT_OFFSET = 4;
    public static final int LAST_SECT_OFFSET = 5;
    /** Two bytes of tail padding that align the next segment's gref. */
    public static final int PAD_OFFSET = 6;
    /** {@code sizeof(struct blkif_request_segment)}. */
    public static final int LENGTH = 8;

    public BlkifRequestSegment {
        Fields.u8("firstSect", firstSect);
        Fields.u8("lastSect", lastSect);
    }

    /** Sectors transferred: {@code last_sect - first_sect + 1} (meaningful for a valid segment). */
    public int sectors() {
        return lastSect - firstSect + 1;
    }

    /** Where in the page the transfer starts, in bytes. */
    public int pageOffset() {
        return firstSect << SECTOR_SHIFT;
    }

    /** Bytes transferred. */
    public int byteLength() {
        return sectors() << SECTOR_SHIFT;
    }

    /** Writes all 8 bytes, the padding as zero. */
    public void encode(MemorySegment seg) {
        seg.set(Layouts.U32, GREF_OFFSET, gref);
        seg.set(Layouts.U8, FIRST_SECT_OFFSET, (byte) firstSect);
        seg.set(Layouts.U8, LAST_SECT_OFFSET, (byte) lastSect);
        seg.set(Layouts.U16, PAD_OFFSET, (short) 0);
    }

    /** The frontend wrote these bytes, so they are untrusted: a bad segment is a value, not an exception. */
    public static Decoded<BlkifRequestSegment> decode(MemorySegment seg) {
        int first = Layouts.u8(seg.get(Layouts.U8, FIRST_SECT_OFFSET));
        int last = Layouts.u8(seg.get(Layouts.U8, LAST_SECT_OFFSET));
        if (first > last || last >= SECTORS_PER_PAGE) {
            return Decoded.malformed("first_sect " + first + ", last_sect " + last
                    + " (expected: first_sect <= last_sect <= " + (SECTORS_PER_PAGE - 1) + ")");
        }
        return Decoded.ok(new BlkifRequestSegment(seg.get(Layouts.U32, GREF_OFFSET), first, last));
    }
}
