package io.xensim.blk.back;

import io.xensim.blk.image.BlockImage;
import java.io.IOException;

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
}
