package io.xensim.blk.image;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * What every image file does once {@code open(2)} has given it a descriptor, raw and qcow2 alike: refuse what is not
 * a regular file, take QEMU's write lock for a read-write open ({@link ImageLock}), and reach the data through a
 * {@link FileChannel} on the same open file ({@code /proc/self/fd}, so the lock and the I/O share one description).
 *
 * <p><b>Threading:</b> static helpers; callers own the descriptor.
 */
final class ImageFd {
    private ImageFd() {
    }

    /** Builds the image once the descriptor is checked and, when writable, locked. */
    @FunctionalInterface
    interface Opened<T> {
        T make(ImageLock lockOrNull) throws IOException;
    }

    /**
     * Checks {@code fd} is a regular file, locks it when {@code writable}, and makes the image; on any failure the
     * lock is released and {@code fd} closed.
     */
    static <T> T checkAndLock(Path path, int fd, boolean writable, Opened<T> opened) throws IOException {
        ImageLock lock = null;
        try {
            if (!Files.isRegularFile(Path.of("/proc/self/fd/" + fd))) {
                throw new IOException(path + ": not a regular file");
            }
            lock = writable ? ImageLock.acquire(path, fd) : null;
            return opened.make(lock);
        } catch (IOException | RuntimeException e) {
            if (lock != null) {
                lock.release();
            }
            Libc.close(fd);
            throw e;
        }
    }

    /** A channel on the open file behind {@code fd}, writable or not as the image is. */
    static FileChannel channel(int fd, boolean writable) throws IOException {
        Path self = Path.of("/proc/self/fd/" + fd);
        return writable ? FileChannel.open(self, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(self, StandardOpenOption.READ);
    }

    /** The exception Java's own file APIs would throw for {@code open(2)}'s {@code errno}. */
    static IOException openFailure(Path path, int errno) {
        return switch (errno) {
            case 2 -> new NoSuchFileException(path.toString());
            case 17 -> new FileAlreadyExistsException(path.toString());
            default -> new IOException("open " + path + ": " + Libc.strerror(errno));
        };
    }

    /**
     * The end of an image's close, after its channel: releases the write lock (if any) and closes {@code fd}, the
     * descriptor closed whatever the release did. Returns {@code failure} (the channel's), else the first failure
     * here, later ones suppressed in it; null when all went well.
     */
    static IOException release(Path path, int fd, ImageLock lock, IOException failure) {
        try {
            if (lock != null) {
                lock.release();
            }
        } catch (IOException e) {
            if (failure == null) {
                failure = e;
            } else {
                failure.addSuppressed(e);
            }
        } finally {
            int rc = Libc.close(fd);
            if (rc < 0 && failure == null) {
                failure = new IOException("close " + path + ": " + Libc.strerror(-rc));
            }
        }
        return failure;
    }
}
