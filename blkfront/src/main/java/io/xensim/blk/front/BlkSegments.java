package io.xensim.blk.front;

import io.xensim.blk.protocol.BlkifRequestSegment;
import java.util.ArrayList;
import java.util.List;

/**
 * How a contiguous sector range of a guest buffer becomes blkif segments: one per 4 KiB page the buffer touches,
 * {@code first_sect}/{@code last_sect} the sectors of that page the range covers. The buffer's position inside its
 * first page ({@code pageOffset}, in sectors) decides where the page boundaries fall, as the bio's page offsets do
 * for Linux's {@code blk_rq_map_sg}. Pure arithmetic.
 *
 * <p><b>Threading:</b> stateless.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/block/xen-blkfront.c ({@code blkif_queue_rw_req},
 * {@code blkif_setup_rw_req_grant}: {@code fsect = offset >> 9}, {@code lsect = fsect + (len >> 9) - 1}).
 */
final class BlkSegments {
    /** Sectors in a page. */
    static final int SECTORS_PER_PAGE = BlkifRequestSegment.SECTORS_PER_PAGE;

    /** One segment: its sectors inside the page, and where its bytes are in the request's buffer. */
    record Segment(int firstSect, int lastSect, long bufferOffset) {
        int sectors() {
            return lastSect - firstSect + 1;
        }

        int pageOffset() {
            return firstSect * BlkifRequestSegment.SECTOR_SIZE;
        }

        int byteLength() {
            return sectors() * BlkifRequestSegment.SECTOR_SIZE;
        }
    }

    private BlkSegments() {
    }

    /** Pages (segments) that {@code nrSectors} sectors starting {@code pageOffset} sectors into a page touch. */
    static long pages(int pageOffset, long nrSectors) {
        checkOffset(pageOffset);
        return (pageOffset + nrSectors + SECTORS_PER_PAGE - 1) / SECTORS_PER_PAGE;
    }

    /** The most sectors that fit in {@code maxSegments} segments when the range starts {@code pageOffset} in. */
    static long maxSectors(int pageOffset, int maxSegments) {
        checkOffset(pageOffset);
        return (long) maxSegments * SECTORS_PER_PAGE - pageOffset;
    }

    /** The segments of {@code nrSectors} (at least 1) sectors starting {@code pageOffset} sectors into a page. */
    static List<Segment> split(int pageOffset, int nrSectors) {
        checkOffset(pageOffset);
        if (nrSectors < 1) {
            throw new IllegalArgumentException("nrSectors: " + nrSectors + " (expected: >= 1)");
        }
        List<Segment> segments = new ArrayList<>((int) pages(pageOffset, nrSectors));
        int first = pageOffset;
        long done = 0;
        while (done < nrSectors) {
            int n = (int) Math.min(SECTORS_PER_PAGE - first, nrSectors - done);
            segments.add(new Segment(first, first + n - 1, done * BlkifRequestSegment.SECTOR_SIZE));
            done += n;
            first = 0;
        }
        return segments;
    }

    private static void checkOffset(int pageOffset) {
        if (pageOffset < 0 || pageOffset >= SECTORS_PER_PAGE) {
            throw new IllegalArgumentException("pageOffset: " + pageOffset + " (expected: 0.."
                    + (SECTORS_PER_PAGE - 1) + ")");
        }
    }
}
