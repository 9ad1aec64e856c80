package io.xensim.hvm.ide;

import io.xensim.blk.image.BlockImage;
import java.util.Objects;

/**
 * One drive on an IDE channel, as an xl {@code disk} line with an {@code hd[a-d]} vdev gives QEMU: a hard disk or a
 * CD-ROM over a {@link BlockImage} (the same backends blkback opens), with the strings IDENTIFY reports.
 *
 * <p>A hard disk over a read-only image is accepted here and aborts every write (QEMU 8 refuses to create one:
 * "Can't use a read-only drive"); a CD-ROM is read-only whatever its image.
 *
 * <p><b>Threading:</b> immutable; the image is used from the guest vCPU's thread.
 *
 * <p><b>Reference:</b> QEMU {@code hw/ide/core.c} ({@code ide_init_drive}: model "QEMU HARDDISK" or
 * "QEMU DVD-ROM", serial "QM%05d" by drive index, firmware the QEMU version).
 */
public record IdeDrive(Kind kind, BlockImage image, String model, String serial, String firmware) {
    /** What kind of drive QEMU's {@code drive_kind} makes it. */
    public enum Kind {
        /** {@code IDE_HD}: an ATA disk, unplugged by the platform device's IDE bits. */
        DISK,
        /** {@code IDE_CD}: an ATAPI CD-ROM, read-only, never unplugged. */
        CDROM
    }

    /** QEMU's firmware revision string for its drives. */
    public static final String QEMU_FIRMWARE = "2.5+";

    public IdeDrive {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(image, "image");
        checkAscii("model", model, 40);
        checkAscii("serial", serial, 20);
        checkAscii("firmware", firmware, 8);
    }

    /** A QEMU hard disk over {@code image}, serial after drive {@code index} (0 = hda). */
    public static IdeDrive disk(BlockImage image, int index) {
        return new IdeDrive(Kind.DISK, image, "QEMU HARDDISK", String.format("QM%05d", index), QEMU_FIRMWARE);
    }

    /** A QEMU CD-ROM over {@code image}. */
    public static IdeDrive cdrom(BlockImage image, int index) {
        return new IdeDrive(Kind.CDROM, image, "QEMU DVD-ROM", String.format("QM%05d", index), QEMU_FIRMWARE);
    }

    public boolean isDisk() {
        return kind == Kind.DISK;
    }

    private static void checkAscii(String field, String value, int max) {
        Objects.requireNonNull(value, field);
        if (value.length() > max || !value.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException(field + ": '" + value + "' (expected: at most " + max
                    + " printable ASCII characters)");
        }
    }
}
