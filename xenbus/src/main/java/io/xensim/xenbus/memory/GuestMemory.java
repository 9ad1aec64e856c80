package io.xensim.xenbus.memory;

import static io.xensim.xenbus.memory.Layouts.XEN_PAGE_SHIFT;
import static io.xensim.xenbus.memory.Layouts.XEN_PAGE_SIZE;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.Objects;

/**
 * One domain's guest-physical address space: {@code frames} frames of 4 KiB, addressed by guest frame number
 * (gfn), in native memory.
 *
 * <p>The memory is either anonymous or a memory-mapped file. A mapped file is how a process outside the JVM (a C or
 * Rust driver under test) can attach to a guest's pages: frame {@code gfn} lives at byte {@code gfn * 4096} of
 * the file. Nothing here assumes heap memory or Java-only access; all shared-memory ordering is done with the
 * atomic var handles of {@link Layouts} on this native segment.
 *
 * <p>Every access is bounds-checked: {@link #frame(long)} throws for our own misuse, and {@link #contains(long)}
 * lets hypervisor code validate a gfn that a guest supplied before touching it (a bad gfn from a guest becomes a
 * status code, never an exception). {@link #frame(long)} returns a slice, created once by the caller and then
 * reused (rings keep theirs), so hot paths do not allocate per access.
 *
 * <p>The frame allocator stands in for the guest kernel's page allocator: drivers take frames for ring pages and
 * data buffers from it. {@link #allocateFrames(int)} returns a physically contiguous run, which a multi-page ring
 * needs because the peer maps its pages as one contiguous area (what Xen achieves with virtual mappings).
 *
 * <p><b>Threading:</b> reads and writes of frame contents are unsynchronised (they are the guest's, and its peers'
 * through grants; the protocols order them). The allocator is synchronised and may be used from any thread.
 */
public final class GuestMemory implements AutoCloseable {
    private final Arena arena;
    private final MemorySegment memory;
    private final long frames;
    private final Path file; // null when anonymous
    private final BitSet allocated = new BitSet(); // guarded by this
    private long allocatedCount; // guarded by this
    /** Every frame below this one is allocated: first fit starts here (dom0 allocates thousands with many guests). */
    private long lowestFree; // guarded by this

    private GuestMemory(Arena arena, MemorySegment memory, long frames, Path file) {
        this.arena = arena;
        this.memory = memory;
        this.frames = frames;
        this.file = file;
    }

    /** Anonymous, zero-filled, page-aligned native memory of {@code frames} frames. */
    public static GuestMemory anonymous(long frames) {
        checkFrames(frames);
        Arena arena = Arena.ofShared();
        MemorySegment memory = arena.allocate(frames << XEN_PAGE_SHIFT, XEN_PAGE_SIZE);
        memory.fill((byte) 0);
        return new GuestMemory(arena, memory, frames, null);
    }

    /**
     * Memory backed by {@code file}, created or grown to {@code frames * 4096} bytes and mapped shared, so another
     * process mapping the same file sees the same bytes.
     */
    public static GuestMemory mapped(Path file, long frames) {
        checkFrames(frames);
        Objects.requireNonNull(file, "file");
        Arena arena = Arena.ofShared();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            long bytes = frames << XEN_PAGE_SHIFT;
            if (channel.size() < bytes) {
                channel.truncate(bytes); // no-op when smaller; extend below
                channel.write(java.nio.ByteBuffer.wrap(new byte[1]), bytes - 1);
            }
            MemorySegment memory = channel.map(FileChannel.MapMode.READ_WRITE, 0, bytes, arena);
            return new GuestMemory(arena, memory, frames, file);
        } catch (IOException e) {
            arena.close();
            throw new UncheckedIOException("mapping guest memory file " + file, e);
        }
    }

    private static void checkFrames(long frames) {
        if (frames <= 0 || frames > (1L << 40 >> XEN_PAGE_SHIFT)) {
            throw new IllegalArgumentException("frames: " + frames + " (expected: 1.." + (1L << 28) + ")");
        }
    }

    /** The number of frames: gfns run from 0 to {@code frames() - 1}. */
    public long frames() {
        return frames;
    }

    /** The backing file, or null for anonymous memory. */
    public Path file() {
        return file;
    }

    /** True when {@code gfn} is a frame of this memory; use before touching a gfn a guest supplied. */
    public boolean contains(long gfn) {
        return gfn >= 0 && gfn < frames;
    }

    /** True when frames {@code gfn .. gfn + count - 1} all exist. */
    public boolean contains(long gfn, int count) {
        return count > 0 && gfn >= 0 && gfn <= frames - count;
    }

    /** The 4096 bytes of frame {@code gfn}. */
    public MemorySegment frame(long gfn) {
        return frames(gfn, 1);
    }

    /** The {@code count * 4096} contiguous bytes of frames {@code gfn .. gfn + count - 1}. */
    public MemorySegment frames(long gfn, int count) {
        if (!contains(gfn, count)) {
            throw new IndexOutOfBoundsException("gfn: " + gfn + " count " + count + " (expected: within 0.."
                    + (frames - 1) + ")");
        }
        return memory.asSlice(gfn << XEN_PAGE_SHIFT, (long) count << XEN_PAGE_SHIFT);
    }

    /** The whole guest-physical memory, for code that addresses it by guest-physical byte address. */
    public MemorySegment segment() {
        return memory;
    }

    /** Takes one free frame, zero-filled, or returns -1 when memory is exhausted. */
    public long allocateFrame() {
        return allocateFrames(1);
    }

    /**
     * Takes {@code count} physically contiguous free frames, zero-filled, and returns the first gfn, or -1 when no
     * such run is free. First fit from the bottom of memory.
     */
    public synchronized long allocateFrames(int count) {
        if (count <= 0) {
            throw new IllegalArgumentException("count: " + count + " (expected: > 0)");
        }
        long start = lowestFree;
        while (start + count <= frames) {
            int firstUsed = allocated.nextSetBit((int) start);
            if (firstUsed < 0 || firstUsed >= start + count) {
                allocated.set((int) start, (int) start + count);
                allocatedCount += count;
                if (start == lowestFree) {
                    lowestFree = allocated.nextClearBit((int) start);
                }
                frames(start, count).fill((byte) 0);
                return start;
            }
            start = allocated.nextClearBit(firstUsed);
        }
        return -1;
    }

    /** Returns frames taken with {@link #allocateFrames(int)}. Freeing a frame that is not allocated is a bug. */
    public synchronized void freeFrames(long gfn, int count) {
        if (!contains(gfn, count)) {
            throw new IndexOutOfBoundsException("gfn: " + gfn + " count " + count);
        }
        for (long g = gfn; g < gfn + count; g++) {
            if (!allocated.get((int) g)) {
                throw new IllegalStateException("gfn: " + g + " (expected: an allocated frame)");
            }
        }
        allocated.clear((int) gfn, (int) (gfn + count));
        allocatedCount -= count;
        lowestFree = Math.min(lowestFree, gfn);
    }

    public void freeFrame(long gfn) {
        freeFrames(gfn, 1);
    }

    /** Frames currently taken from the allocator. */
    public synchronized long allocatedFrames() {
        return allocatedCount;
    }

    /** Releases the native memory (or the mapping); the domain is gone. */
    @Override
    public void close() {
        arena.close();
    }

    @Override
    public String toString() {
        return "GuestMemory[" + frames + " frames" + (file == null ? "" : ", " + file) + "]";
    }
}
