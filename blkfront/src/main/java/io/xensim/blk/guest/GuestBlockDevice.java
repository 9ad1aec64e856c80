package io.xensim.blk.guest;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;

/**
 * The guest's block device: what the guest's block layer and file systems see of a disk, the same whether the disk
 * is blkfront (a Xen PV vbd) or an emulated one. Sector numbers and counts are in 512-byte sectors whatever the
 * disk's {@link #sectorSize()}, as Linux's {@code sector_t}.
 *
 * <p>Every operation is asynchronous and never blocks: it returns a future that completes, on the guest domain's
 * executor, with a {@link BlkStatus}; it never completes exceptionally for anything the other end did. Any number
 * of operations may be outstanding: those the rings cannot take yet wait in the device's queue (Linux's blk-mq
 * software queues) and leave it as the backend completes earlier ones; {@link #queueDepth()} is how many requests
 * the rings hold at once. An operation the backend has not answered when the backend goes away waits for it to come
 * back and is re-issued then; it completes exactly once.
 *
 * <p>A buffer handed to {@link #read} or {@link #write} belongs to the device until the future completes (as a bio's
 * pages do): a write's data is read from it, possibly more than once (a re-issue after a backend restart), and a
 * read's data is stored into it only for parts that completed {@link BlkStatus#OK}.
 *
 * <p><b>Threading:</b> every method runs on the guest domain's executor, and the futures complete there.
 *
 * <p><b>Reference:</b> Linux's {@code struct gendisk} and {@code blk_mq_ops} as a disk driver exposes them
 * ({@code get_capacity}, {@code queue_logical_block_size}, {@code bdev_read_only}, {@code REQ_OP_READ},
 * {@code REQ_OP_WRITE}, {@code REQ_FUA}, {@code REQ_OP_FLUSH}, {@code REQ_OP_DISCARD}).
 */
public interface GuestBlockDevice {
    /** The disk as the guest sees it. */
    enum State {
        /** No disk yet, or the backend is away (I/O waits for it). */
        NOT_CONNECTED,
        CONNECTED,
        /** The backend broke the protocol: every I/O fails with {@link BlkStatus#DISABLED} until it reconnects. */
        DISABLED,
        /** Unplugged or removed: every I/O fails with {@link BlkStatus#NO_DEVICE}. */
        GONE
    }

    State state();

    /** The disk's size in 512-byte sectors (0 before the first connection). */
    long sectors();

    /** The logical block size in bytes. */
    int sectorSize();

    /** The physical block size in bytes. */
    int physicalSectorSize();

    /** True if writes and discards are refused ({@code VDISK_READONLY} or a CD-ROM). */
    boolean readOnly();

    /** The guest's name for the disk ({@code xvda}). */
    String name();

    /** Requests the rings hold at once (0 while not connected). */
    int queueDepth();

    /** Operations submitted and not yet completed. */
    int outstanding();

    /** Reads {@code dst.byteSize()} bytes (a multiple of 512) starting at {@code sector} into {@code dst}. */
    CompletableFuture<BlkStatus> read(long sector, MemorySegment dst);

    /** Writes all of {@code src} (a multiple of 512 bytes) starting at {@code sector}. */
    CompletableFuture<BlkStatus> write(long sector, MemorySegment src);

    /** A write that is on stable storage when it completes ({@code REQ_FUA}). */
    CompletableFuture<BlkStatus> writeFua(long sector, MemorySegment src);

    /** Makes every completed write durable ({@code REQ_OP_FLUSH}); completes at once on a disk without a cache. */
    CompletableFuture<BlkStatus> flush();

    /** Discards {@code nrSectors} sectors at {@code sector} ({@code REQ_OP_DISCARD}). */
    CompletableFuture<BlkStatus> discard(long sector, long nrSectors);
}
