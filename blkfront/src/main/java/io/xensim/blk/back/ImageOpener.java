package io.xensim.blk.back;

import io.xensim.blk.image.BlockImage;
import io.xensim.blk.image.RawImage;
import java.io.IOException;
import java.nio.file.Path;

/**
 * How the {@code block} hotplug script turns a backend's {@code params} (the disk target of the domain config)
 * into an image: a raw file opened, and locked when writable, by the image package; an in-memory image in tests.
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
}
