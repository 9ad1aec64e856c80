package io.xensim.blk.back;

import io.xensim.blk.image.BlockImage;
import io.xensim.blk.image.Qcow2Image;
import io.xensim.blk.image.RawImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How dom0 turns a backend's {@code params} into an image: the {@code block} hotplug script's target (a raw file's
 * path) for a {@code phy} disk, QEMU's {@code <format>:<path>} for a {@code qdisk} one ({@link #byFormat()}); an
 * in-memory image in tests.
 *
 * <p><b>Threading:</b> called on dom0's executor.
 */
@FunctionalInterface
public interface ImageOpener {
    /**
     * Opens {@code params}; {@code writable} for a {@code mode=w} disk.
     *
     * @throws IOException with the message the script's {@code fatal} reports (no such image, the lock refused)
     */
    BlockImage open(String params, boolean writable) throws IOException;

    /**
     * Raw image files: {@code params} is the file's path, opened with {@link RawImage#open} read-write (taking the
     * image's write lock) for a writable disk, else read-only. A refused lock is the
     * {@link io.xensim.blk.image.ImageLockedException}, whose message names the image and its holder.
     *
     * <p><b>Reference:</b> tools/hotplug/Linux/block, the {@code file} case: {@code losetup} of the file, with
     * {@code -r} for {@code mode=r}.
     */
    static ImageOpener raw() {
        return (params, writable) -> RawImage.open(Path.of(params),
                writable ? RawImage.OpenMode.READ_WRITE : RawImage.OpenMode.READ_ONLY);
    }

    /**
     * Raw and qcow2 image files by the {@code <format>:<path>} a {@code qdisk} backend's {@code params} holds
     * ({@link Target#parse}): {@code aio:}, {@code raw:} or no format opens a {@link RawImage}, {@code qcow2:} a
     * qcow2 image; read-write (taking the image's write lock) for a writable disk, else read-only. Another format
     * ({@code vhd:}, {@code qcow:}, {@code qed:}) is refused with an {@link IOException} naming it, as is an empty
     * path. A bare path is a raw image, so this also serves {@code phy} disks' targets.
     *
     * <p><b>Reference:</b> QEMU hw/block/xen-block.c {@code xen_block_drive_create} (params split at the first
     * colon; {@code aio} is the {@code raw} driver; no colon is raw).
     */
    static ImageOpener byFormat() {
        return (params, writable) -> {
            Target target = Target.parse(params);
            RawImage.OpenMode mode = writable ? RawImage.OpenMode.READ_WRITE : RawImage.OpenMode.READ_ONLY;
            if (target.path().isEmpty()) {
                throw new IOException("params \"" + params + "\": no image path");
            }
            return switch (target.format()) {
                case Target.RAW -> RawImage.open(Path.of(target.path()), mode);
                case Target.QCOW2 -> openQcow2(Path.of(target.path()), mode);
                default -> throw new IOException("params \"" + params + "\": image format '" + target.format()
                        + "' is not supported (xensim opens raw and qcow2 images)");
            };
        };
    }

    /** A {@code qcow2:} image. */
    private static BlockImage openQcow2(Path path, RawImage.OpenMode mode) throws IOException {
        return Qcow2Image.open(path, mode);
    }

    /**
     * A backend's {@code params} split into the image format and its path, as QEMU's xen-block splits it:
     * {@code <format>:<path>} where the format is a lower-case word ({@code aio} and {@code raw} both meaning
     * {@link #RAW}); anything else, a bare path included, is a raw image's path.
     *
     * @param format {@link #RAW}, {@link #QCOW2}, or the word given ({@code vhd}, {@code qcow}, ...)
     * @param path   the image file: always the end of the {@code params} it was parsed from
     */
    record Target(String format, String path) {
        public static final String RAW = "raw";
        public static final String QCOW2 = "qcow2";
        private static final Pattern FORMAT = Pattern.compile("[a-z][a-z0-9]*");

        public Target {
            Objects.requireNonNull(format, "format");
            Objects.requireNonNull(path, "path");
        }

        public static Target parse(String params) {
            Objects.requireNonNull(params, "params");
            int colon = params.indexOf(':');
            if (colon < 0 || !FORMAT.matcher(params.substring(0, colon)).matches()) {
                return new Target(RAW, params);
            }
            String format = params.substring(0, colon);
            return new Target(format.equals("aio") ? RAW : format, params.substring(colon + 1));
        }
    }
}
