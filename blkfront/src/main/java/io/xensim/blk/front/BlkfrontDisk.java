package io.xensim.blk.front;

import io.xensim.blk.protocol.BlkFeatures;
import io.xensim.blk.protocol.BlkifRequestSegment;
import io.xensim.blk.protocol.VdiskInfo;
import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.XenErrno;
import io.xensim.xenbus.bus.XenbusDeviceException;
import io.xensim.xenbus.bus.XenstoreReader;
import io.xensim.xenbus.store.wire.XsValues;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The disk as blkfront read it from the backend when it first connected: its size, its {@code VDISK_*} bits and its
 * block sizes (what {@code xlvbd_alloc_gendisk} gives the guest's gendisk).
 *
 * <p><b>Threading:</b> an immutable value; {@link #read} completes on the guest's executor.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/block/xen-blkfront.c ({@code blkfront_connect}: {@code xenbus_gather} of
 * {@code sectors}, {@code info} and {@code sector-size}, then {@code physical-sector-size} defaulting to
 * sector-size; {@code xlvbd_alloc_gendisk}: {@code VDISK_READONLY}, {@code VDISK_CDROM}).
 *
 * @param sectors            {@code sectors}: the size in 512-byte sectors
 * @param info               {@code info}: {@link VdiskInfo} bits
 * @param sectorSize         {@code sector-size}: the logical block size
 * @param physicalSectorSize {@code physical-sector-size}
 */
public record BlkfrontDisk(long sectors, int info, int sectorSize, int physicalSectorSize) {
    /** Writes are refused in the guest: a read-only disk or a CD-ROM. */
    public boolean readOnly() {
        return (info & (VdiskInfo.VDISK_READONLY | VdiskInfo.VDISK_CDROM)) != 0;
    }

    /**
     * Reads the backend's disk keys. A missing or malformed {@code sectors}, {@code info} or {@code sector-size}
     * fails with {@code ENOENT}/{@code EINVAL} "reading backend fields at ..." ({@code xenbus_dev_fatal}).
     */
    static CompletableFuture<BlkfrontDisk> read(XenstoreReader backend) {
        var sectors = backend.read(BlkFeatures.SECTORS);
        var info = backend.read(BlkFeatures.INFO);
        var sectorSize = backend.read(BlkFeatures.SECTOR_SIZE);
        var physical = backend.read(BlkFeatures.PHYSICAL_SECTOR_SIZE);
        return CompletableFuture.allOf(sectors, info, sectorSize, physical).thenApply(v -> {
            long n = required(backend, BlkFeatures.SECTORS, sectors.join(), Long.MAX_VALUE);
            int bits = (int) required(backend, BlkFeatures.INFO, info.join(), XsValues.U32_MAX);
            long size = required(backend, BlkFeatures.SECTOR_SIZE, sectorSize.join(), XsValues.U32_MAX);
            if (size < BlkifRequestSegment.SECTOR_SIZE || Long.bitCount(size) != 1 || size > 4096) {
                throw new XenbusDeviceException(XenErrno.XEN_EINVAL, "reading backend fields at " + backend.dir()
                        + ": sector-size " + size + " (expected: a power of two, 512..4096)");
            }
            long phys = physical.join().map(p -> XsValues.parseUnsigned(p, XsValues.U32_MAX))
                    .filter(Decoded::isOk).map(Decoded::orElseThrow).orElse(size);
            if (phys < size || phys % size != 0) {
                phys = size;
            }
            return new BlkfrontDisk(n, bits, (int) size, (int) phys);
        });
    }

    private static long required(XenstoreReader backend, String key, Optional<String> value, long max) {
        String raw = value.orElseThrow(() -> new XenbusDeviceException(XenErrno.XEN_ENOENT,
                "reading backend fields at " + backend.dir() + " (" + key + " missing)"));
        return switch (XsValues.parseUnsigned(raw, max)) {
            case Decoded.Ok<Long>(Long v) -> v;
            case Decoded.Malformed<Long>(String reason) -> throw new XenbusDeviceException(XenErrno.XEN_EINVAL,
                    "reading backend fields at " + backend.dir() + " (" + key + ": " + reason + ")");
        };
    }
}
