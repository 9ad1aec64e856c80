package io.xensim.hvm.ide;

/**
 * The cylinder/head/sector geometry an emulated disk reports in IDENTIFY DEVICE (words 1, 3, 6 and 54-58) and
 * that CHS addressing (the device register without its LBA bit) computes sectors with.
 *
 * <p><b>Threading:</b> immutable.
 *
 * <p><b>Reference:</b> QEMU {@code hw/block/hd-geometry.c} ({@code guess_chs_for_size}: 16 heads, 63 sectors per
 * track, cylinders clamped to 2..16383) and {@code hw/ide/core.c} ({@code ide_get_sector}, {@code ide_set_sector}).
 */
public record ChsGeometry(int cylinders, int heads, int sectors) {
    private static final int MAX_CYLINDERS = 16383;

    public ChsGeometry {
        if (cylinders < 1 || cylinders > 0xffff || heads < 1 || heads > 16 || sectors < 1 || sectors > 255) {
            throw new IllegalArgumentException("geometry: " + cylinders + "/" + heads + "/" + sectors
                    + " (expected: cylinders 1..65535, heads 1..16, sectors 1..255)");
        }
    }

    /** QEMU's guess for a disk of {@code totalSectors} without a partition table hint. */
    public static ChsGeometry guess(long totalSectors) {
        long cylinders = totalSectors / (16 * 63);
        return new ChsGeometry((int) Math.max(2, Math.min(MAX_CYLINDERS, cylinders)), 16, 63);
    }

    /** Sectors the geometry addresses (words 57-58). */
    public long capacity() {
        return (long) cylinders * heads * sectors;
    }

    /** The LBA of {@code cylinder/head/sector} (sectors count from 1), or -1 for a sector number of 0. */
    public long toLba(int cylinder, int head, int sector) {
        if (sector == 0) {
            return -1;
        }
        return ((long) cylinder * heads + head) * sectors + (sector - 1);
    }
}
