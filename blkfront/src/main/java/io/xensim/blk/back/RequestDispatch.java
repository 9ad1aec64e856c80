package io.xensim.blk.back;

import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_FLUSH_DISKCACHE;
import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_READ;
import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_WRITE_BARRIER;
import static io.xensim.blk.protocol.BlkifStatus.BLKIF_RSP_EOPNOTSUPP;
import static io.xensim.blk.protocol.BlkifStatus.BLKIF_RSP_ERROR;
import static io.xensim.blk.protocol.BlkifStatus.BLKIF_RSP_OKAY;

import io.xensim.blk.image.BlockImage;
import io.xensim.blk.protocol.BlkifOp;
import io.xensim.blk.protocol.BlkifRequest;
import io.xensim.blk.protocol.BlkifRequestDiscard;
import io.xensim.blk.protocol.BlkifRequestIndirect;
import io.xensim.blk.protocol.BlkifRequestSegment;
import io.xensim.xenbus.Decoded;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What blkback does with one decoded request: the checks, the grant mappings and the I/O against the image, run
 * synchronously (no bio is queued: the response can be made as soon as this returns). Each method returns the
 * {@code BLKIF_RSP_*} status of the response; nothing a frontend wrote can make it throw.
 *
 * <p>The checks, in Linux's order: the segment count (0 on a read or write, more than
 * {@code feature-max-indirect-segments} indirect), each segment's {@code first_sect}/{@code last_sect} (for an
 * indirect request read from its mapped indirect pages), the range and access ({@link Vbd#translate}: write,
 * flush, barrier or discard on a read-only disk; past the end or wrapping), the alignment to the disk's logical
 * sector, then the data grants. Any failure answers {@code BLKIF_RSP_ERROR}; a host I/O error does too. A discard
 * the device cannot do answers {@code BLKIF_RSP_EOPNOTSUPP}.
 *
 * <p>A flush or barrier makes every completed write durable before its response; one carrying data writes the data
 * first (I/O here is synchronous, so no earlier write is in flight to drain).
 *
 * <p><b>Threading:</b> confined to dom0's executor (the ring's worker).
 *
 * <p><b>Reference:</b> Linux drivers/block/xen-blkback/blkback.c ({@code dispatch_rw_block_io},
 * {@code xen_blkbk_parse_indirect}, {@code xen_blkbk_map_seg}, {@code dispatch_discard_io},
 * {@code __end_block_io_op}).
 */
final class RequestDispatch {
    private static final Logger log = LoggerFactory.getLogger(RequestDispatch.class);

    private final Vbd vbd;
    private final GrantMapper grants;
    private final int maxIndirectSegments;
    private final String label;

    RequestDispatch(Vbd vbd, GrantMapper grants, int maxIndirectSegments, String label) {
        this.vbd = vbd;
        this.grants = grants;
        this.maxIndirectSegments = maxIndirectSegments;
        this.label = label;
    }

    /** A direct READ, WRITE, WRITE_BARRIER or FLUSH_DISKCACHE (segment count and bounds already checked by decode). */
    int direct(BlkifRequest req) {
        return readWrite(req.operation(), req.sectorNumber(), req.segments());
    }

    /** {@code BLKIF_OP_INDIRECT}: the count against this backend's limit, then the segments from the indirect pages. */
    int indirect(BlkifRequestIndirect req) {
        if (req.nrSegments() > maxIndirectSegments) {
            log.debug("{}: bad number of segments in request ({})", label, req.nrSegments());
            return BLKIF_RSP_ERROR;
        }
        List<BlkifRequestSegment> segments = parseIndirect(req);
        if (segments == null) {
            return BLKIF_RSP_ERROR;
        }
        return readWrite(req.indirectOp(), req.sectorNumber(), segments);
    }

    /** {@code xen_blkbk_parse_indirect}: maps the indirect pages (read-only), decodes each segment, unmaps. */
    private List<BlkifRequestSegment> parseIndirect(BlkifRequestIndirect req) {
        int[] grefs = req.indirectGrefs().stream().mapToInt(Integer::intValue).toArray();
        GrantMapper.Page[] pages = grants.map(grefs, true);
        if (pages == null) {
            return null;
        }
        try {
            List<BlkifRequestSegment> segments = new ArrayList<>(req.nrSegments());
            for (int n = 0; n < req.nrSegments(); n++) {
                var slot = pages[BlkifRequestIndirect.segmentPage(n)].bytes()
                        .asSlice(BlkifRequestIndirect.segmentPageOffset(n), BlkifRequestSegment.LENGTH);
                switch (BlkifRequestSegment.decode(slot)) {
                    case Decoded.Ok<BlkifRequestSegment>(var segment) -> segments.add(segment);
                    case Decoded.Malformed<BlkifRequestSegment>(var reason) -> {
                        log.debug("{}: indirect segment {}: {}", label, n, reason);
                        return null;
                    }
                }
            }
            return segments;
        } finally {
            grants.release(pages);
        }
    }

