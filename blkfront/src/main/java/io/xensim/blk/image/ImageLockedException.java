package io.xensim.blk.image;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * A read-write open of an image refused because someone else holds its write lock: another {@link RawImage} in
 * this process, or another process (a second simulator, a QEMU, a {@code guestfish} run on a live disk). The
 * message names the image and the holder, in QEMU's words: {@code Failed to get "write" lock} and {@code Is
 * another process using the image [<path>]?}.
 *
 * <p><b>Reference:</b> QEMU block/file-posix.c, {@code raw_check_lock_bytes} and the hint its callers append.
 */
public final class ImageLockedException extends IOException {
    private final Path image;
    private final boolean heldByThisProcess;
    private final OptionalLong holderPid;

    ImageLockedException(Path image, boolean heldByThisProcess, OptionalLong holderPid) {
        super(message(image, heldByThisProcess, holderPid));
        this.image = Objects.requireNonNull(image, "image");
        this.heldByThisProcess = heldByThisProcess;
        this.holderPid = Objects.requireNonNull(holderPid, "holderPid");
    }

    private static String message(Path image, boolean heldByThisProcess, OptionalLong holderPid) {
        String holder;
        if (heldByThisProcess) {
            holder = "held by this process (pid " + ProcessHandle.current().pid() + ")";
        } else if (holderPid.isPresent()) {
            holder = "held by process " + holderPid.getAsLong();
        } else {
            holder = "held by another process (pid not found in /proc)";
        }
        return "Failed to get \"write\" lock on " + image + ": " + holder
                + ". Is another process using the image [" + image + "]?";
    }

    /** The image that could not be locked, as the opener named it. */
    public Path image() {
        return image;
    }

    /** Whether the holder is another open image in this process. */
    public boolean heldByThisProcess() {
        return heldByThisProcess;
    }

    /** The holder's pid: this process's for an in-process holder; empty if another process's was not found. */
    public OptionalLong holderPid() {
        return heldByThisProcess ? OptionalLong.of(ProcessHandle.current().pid()) : holderPid;
    }
}
