package io.xensim.blk.image;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * A disk image held in native memory, for tests and demos: what a {@code phy} backend over a RAM disk would give.
 * Reads and writes are plain copies; {@link #flush()} has nothing to make durable; {@link #discard} zeroes.
 *
 * <p><b>Threading:</b> copies of disjoint ranges may run concurrently; overlapping ones are the guest's race, as
 * on real hardware (no torn sectors are promised either way).
 */
public final class MemoryImage implements BlockImage {
    private final String name;
    private final Arena arena;
    private final MemorySegment data;
    private final boolean writable;
    private volatile boolean closed;

    private MemoryImage(String label, long sectors, boolean writable) {
        this.name = "memory:" + Objects.requireNonNull(label, "label");
        if (sectors < 0) {
            throw new IllegalArgumentException("sectors: " + sectors + " (expected: >= 0)");
        }
        this.arena = Arena.ofShared();
        this.data = arena.allocate(Math.multiplyExact(sectors, (long) SECTOR_SIZE), 4096);
        this.writable = writable;
    }

    /** A zero-filled, writable image of {@code sectors} 512-byte sectors. */
    public static MemoryImage create(String label, long sectors) {
        return new MemoryImage(label, sectors, true);
    }

    /** A zero-filled image that refuses writes (a {@code mode=r} disk or a CD-ROM). */
    public static MemoryImage createReadOnly(String label, long sectors) {
        return new MemoryImage(label, sectors, false);
    }

    /** The image's bytes, for a test to fill or check: writes through this view bypass {@link #writable()}. */
    public MemorySegment contents() {
        return data;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long sectors() {
        return data.byteSize() / SECTOR_SIZE;
    }

    @Override
    public boolean writable() {
        return writable;
    }

    @Override
    public boolean discardable() {
        return writable;
    }

    @Override
    public void read(long offset, MemorySegment dst) {
        BlockImage.checkRange(this, offset, dst.byteSize());
        MemorySegment.copy(data, offset, dst, 0, dst.byteSize());
    }

    @Override
    public void write(long offset, MemorySegment src) {
        requireWritable();
        BlockImage.checkRange(this, offset, src.byteSize());
        MemorySegment.copy(src, 0, data, offset, src.byteSize());
    }

    @Override
    public void flush() {
        requireWritable();
    }

    @Override
    public void discard(long offset, long length) {
        requireWritable();
        BlockImage.checkRange(this, offset, length);
        data.asSlice(offset, length).fill((byte) 0);
    }

    private void requireWritable() {
        if (!writable) {
            throw new IllegalStateException(name + " is read-only");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            arena.close();
        }
    }
}
