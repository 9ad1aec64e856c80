package io.xensim.blk.image;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The host file under a {@link Qcow2Image} (QEMU's {@code bs->file}, the "protocol" layer): positional reads and
 * writes, {@code fsync}, growth by {@code ftruncate} and hole punching, with the counters {@link ImageStats}
 * reports. A read-write open holds the same {@link ImageLock} as a read-write {@link RawImage}, so a QEMU writer
 * and we exclude each other. Like {@link RawImage}, the {@link FileChannel} is opened through
 * {@code /proc/self/fd/<fd>} of our own descriptor, and reopened through it after an interrupt closed it.
 *
 * <p>A test can make it "crash": after a given number of further host writes, every write and {@code fsync}
 * fails, as if the process had died there; what reached the file before stays, which is what a cut-off
 * process leaves behind.
 *
 * <p><b>Threading:</b> I/O methods are called under the owning image's lock, one at a time; the counters are
 * atomic and may be read from any thread.
 */
final class Qcow2File implements Closeable {
    private final Path path;
    private final int fd;
    private final boolean writable;
    private final ImageLock lock;
    private FileChannel channel;
    private boolean closed;

    final AtomicLong guestWrites = new AtomicLong(), guestFlushes = new AtomicLong(),
            hostDataWrites = new AtomicLong(), hostMetadataWrites = new AtomicLong(), hostFsyncs = new AtomicLong();
    /** Host writes still allowed before the simulated crash; negative when no crash is armed. */
    private long writesBeforeCrash = -1;
    /** A write or growth happened since the last successful fsync. */
    private boolean unsynced;
    private long crashPoints;

    private Qcow2File(Path path, int fd, boolean writable, ImageLock lock) throws IOException {
        this.path = path;
        this.fd = fd;
        this.writable = writable;
        this.lock = lock;
        this.channel = openChannel();
    }

    /** Opens {@code path}, taking the image write lock for a read-write open. */
    static Qcow2File open(Path path, boolean writable) throws IOException {
        int fd = Libc.open(path.toString(), (writable ? Libc.O_RDWR : Libc.O_RDONLY) | Libc.O_CLOEXEC, 0);
        if (fd < 0) {
            throw ImageFd.openFailure(path, -fd);
        }
        return locked(path, fd, writable);
    }

    /** Creates {@code path}, which must not exist, and opens it read-write (locked). */
    static Qcow2File create(Path path) throws IOException {
        int fd = Libc.open(path.toString(), Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL | Libc.O_CLOEXEC, 0644);
        if (fd < 0) {
            throw ImageFd.openFailure(path, -fd);
        }
        return locked(path, fd, true);
    }

    private static Qcow2File locked(Path path, int fd, boolean writable) throws IOException {
        return ImageFd.checkAndLock(path, fd, writable, lock -> new Qcow2File(path, fd, writable, lock));
    }

    private FileChannel openChannel() throws IOException {
        return ImageFd.channel(fd, writable);
    }

    private FileChannel channel() throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        if (!channel.isOpen()) {   // an interrupt closed it under a previous caller, who got the exception
            channel = openChannel();
        }
        return channel;
    }

    Path path() {
        return path;
    }

    long size() throws IOException {
        return channel().size();
    }

    /** Fills {@code dst} from {@code position}; bytes past the end of the file read as zeros (a sparse tail). */
    void read(ByteBuffer dst, long position) throws IOException {
        long at = position;
        while (dst.hasRemaining()) {
            int n = channel().read(dst, at);
            if (n < 0) {
                while (dst.hasRemaining()) {
                    dst.put((byte) 0);
                }
                return;
            }
            at += n;
        }
    }

    void writeData(ByteBuffer src, long position) throws IOException {
        write(src, position);
        hostDataWrites.incrementAndGet();
    }

    void writeMetadata(ByteBuffer src, long position) throws IOException {
        write(src, position);
        hostMetadataWrites.incrementAndGet();
    }

    private void write(ByteBuffer src, long position) throws IOException {
        crashPoint();
        unsynced = true;
        long at = position;
        while (src.hasRemaining()) {
            at += channel().write(src, at);
        }
    }

    /** {@code fsync}: data and metadata of the file (QEMU's {@code bdrv_flush} of the protocol layer). */
    void fsync() throws IOException {
        if (writesBeforeCrash == 0) {
            throw crashFailure();
        }
        channel().force(true);
        unsynced = false;
        hostFsyncs.incrementAndGet();
    }

    /** Whether something was written since the last successful {@link #fsync}. */
    boolean unsynced() {
        return unsynced;
    }

    /** Grows the file to {@code length} bytes (a sparse tail that reads as zeros). */
    void extendTo(long length) throws IOException {
        crashPoint();
        unsynced = true;
        if (length > size()) {
            int rc = Libc.ftruncate(fd, length);
            if (rc < 0) {
                throw new IOException("ftruncate on " + path + ": " + Libc.strerror(-rc));
            }
        }
    }

    /** Frees the host blocks of {@code [offset, offset + length)} if the file system can; advisory. */
    void punchHole(long offset, long length) {
        if (!closed && writesBeforeCrash != 0) {
            Libc.fallocate(fd, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, offset, length);
        }
    }

    /** For tests: after {@code writes} more host writes, every write and fsync fails (a simulated crash). */
    void crashAfterWrites(long writes) {
        if (writes < 0) {
            throw new IllegalArgumentException("writes: " + writes + " (expected: >= 0)");
        }
        writesBeforeCrash = writes;
    }

    boolean crashed() {
        return writesBeforeCrash == 0;
    }

    /** Host writes (and growths) attempted so far: the points a simulated crash can cut at. */
    long crashPoints() {
        return crashPoints;
    }

    private void crashPoint() throws IOException {
        if (writesBeforeCrash == 0) {
            throw crashFailure();
        }
        crashPoints++;
        if (writesBeforeCrash > 0) {
            writesBeforeCrash--;
        }
    }

    private IOException crashFailure() {
        return new IOException(path + ": simulated crash (host writes cut off)");
    }

    ImageStats stats() {
        return new ImageStats(guestWrites.get(), guestFlushes.get(), hostDataWrites.get(), hostMetadataWrites.get(),
                hostFsyncs.get());
    }

    /** Closes the channel, releases the write lock and closes the descriptor. Idempotent. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        IOException failure = null;
        try {
            channel.close();
        } catch (IOException e) {
            failure = e;
        }
        failure = ImageFd.release(path, fd, lock, failure);
        if (failure != null) {
            throw failure;
        }
    }
}
