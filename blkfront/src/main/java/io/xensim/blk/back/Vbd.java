package io.xensim.blk.back;

import io.xensim.blk.image.BlockImage;
import io.xensim.blk.protocol.VdiskInfo;
import java.util.Objects;

/**
 * The virtual block device blkback made of the opened {@code physical-device} ({@code struct xen_vbd}): the
 * image, whether the frontend may write ({@code mode} has no {@code w}, or the image is read-only), whether it is
 * a CD-ROM (the frontend's {@code device-type}), and what the device can do (flush, discard). {@link #translate}
 * is the check of every request's range and access.
 *
 * <p><b>Threading:</b> immutable; the image is shared with the loop device that owns it.
 *
 * <p><b>Reference:</b> Linux drivers/block/xen-blkback/xenbus.c ({@code xen_vbd_create}) and blkback.c
 * ({@code xen_vbd_translate}).
 */
record Vbd(BlockImage image, int handle, boolean readonly, boolean cdrom) {
    /** The discard granularity a loop device over a file reports: the host file system's block (4 KiB). */
    static final int DISCARD_GRANULARITY = 4096;

    Vbd {
        Objects.requireNonNull(image, "image");
    }

    /** {@code vbd_sz}: the size in 512-byte sectors. */
    long sectors() {
        return image.sectors();
    }

    /** {@code vbd->flush_support}: a writable loop device has a write cache to flush. */
    boolean flushSupport() {
        return image.writable();
    }

    /** Whether the device discards ({@code bdev_max_discard_sectors} non-zero). */
    boolean discardSupport() {
        return image.discardable() && image.writable();
    }

    /** {@code vbd->type | (readonly ? VDISK_READONLY : 0)}: the {@code info} key. */
    int info() {
        return (cdrom ? VdiskInfo.VDISK_CDROM : 0) | (readonly ? VdiskInfo.VDISK_READONLY : 0);
    }

    /**
     * {@code xen_vbd_translate}: false if {@code write} on a read-only device, or if a non-empty range wraps the
     * 64-bit sector space or ends past the device. Sector numbers are unsigned, as {@code blkif_sector_t} is.
     */
    boolean translate(long sectorNumber, long nrSects, boolean write) {
        if (write && readonly) {
            return false;
        }
        if (nrSects != 0) {
            long end = sectorNumber + nrSects;
            if (Long.compareUnsigned(end, sectorNumber) < 0 || Long.compareUnsigned(end, sectors()) > 0) {
                return false;
            }
        }
        return true;
    }
}
