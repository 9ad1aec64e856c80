package io.xensim.blk.guest;

/**
 * How a guest block I/O ended: the {@code blk_status_t} a Linux block driver completes a request with, narrowed to
 * what a PV disk can say.
 *
 * <p><b>Reference:</b> Linux include/linux/blk_types.h ({@code BLK_STS_OK}, {@code BLK_STS_IOERR},
 * {@code BLK_STS_NOTSUPP}) and the block layer's refusal of writes to a read-only disk ({@code bio_check_ro}).
 */
public enum BlkStatus {
    /** {@code BLK_STS_OK}: done; a read's buffer holds the data. */
    OK,
    /** {@code BLK_STS_IOERR}: the backend answered {@code BLKIF_RSP_ERROR}, or the range is past the end of the disk. */
    IO_ERROR,
    /** {@code BLK_STS_NOTSUPP}: the disk does not offer the operation (discard), or the backend refused it. */
    NOT_SUPPORTED,
    /** The disk is read-only ({@code VDISK_READONLY}, a CD-ROM): the write was refused in the guest. */
    READ_ONLY,
    /** blkfront disabled itself after the backend broke the protocol ("disabled for further use"). */
    DISABLED,
    /** The device was unplugged or removed before the I/O could complete. */
    NO_DEVICE;

    /** True for {@link #OK}. */
    public boolean ok() {
        return this == OK;
    }
}
