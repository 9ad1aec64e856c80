package io.xensim.blk.front;

import io.xensim.blk.protocol.BlkifRequestSegment;

/**
 * The part of a {@link GuestIo} one ring request carries (a request of Linux's block layer, made of the bio's
 * sectors): for a data operation, {@code nrSectors} sectors from {@code sector}, at {@code bufferOffset} bytes into
 * the guest's buffer; for flush and discard, the whole operation. A piece too large for the current backend's
 * limits is cut at dispatch ({@link BlkQueue#fitHead}), so a piece re-queued after a backend restart is re-split
 * against the new limits.
 *
 * <p><b>Threading:</b> an immutable value.
 */
record Piece(GuestIo io, long sector, long nrSectors, long bufferOffset) {
    /** Where this piece's first sector falls inside its page. */
    int pageOffset() {
        return (int) ((io.pageOffset + bufferOffset / BlkifRequestSegment.SECTOR_SIZE) % BlkSegments.SECTORS_PER_PAGE);
    }

    /** What this piece counts for in {@link GuestIo#answered}. */
    long units() {
        return io.kind.hasData() ? nrSectors : 1;
    }

    /** The first {@code n} sectors of this piece. */
    Piece head(long n) {
        return new Piece(io, sector, n, bufferOffset);
    }

    /** This piece without its first {@code n} sectors. */
    Piece tail(long n) {
        return new Piece(io, sector + n, nrSectors - n, bufferOffset + n * BlkifRequestSegment.SECTOR_SIZE);
    }
}