    private int readWrite(int op, long sectorNumber, List<BlkifRequestSegment> segments) {
        boolean write = op != BLKIF_OP_READ;
        long nrSects = 0;
        for (BlkifRequestSegment s : segments) {
            nrSects += s.sectors();
        }
        if (!vbd.translate(sectorNumber, nrSects, write)) {
            log.debug("{}: access denied: {} of [{},{}]", label, BlkifOp.name(op),
                    Long.toUnsignedString(sectorNumber), Long.toUnsignedString(sectorNumber + nrSects));
            return BLKIF_RSP_ERROR;
        }
        // The start sector and every segment's length are multiples of the logical sector (checked after translate).
        int mask = (vbd.image().sectorSize() >> BlkifRequestSegment.SECTOR_SHIFT) - 1;
        for (BlkifRequestSegment s : segments) {
            if (((((int) sectorNumber) | s.sectors()) & mask) != 0) {
                log.debug("{}: misaligned I/O request", label);
                return BLKIF_RSP_ERROR;
            }
        }
        int[] grefs = segments.stream().mapToInt(BlkifRequestSegment::gref).toArray();
        // A read fills the pages: they must map writable. Everything else only reads them.
        GrantMapper.Page[] pages = grants.map(grefs, write);
        if (pages == null) {
            return BLKIF_RSP_ERROR;
        }
        try {
            BlockImage image = vbd.image();
            long offset = sectorNumber << BlkifRequestSegment.SECTOR_SHIFT;
            // The segments are consecutive on the disk: one vectored call (a bio of many bvecs), not one per page.
            MemorySegment[] data = new MemorySegment[segments.size()];
            for (int i = 0; i < data.length; i++) {
                BlkifRequestSegment s = segments.get(i);
                data[i] = pages[i].bytes().asSlice(s.pageOffset(), s.byteLength());
            }
            // A flush without data is no write at all (a bio with no bvecs): only the flush below.
            if (data.length > 0) {
                if (write) {
                    image.writev(offset, data);
                } else {
                    image.readv(offset, data);
                }
            }
            if (op == BLKIF_OP_FLUSH_DISKCACHE || op == BLKIF_OP_WRITE_BARRIER) {
                image.flush();
            }
            return BLKIF_RSP_OKAY;
        } catch (IOException | RuntimeException e) {
            // end_block_io_op with an error: the whole request fails.
            log.warn("{}: {} at sector {} failed: {}", label, BlkifOp.name(op), Long.toUnsignedString(sectorNumber),
                    e.toString());
            return BLKIF_RSP_ERROR;
        } finally {
            grants.release(pages);
        }
    }

    /** {@code dispatch_discard_io}: the access and range as a write, then the discard, or EOPNOTSUPP. */
    int discard(BlkifRequestDiscard req) {
        if (!vbd.translate(req.sectorNumber(), req.nrSectors(), true)) {
            log.debug("{}: access denied: DISCARD [{}->{}]", label, Long.toUnsignedString(req.sectorNumber()),
                    Long.toUnsignedString(req.sectorNumber() + req.nrSectors()));
            return BLKIF_RSP_ERROR;
        }
        if (!vbd.discardSupport()) {
            return BLKIF_RSP_EOPNOTSUPP;
        }
        try {
            // BLKIF_DISCARD_SECURE is honoured only with discard-secure, which a loop device never offers.
            vbd.image().discard(req.sectorNumber() << BlkifRequestSegment.SECTOR_SHIFT,
                    req.nrSectors() << BlkifRequestSegment.SECTOR_SHIFT);
            return BLKIF_RSP_OKAY;
        } catch (IOException | RuntimeException e) {
            log.warn("{}: discard at sector {} failed: {}", label, Long.toUnsignedString(req.sectorNumber()),
                    e.toString());
            return BLKIF_RSP_ERROR;
        }
    }
}
