package io.xensim.blk.image;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A raw disk image file: what the {@code block} hotplug script attaches through a loop device for a {@code phy}
 * disk of a file, and what blkback then reads and writes. Sector {@code n} of the disk is bytes {@code [512 n,
 * 512 n + 512)} of the file; {@link #sectors()} is the file's size at open divided by 512, a trailing partial
 * sector not exposed (as Linux's loop device sizes itself). I/O is {@link FileChannel} positional I/O through the
 * page cache (a request of many segments is one {@code preadv}/{@code pwritev} on the image's descriptor, where
 * the segments are native memory); {@link #flush()} is {@code force(true)} (data and metadata, {@code fsync}) and returns only after it;
 * {@link #discard} punches a hole ({@code fallocate(PUNCH_HOLE | KEEP_SIZE)}), or writes zeros where the file
 * system refuses ({@code EOPNOTSUPP}); a hole reads as zeros.
 *
 * <p>Besides the channel the image owns one descriptor opened with libc {@code open(O_CLOEXEC)}: the channel is
 * opened through {@code /proc/self/fd/<it>}, so both are the same file whatever happens to the path, and it
 * carries the {@link ImageLock} of a read-write open and the {@code fallocate} calls. If a thread's interrupt
 * closes the channel ({@link FileChannel} is interruptible), the interrupted call fails and the channel is
 * reopened through that descriptor for every other caller, whose call is retried: positional I/O is idempotent.
 *
 * <p><b>Threading:</b> all methods may be called concurrently from any thread (one per blkback ring).
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/block/loop.c ({@code get_size}: size rounded down to sectors; {@code
 * lo_fallocate} for discard; {@code lo_req_flush} = {@code vfs_fsync}); QEMU block/file-posix.c for the lock. The
 * zero-writing fallback is ours: {@link BlockImage#discard} promises zeros, where Linux's discard is advisory.
 */
/*
 * Unaligned writes into sparse images (the seed's corruption case). A guest writes 512-byte sectors; the host
 * file system allocates 4 KiB blocks. With O_DIRECT, a write that covers part of a block that is still a hole
 * makes the file system zero the rest of that block on disk; two such writes racing on one block (AIO from two
 * queues) can each zero the other's sectors, and ext4 and xfs lost data this way until they serialised unaligned
 * direct I/O (ext4_unaligned_io, xfs_file_dio_write_unaligned). This class never opens O_DIRECT: a buffered
 * pwrite copies into the page cache under the folio lock, the rest of a new page reads as zeros from the hole,
 * and the file system allocates at writeback, so the kernel alone keeps disjoint sub-block writes apart. We do
 * not rely on that alone: a write or discard holds the HostBlockLocks stripes of the host blocks it covers only
 * partly, across all its syscalls. Two requests to disjoint sector ranges meet inside a block only if one covers
 * that block partly, so every such pair is serialised whatever the layer below does (O_DIRECT, a FUSE or network
 * file system that rewrites whole blocks). Writes from other processes are excluded by the image lock.
 * Overlapping requests are the guest's own race, as on a real disk.
 */
public final class RawImage implements BlockImage {
    /** How {@link #create} lays the file out. */
    public enum Allocation {
        /** Size set only ({@code ftruncate}): every sector starts as a hole. */
        SPARSE,
        /** Every block allocated up front ({@code fallocate(0)}, or zeros written where that is refused). */
        PREALLOCATED
    }

    /** How {@link #open} opens the file; a read-write open takes the image's write lock. */
    public enum OpenMode {
        READ_WRITE,
        READ_ONLY
    }

    private static final int DEFAULT_PHYSICAL_SECTOR = 4096;
    private static final int ZERO_CHUNK = 1 << 20;
    private static final long MAX_IO = 1L << 30;   // one ByteBuffer at a time

    private final Path path;
    private final int fd;
    private final boolean writable;
    private final long sectors;
    private final int physicalSectorSize;
    private final HostBlockLocks blockLocks;
    private final ImageLock lock;
    /** Read-held by a call that uses {@link #fd}, write-held to close it: a closed number may be reused at once. */
    private final ReentrantReadWriteLock fdInUse = new ReentrantReadWriteLock();
    private volatile FileChannel channel;
    private volatile boolean punchUnsupported;
    private volatile boolean closed;
    /** {@link #stats()}: adders, as several rings' threads write at once. */
    private final LongAdder guestWrites = new LongAdder();
    private final LongAdder guestFlushes = new LongAdder();
    private final LongAdder hostDataWrites = new LongAdder();
    private final LongAdder hostFsyncs = new LongAdder();

    private RawImage(Path path, int fd, boolean writable, ImageLock lock) throws IOException {
        this.path = path;
        this.fd = fd;
        this.writable = writable;
        this.lock = lock;
        this.channel = openChannel();
        try {
            this.sectors = channel.size() / SECTOR_SIZE;
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        this.physicalSectorSize = hostBlockSize(path);
        this.blockLocks = new HostBlockLocks(physicalSectorSize);
    }

    /**
     * Creates a new image file of {@code sectors} sectors and opens it read-write (locked).
     *
     * @throws FileAlreadyExistsException if {@code path} exists: an image is never overwritten in place
     */
    public static RawImage create(Path path, long sectors, Allocation allocation) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(allocation, "allocation");
        if (sectors < 0 || sectors > Long.MAX_VALUE / SECTOR_SIZE) {
            throw new IllegalArgumentException("sectors: " + sectors + " (expected: 0 <= sectors < 2^54)");
        }
        int fd = Libc.open(path.toString(), Libc.O_RDWR | Libc.O_CREAT | Libc.O_EXCL | Libc.O_CLOEXEC, 0644);
        if (fd < 0) {
            throw ImageFd.openFailure(path, -fd);
        }
        ImageLock lock;
        try {
            lock = ImageLock.acquire(path, fd);
        } catch (IOException | RuntimeException e) {
            Libc.close(fd);   // someone opened our new file before we locked it: theirs now, leave it be
            throw e;
        }
        RawImage image;
        try {
            check(Libc.ftruncate(fd, sectors * SECTOR_SIZE), "ftruncate", path);
            image = new RawImage(path, fd, true, lock);
        } catch (IOException | RuntimeException e) {
            lock.release();
            Libc.close(fd);
            Files.deleteIfExists(path);
            throw e;
        }
        if (allocation == Allocation.PREALLOCATED) {
            try {
                image.preallocate(sectors * SECTOR_SIZE);
            } catch (IOException | RuntimeException e) {
                image.close();   // releases the lock and the descriptor
                Files.deleteIfExists(path);
                throw e;
            }
        }
        return image;
    }

    /**
     * Opens an existing image.
     *
     * @throws ImageLockedException for {@link OpenMode#READ_WRITE} while another open image holds its write lock
     */
    public static RawImage open(Path path, OpenMode mode) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(mode, "mode");
        boolean rw = mode == OpenMode.READ_WRITE;
        int fd = Libc.open(path.toString(), (rw ? Libc.O_RDWR : Libc.O_RDONLY) | Libc.O_CLOEXEC, 0);
        if (fd < 0) {
            throw ImageFd.openFailure(path, -fd);
        }
        return ImageFd.checkAndLock(path, fd, rw, lock -> new RawImage(path, fd, rw, lock));
    }

    private FileChannel openChannel() throws IOException {
        return ImageFd.channel(fd, writable);
    }

    /** The file system's block size ({@code statvfs f_bsize}) when it is a sane power of two, else 4096. */
    private static int hostBlockSize(Path path) {
        try {
            long size = Files.getFileStore(path).getBlockSize();
            if (size >= SECTOR_SIZE && size <= 65536 && Long.bitCount(size) == 1) {
                return (int) size;
            }
        } catch (IOException | UnsupportedOperationException e) {
            // fall back to the common 4 KiB
        }
        return DEFAULT_PHYSICAL_SECTOR;
    }

    private void preallocate(long length) throws IOException {
        if (length == 0) {
            return;
        }
        int rc = Libc.fallocate(fd, 0, 0, length);
        if (rc == -Libc.EOPNOTSUPP || rc == -Libc.ENOSYS) {
            writeZeros(0, length);
            return;
        }
        check(rc, "fallocate", path);
    }

    /** The path the image was opened by. */
    public Path path() {
        return path;
    }

    @Override
    public String name() {
        return path.toString();
    }

    @Override
    public long sectors() {
        return sectors;
    }

    /** The host file system's block size (4096 on ext4/xfs): the granularity sub-block writes are serialised at. */
    @Override
    public int physicalSectorSize() {
        return physicalSectorSize;
    }

    @Override
    public boolean writable() {
        return writable;
    }

    /** True for a writable image until the file system has refused a hole punch (then discard only zeroes). */
    @Override
    public boolean discardable() {
        return writable && !punchUnsupported;
    }

    @Override
    public void read(long offset, MemorySegment dst) throws IOException {
        BlockImage.checkRange(this, offset, dst.byteSize());
        for (long done = 0; done < dst.byteSize(); done += MAX_IO) {
            long n = Math.min(MAX_IO, dst.byteSize() - done);
            MemorySegment part = dst.asSlice(done, n);
            ByteBuffer direct = viewOf(part);
            if (direct != null) {
                readFully(direct, offset + done);
            } else {
                byte[] copy = new byte[(int) n];
                readFully(ByteBuffer.wrap(copy), offset + done);
                MemorySegment.copy(MemorySegment.ofArray(copy), 0, part, 0, n);
            }
        }
    }

    @Override
    public void write(long offset, MemorySegment src) throws IOException {
        requireWritable();
        BlockImage.checkRange(this, offset, src.byteSize());
        if (src.byteSize() > 0) {
            guestWrites.increment();
        }
        writeData(offset, src);
    }

    private void writeData(long offset, MemorySegment src) throws IOException {
        try (HostBlockLocks.Held held = blockLocks.lockEdges(offset, src.byteSize())) {
            for (long done = 0; done < src.byteSize(); done += MAX_IO) {
                long n = Math.min(MAX_IO, src.byteSize() - done);
                writeFully(bufferOf(src.asSlice(done, n)), offset + done);
            }
        }
    }

    /**
     * One {@code preadv} per {@link Libc#IOV_MAX} parts when there are several and all are native, else part by part
     * (a single part is the channel's {@code pread}).
     */
    @Override
    public void readv(long offset, MemorySegment[] dsts) throws IOException {
        long total = BlockImage.totalLength(dsts);
        BlockImage.checkRange(this, offset, total);
        if (dsts.length == 1 || !allNative(dsts)) {
            BlockImage.super.readv(offset, dsts);
            return;
        }
        vectored(false, offset, dsts, total);
    }

    /** One {@code pwritev} per {@link Libc#IOV_MAX} parts, holding the edge stripes of the whole range. */
    @Override
    public void writev(long offset, MemorySegment[] srcs) throws IOException {
        requireWritable();
        long total = BlockImage.totalLength(srcs);
        BlockImage.checkRange(this, offset, total);
        if (total > 0) {
            guestWrites.increment(); // a flush's empty write carries no data
        }
        if (srcs.length == 1 || !allNative(srcs)) {
            for (MemorySegment src : srcs) {
                writeData(offset, src);
                offset += src.byteSize();
            }
            return;
        }
        try (HostBlockLocks.Held held = blockLocks.lockEdges(offset, total)) {
            vectored(true, offset, srcs, total);
        }
    }

    private static boolean allNative(MemorySegment[] parts) {
        for (MemorySegment p : parts) {
            if (!p.isNative()) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code preadv}/{@code pwritev} of {@code parts} (consecutive in the file from {@code offset}) until all
     * {@code total} bytes moved: a short transfer is continued from the part and byte where it stopped.
     */
    private void vectored(boolean write, long offset, MemorySegment[] parts, long total) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            int capacity = Math.min(Math.max(parts.length, 1), Libc.IOV_MAX);
            MemorySegment iov = arena.allocate(Libc.IOVEC, capacity);
            MemorySegment state = Libc.callState(arena);
            long entry = Libc.IOVEC.byteSize();
            int first = 0;   // the first part not yet fully moved
            long skip = 0;   // bytes of parts[first] already moved
            for (long done = 0; done < total; ) {
                int n = 0;
                for (int i = first; i < parts.length && n < capacity; i++, n++) {
                    MemorySegment part = i == first ? parts[i].asSlice(skip) : parts[i];
                    iov.set(ValueLayout.ADDRESS, n * entry, part);
                    iov.set(ValueLayout.JAVA_LONG, n * entry + ValueLayout.ADDRESS.byteSize(), part.byteSize());
                }
                long moved = positionalVectored(write, iov, n, offset + done, state);
                if (write) {
                    hostDataWrites.increment();
                }
                if (moved < 0) {
                    throw new IOException((write ? "pwritev" : "preadv") + " on " + path + ": "
                            + Libc.strerror((int) -moved));
                }
                if (moved == 0) {
                    throw new IOException(path + ": " + (write ? "no progress writing" : "end of file")
                            + " at byte " + (offset + done) + " inside an image of " + sectors
                            + " sectors (was it truncated?)");
                }
                done += moved;
                for (long left = moved; left > 0; ) {
                    long rest = parts[first].byteSize() - skip;
                    if (left < rest) {
                        skip += left;
                        break;
                    }
                    left -= rest;
                    first++;
                    skip = 0;
                }
            }
        }
    }

    /** The vectored call on {@link #fd}, which stays open while it runs (a closed number may be reused at once). */
    private long positionalVectored(boolean write, MemorySegment iov, int iovcnt, long position,
            MemorySegment state) throws ClosedChannelException {
        fdInUse.readLock().lock();
        try {
            if (closed) {
                throw new ClosedChannelException();
            }
            return Libc.positionalVectored(write, fd, iov, iovcnt, position, state);
        } finally {
            fdInUse.readLock().unlock();
        }
    }

    @Override
    public void flush() throws IOException {
        requireWritable();
        guestFlushes.increment();
        while (true) {
            FileChannel ch = channel();
            try {
                hostFsyncs.increment();
                ch.force(true);
                return;
            } catch (ClosedChannelException e) {
                recover(ch, e);
            }
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        requireWritable();
        BlockImage.checkRange(this, offset, length);
        if (length == 0) {
            return;
        }
        try (HostBlockLocks.Held held = blockLocks.lockEdges(offset, length)) {
            if (!punchUnsupported) {
                int rc = punchHole(offset, length);
                if (rc == 0) {
                    return;
                }
                if (rc != -Libc.EOPNOTSUPP && rc != -Libc.ENOSYS) {
                    check(rc, "fallocate(PUNCH_HOLE)", path);
                }
                punchUnsupported = true;   // remember, as QEMU's file-posix.c stops discarding after ENOTSUP
            }
            writeZeros(offset, length);
        }
    }

    private int punchHole(long offset, long length) throws ClosedChannelException {
        fdInUse.readLock().lock();
        try {
            if (closed) {
                throw new ClosedChannelException();
            }
            return Libc.fallocate(fd, Libc.FALLOC_FL_PUNCH_HOLE | Libc.FALLOC_FL_KEEP_SIZE, offset, length);
        } finally {
            fdInUse.readLock().unlock();
        }
    }

    /** For tests: behave from now on as on a file system that refuses to punch holes. */
    void simulatePunchHoleUnsupported() {
        punchUnsupported = true;
    }

    /** Writes zeros over {@code [offset, offset + length)}; the caller holds the edge stripes if it needs them. */
    private void writeZeros(long offset, long length) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(ZERO_CHUNK, length));
        for (long done = 0; done < length; ) {
            int n = (int) Math.min(zeros.capacity(), length - done);
            writeFully(zeros.clear().limit(n), offset + done);
            done += n;
        }
    }

    /** A buffer over {@code part} itself, or null for a heap segment over a non-byte array. */
    private static ByteBuffer viewOf(MemorySegment part) {
        try {
            return part.asByteBuffer();
        } catch (UnsupportedOperationException e) {
            return null;
        }
    }

    /** A buffer with {@code part}'s bytes: a view where the segment allows it, else a heap copy. */
    private static ByteBuffer bufferOf(MemorySegment part) {
        ByteBuffer view = viewOf(part);
        if (view != null) {
            return view;
        }
        byte[] copy = new byte[(int) part.byteSize()];
        MemorySegment.copy(part, 0, MemorySegment.ofArray(copy), 0, copy.length);
        return ByteBuffer.wrap(copy);
    }

    /** pread until {@code buffer} is full: a short read is continued; end of file means the file shrank. */
    private void readFully(ByteBuffer buffer, long position) throws IOException {
        int start = buffer.position();
        while (buffer.hasRemaining()) {
            FileChannel ch = channel();
            int before = buffer.position();
            try {
                int n = ch.read(buffer, position + (before - start));
                if (n < 0) {
                    throw new IOException(path + ": end of file at byte " + (position + before - start)
                            + " inside an image of " + sectors + " sectors (was it truncated?)");
                }
            } catch (ClosedChannelException e) {
                buffer.position(before);
                recover(ch, e);
            }
        }
    }

    /** pwrite until {@code buffer} is drained: a short write is continued from where it stopped. */
    private void writeFully(ByteBuffer buffer, long position) throws IOException {
        int start = buffer.position();
        while (buffer.hasRemaining()) {
            FileChannel ch = channel();
            int before = buffer.position();
            try {
                hostDataWrites.increment();
                ch.write(buffer, position + (before - start));
            } catch (ClosedChannelException e) {
                buffer.position(before);
                recover(ch, e);
            }
        }
    }

    private FileChannel channel() throws IOException {
        if (closed) {
            throw new ClosedChannelException();
        }
        return channel;
    }

    /**
     * After {@code failed} was closed under us: the interrupted thread's call fails (its interrupt was the
     * request to stop); every other caller gets the channel reopened through our descriptor and retries.
     */
    private void recover(FileChannel failed, ClosedChannelException e) throws IOException {
        synchronized (this) {
            if (closed) {
                throw e;
            }
            if (channel == failed) {
                channel = openChannel();
            }
        }
        if (e instanceof ClosedByInterruptException) {
            throw e;
        }
    }

    private void requireWritable() {
        if (!writable) {
            throw new IllegalStateException(path + " is read-only");
        }
    }

    private static void check(int rc, String call, Path path) throws IOException {
        if (rc < 0) {
            throw new IOException(call + " on " + path + ": " + Libc.strerror(-rc));
        }
    }

    /** Closes the channel, releases the write lock and closes the descriptor. Idempotent. */
    @Override
    public void close() throws IOException {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        IOException failure = null;
        try {
            channel.close();
        } catch (IOException e) {
            failure = e;
        }
        fdInUse.writeLock().lock();
        try {
            failure = ImageFd.release(path, fd, lock, failure);
        } finally {
            fdInUse.writeLock().unlock();
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Guest writes ({@link #write}/{@link #writev} calls that carry data) and flushes, host data writes (each
     * {@code pwrite} or {@code pwritev}, a short one continued counting again) and {@code fsync}s (one per flush); no metadata
     * writes: a raw image has none of its own (the host file system's are not seen here).
     */
    @Override
    public ImageStats stats() {
        return new ImageStats(guestWrites.sum(), guestFlushes.sum(), hostDataWrites.sum(), 0, hostFsyncs.sum());
    }

    @Override
    public String toString() {
        return "RawImage[" + path + ", " + sectors + " sectors, " + (writable ? "rw" : "ro") + "]";
    }
}
