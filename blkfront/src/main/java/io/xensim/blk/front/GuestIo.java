package io.xensim.blk.front;

import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.protocol.BlkifRequestSegment;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/**
 * One guest operation as the guest submitted it (a bio): its kind, its sector range, its buffer, and the future the
 * guest waits on. blkfront carries it in {@link Piece}s, one per ring request; the operation completes when every
 * sector has been answered (or at once when blkfront refuses it), exactly once.
 *
 * <p><b>Threading:</b> the guest domain's executor.
 */
final class GuestIo {
    /** The guest's operation ({@code REQ_OP_*}, {@code REQ_FUA}). */
    enum Kind {
        READ, WRITE, WRITE_FUA, FLUSH, DISCARD;

        boolean hasData() {
            return this == READ || this == WRITE || this == WRITE_FUA;
        }

        boolean writes() {
            return this == WRITE || this == WRITE_FUA || this == DISCARD;
        }

        /** Re-queued whole on recovery (blkfront_resume): flush, discard and FUA carry no bio to re-split. */
        boolean requeuedWhole() {
            return this == FLUSH || this == DISCARD || this == WRITE_FUA;
        }
    }

    final Kind kind;
    final long sector;
    final long nrSectors;
    /** The guest's buffer (reads fill it, writes read it); null for flush and discard. */
    final MemorySegment buffer;
    /** Where the buffer starts inside its first page, in sectors: where the page boundaries fall. */
    final int pageOffset;
    /** Submission order, to re-issue in order after a backend restart. */
    final long seq;
    final CompletableFuture<BlkStatus> future = new CompletableFuture<>();
    /** Sectors (data operations) or 1 (flush, discard) still to be answered. */
    private long left;
    private BlkStatus status = BlkStatus.OK;

    GuestIo(Kind kind, long sector, long nrSectors, MemorySegment buffer, long seq) {
        this.kind = kind;
        this.sector = sector;
        this.nrSectors = nrSectors;
        this.buffer = buffer;
        this.pageOffset = buffer == null ? 0 : pageOffsetOf(buffer);
        this.seq = seq;
        this.left = kind.hasData() ? nrSectors : 1;
    }

    /** The sector offset of a buffer in its page, as a bio's {@code bv_offset >> 9}; 0 for a buffer not 512-aligned. */
    static int pageOffsetOf(MemorySegment buffer) {
        long address = buffer.address();
        if (address % BlkifRequestSegment.SECTOR_SIZE != 0) {
            return 0;
        }
        return (int) ((address / BlkifRequestSegment.SECTOR_SIZE) % BlkSegments.SECTORS_PER_PAGE);
    }

    /** The whole operation as one piece. */
    Piece whole() {
        return new Piece(this, sector, nrSectors, 0);
    }

    boolean done() {
        return future.isDone();
    }

    /**
     * {@code units} of this operation were answered with {@code s}; completes once nothing is left, with the worst
     * status seen (ERROR beats NOT_SUPPORTED beats OK). Ignored once the operation completed.
     */
    void answered(long units, BlkStatus s) {
        if (done()) {
            return;
        }
        if (severity(s) > severity(status)) {
            status = s;
        }
        left -= units;
        if (left <= 0) {
            future.complete(status);
        }
    }

    /** Completes the operation now with {@code s} (refused, or the device is disabled or gone). */
    void fail(BlkStatus s) {
        future.complete(s);
    }

    private static int severity(BlkStatus s) {
        return switch (s) {
            case OK -> 0;
            case NOT_SUPPORTED -> 1;
            default -> 2;
        };
    }

    @Override
    public String toString() {
        return kind + "#" + seq + "[" + sector + "+" + nrSectors + "]";
    }
}
