package io.xensim.blk.image;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A test double of the layer that corrupted the seed's images: it writes only whole host blocks, so a write of
 * part of a block reads the block, merges its sectors and writes the block back (what a sub-block O_DIRECT write
 * into a hole amounts to). Two such writes to disjoint sectors of one block can lose one of them. {@code
 * betweenReadAndWrite} lets a test force that interleaving; {@code locks}, when given, wraps each write in the
 * {@link HostBlockLocks} edge stripes as {@link RawImage} does, which must make the loss impossible.
 */
final class BlockRmwImage implements BlockImage {
    interface Hook {
        void run() throws Exception;
    }

    private final MemoryImage backing;
    private final int blockSize;
    private final Hook betweenReadAndWrite;
    private final HostBlockLocks locks;

    BlockRmwImage(MemoryImage backing, int blockSize, Hook betweenReadAndWrite, HostBlockLocks locks) {
        this.backing = backing;
        this.blockSize = blockSize;
        this.betweenReadAndWrite = betweenReadAndWrite;
        this.locks = locks;
    }

    @Override
    public String name() {
        return "rmw:" + backing.name();
    }

    @Override
    public long sectors() {
        return backing.sectors();
    }

    @Override
    public boolean writable() {
        return true;
    }

    @Override
    public boolean discardable() {
        return false;
    }

    @Override
    public void read(long offset, MemorySegment dst) {
        backing.read(offset, dst);
    }

    @Override
    public void write(long offset, MemorySegment src) throws IOException {
        BlockImage.checkRange(this, offset, src.byteSize());
        if (locks == null) {
            mergeBlocks(offset, src);
            return;
        }
        try (HostBlockLocks.Held held = locks.lockEdges(offset, src.byteSize())) {
            mergeBlocks(offset, src);
        }
    }

    private void mergeBlocks(long offset, MemorySegment src) throws IOException {
        long end = offset + src.byteSize();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment block = arena.allocate(blockSize);
            for (long b = offset / blockSize * blockSize; b < end; b += blockSize) {
                long from = Math.max(b, offset);
                long to = Math.min(b + blockSize, end);
                boolean whole = from == b && to == b + blockSize;
                if (!whole) {
                    backing.read(b, block);
                    try {
                        betweenReadAndWrite.run();
                    } catch (Exception e) {
                        throw new IOException("hook", e);
                    }
                }
                MemorySegment.copy(src, from - offset, block, from - b, to - from);
                backing.write(b, block);
            }
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void discard(long offset, long length) {
        throw new UnsupportedOperationException("not in this double");
    }

    @Override
    public void close() {
        backing.close();
    }
}
