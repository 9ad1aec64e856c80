package io.xensim.blk.image;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The write lock a read-write {@link RawImage} holds on its file for as long as it is open, so that nobody else
 * writes a disk a guest is running on (the seed's live-disk corruption: {@code guestfish}, {@code virt-edit} or a
 * second backend writing behind the guest's back). Read-only opens take no lock and stay possible.
 *
 * <p>The lock is an open-file-description ({@code F_OFD_SETLK}) exclusive lock on byte {@value #WRITE_LOCK_BYTE} of
 * the file, the byte QEMU uses for the "write" permission ({@code RAW_LOCK_PERM_BASE} 100 + bit 1 of
 * {@code BLK_PERM_WRITE}). OFD locks, unlike the per-process POSIX locks behind {@link java.nio.channels.FileLock},
 * conflict between two descriptors of one process too, and are not dropped when this process closes some other
 * descriptor of the same file (a read-only image, a {@code Files.readAllBytes} in a test). A QEMU writer, which
 * takes a shared lock on that same byte, is refused by us and refuses us. A registry of this process's holders
 * names an in-process holder without looking at {@code /proc}.
 *
 * <p><b>Threading:</b> {@link #acquire} and {@link #release} may run on any thread; the registry is concurrent.
 *
 * <p><b>Reference:</b> QEMU block/file-posix.c {@code raw_apply_lock_bytes}/{@code raw_check_lock_bytes} (in
 * spirit: one exclusive byte instead of QEMU's shared-byte protocol, so acquiring is one atomic step).
 */
final class ImageLock {
    /** QEMU's {@code RAW_LOCK_PERM_BASE} (100) plus the bit index of {@code BLK_PERM_WRITE} (0x02). */
    static final long WRITE_LOCK_BYTE = 101;

    /** A file's identity: {@code st_dev} and {@code st_ino}. */
    record FileKey(long dev, long ino) {
        static FileKey of(int fd) throws IOException {
            Path self = Path.of("/proc/self/fd/" + fd);   // stat follows the magic link to the open file itself
            return new FileKey((Long) Files.getAttribute(self, "unix:dev"), (Long) Files.getAttribute(self, "unix:ino"));
        }
    }

    private static final ConcurrentHashMap<FileKey, ImageLock> HELD_HERE = new ConcurrentHashMap<>();

    private final Path image;
    private final int fd;
    private final FileKey key;
    private boolean released;

    private ImageLock(Path image, int fd, FileKey key) {
        this.image = image;
        this.fd = fd;
        this.key = key;
    }

    /**
     * Takes the write lock through {@code fd} (open on {@code image}), or refuses naming the holder.
     *
     * @throws ImageLockedException when another open image, here or in another process, holds it
     */
    static ImageLock acquire(Path image, int fd) throws IOException {
        Objects.requireNonNull(image, "image");
        FileKey key = FileKey.of(fd);
        ImageLock lock = new ImageLock(image, fd, key);
        if (HELD_HERE.putIfAbsent(key, lock) != null) {
            throw new ImageLockedException(image, true, OptionalLong.empty());
        }
        int rc = Libc.ofdSetLock(fd, Libc.F_WRLCK, WRITE_LOCK_BYTE, 1);
        if (rc == 0) {
            return lock;
        }
        HELD_HERE.remove(key, lock);
        if (rc == -Libc.EAGAIN || rc == -Libc.EACCES) {
            OptionalLong holder = LockHolders.find(key, WRITE_LOCK_BYTE);
            boolean here = holder.isPresent() && holder.getAsLong() == ProcessHandle.current().pid();
            throw new ImageLockedException(image, here, here ? OptionalLong.empty() : holder);
        }
        throw new IOException("Failed to lock byte " + WRITE_LOCK_BYTE + " of " + image + ": " + Libc.strerror(-rc));
    }

    /** Drops the lock; the descriptor stays open (its owner closes it). Idempotent. */
    synchronized void release() throws IOException {
        if (released) {
            return;
        }
        released = true;
        int rc = Libc.ofdSetLock(fd, Libc.F_UNLCK, WRITE_LOCK_BYTE, 1);
        HELD_HERE.remove(key, this);
        if (rc != 0) {
            throw new IOException("Failed to unlock byte " + WRITE_LOCK_BYTE + " of " + image + ": " + Libc.strerror(-rc));
        }
    }
}
