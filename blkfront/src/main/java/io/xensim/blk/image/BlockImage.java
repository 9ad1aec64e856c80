package io.xensim.blk.image;

import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * The storage behind one virtual block device: what Linux blkback reaches through the block device the
 * {@code block} hotplug script attached ({@code physical-device}). Offsets and lengths are in bytes and are
 * multiples of {@link #SECTOR_SIZE}, blkif's unit whatever the disk's own sector size; the caller (blkback)
 * checks a guest's ranges against {@link #sectors()} and {@link #writable()} before it calls, so a range
 * outside the image here is a programming error ({@link IllegalArgumentException}), not a guest's.
 *
 * <p><b>Threading:</b> implementations are safe for concurrent calls from several rings' threads; two writes
 * to disjoint sector ranges never disturb each other, even inside one host file-system block.
 *
 * <p><b>Durability:</b> {@link #flush()} returns only when every write completed before it is on stable
 * storage (blkif's {@code BLKIF_OP_FLUSH_DISKCACHE} and {@code BLKIF_OP_WRITE_BARRIER}).
 */
public interface BlockImage extends Closeable {
    /** blkif's sector: {@code first_sect}, {@code last_sect}, {@code sector_number} and {@code sectors} count it. */
    int SECTOR_SIZE = 512;

    /** The image's name in messages: its path, or {@code memory:<label>}. */
    String name();

    /** The size in 512-byte sectors (blkback's {@code sectors} key). */
    long sectors();

    /** The logical sector size the guest sees (blkback's {@code sector-size} key). */
    default int sectorSize() {
        return SECTOR_SIZE;
    }

    /** The physical sector size (blkback's {@code physical-sector-size} key). */
    default int physicalSectorSize() {
        return SECTOR_SIZE;
    }

    /** Whether the image was opened for writing (blkback refuses writes, flushes and discards otherwise). */
    boolean writable();

    /** Whether {@link #discard} frees space (blkback offers {@code feature-discard} only then). */
    boolean discardable();

    /** Reads {@code dst.byteSize()} bytes at {@code offset} into {@code dst}. */
    void read(long offset, MemorySegment dst) throws IOException;

    /** Writes all of {@code src} at {@code offset}. */
    void write(long offset, MemorySegment src) throws IOException;

    /**
     * Reads the bytes at {@code offset} into {@code dsts} in turn, as one {@code preadv}: {@code dsts[0]} gets the
     * first {@code dsts[0].byteSize()} bytes, {@code dsts[1]} the next ones, and so on.
     */
    default void readv(long offset, MemorySegment[] dsts) throws IOException {
        for (MemorySegment dst : dsts) {
            read(offset, dst);
            offset += dst.byteSize();
        }
    }

    /** Writes {@code srcs} one after the other from {@code offset}, as one {@code pwritev}. */
    default void writev(long offset, MemorySegment[] srcs) throws IOException {
        for (MemorySegment src : srcs) {
            write(offset, src);
            offset += src.byteSize();
        }
    }

    /**
     * What this image has done on the host so far (guest writes and flushes, host writes and fsyncs); an image
     * that does not count returns {@link ImageStats#NONE}.
     */
    default ImageStats stats() {
        return ImageStats.NONE;
    }

    /** Makes every completed write durable. */
    void flush() throws IOException;

    /** Discards {@code length} bytes at {@code offset}: they read back as zeros afterwards. */
    void discard(long offset, long length) throws IOException;

    /** The bytes {@code parts} hold together: the length of one {@link #readv} or {@link #writev}. */
    static long totalLength(MemorySegment[] parts) {
        long total = 0;
        for (MemorySegment p : parts) {
            total += p.byteSize();
        }
        return total;
    }

    /** Checks that {@code [offset, offset + length)} is a sector-aligned range inside an image of {@code sectors}. */
    static void checkRange(BlockImage image, long offset, long length) {
        if (offset < 0 || length < 0 || offset % SECTOR_SIZE != 0 || length % SECTOR_SIZE != 0
                || offset / SECTOR_SIZE > image.sectors() || length / SECTOR_SIZE > image.sectors() - offset / SECTOR_SIZE) {
            throw new IllegalArgumentException("range [" + offset + ", +" + length + ") of " + image.name()
                    + " (expected: sector-aligned, inside " + image.sectors() + " sectors)");
        }
    }
}
