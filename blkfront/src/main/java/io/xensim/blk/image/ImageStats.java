package io.xensim.blk.image;

/**
 * What an image has done on the host since it was opened, counted by the image itself: the guest's writes and
 * flushes as blkback passed them on, and the host writes and {@code fsync}s they turned into. The ratios
 * ({@link #hostFsyncs()} per guest flush, {@link #hostMetadataWrites()} per guest write) show why a format is
 * slow under a flush-heavy guest (a file system with barriers on): a raw image turns a flush into one
 * {@code fdatasync}; qcow2 adds refcount, L2 and L1 updates, each ordered by a flush of its own.
 *
 * @param guestWrites        {@link BlockImage#write} and {@link BlockImage#writev} calls
 * @param guestFlushes       {@link BlockImage#flush} calls
 * @param hostDataWrites     host file writes ({@code pwrite}/{@code pwritev}) carrying guest data
 * @param hostMetadataWrites host file writes of the format's own metadata (0 for raw)
 * @param hostFsyncs         {@code fsync}/{@code fdatasync} calls on the host file
 */
public record ImageStats(long guestWrites, long guestFlushes, long hostDataWrites, long hostMetadataWrites,
        long hostFsyncs) {
    /** Nothing counted (an image that does not count, or one just opened). */
    public static final ImageStats NONE = new ImageStats(0, 0, 0, 0, 0);

    /** Host {@code fsync}s per guest flush; 0 when the guest has not flushed. */
    public double fsyncsPerFlush() {
        return guestFlushes == 0 ? 0 : (double) hostFsyncs / guestFlushes;
    }

    /** Host metadata writes per guest write; 0 when the guest has not written. */
    public double metadataWritesPerWrite() {
        return guestWrites == 0 ? 0 : (double) hostMetadataWrites / guestWrites;
    }
}
