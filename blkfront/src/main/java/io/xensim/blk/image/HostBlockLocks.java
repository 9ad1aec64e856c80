package io.xensim.blk.image;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Striped locks over the host file system's blocks of one image, taken around a write or discard for the blocks
 * it covers only in part (the first and the last). Two requests to disjoint sector ranges can share a host block
 * only where at least one of them covers it partly, so locking the partly covered edge blocks serialises every
 * pair that meets inside a block, while whole-block spans run in parallel. See {@link RawImage} for why.
 *
 * <p><b>Threading:</b> any thread; a caller holds at most two stripes, always taken in ascending stripe order, so
 * two callers cannot deadlock.
 */
final class HostBlockLocks {
    private static final int STRIPES = 64;   // a power of two

    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
    private final long blockSize;

    HostBlockLocks(long blockSize) {
        if (blockSize < BlockImage.SECTOR_SIZE || Long.bitCount(blockSize) != 1) {
            throw new IllegalArgumentException("blockSize: " + blockSize + " (expected: a power of two >= 512)");
        }
        this.blockSize = blockSize;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    long blockSize() {
        return blockSize;
    }

    /** The stripes {@code [offset, offset + length)} needs; release with {@link Held#close()}. */
    Held lockEdges(long offset, long length) {
        if (length <= 0) {
            return Held.NONE;
        }
        long end = offset + length;
        long firstBlock = offset / blockSize;
        long lastBlock = (end - 1) / blockSize;
        boolean headPartial = offset % blockSize != 0 || (firstBlock == lastBlock && end % blockSize != 0);
        boolean tailPartial = end % blockSize != 0;
        int a = headPartial ? stripe(firstBlock) : -1;
        int b = tailPartial ? stripe(lastBlock) : -1;
        if (a == b || b < 0) {
            b = -1;
        } else if (a < 0) {
            a = b;
            b = -1;
        } else if (a > b) {
            int t = a;
            a = b;
            b = t;
        }
        if (a < 0) {
            return Held.NONE;
        }
        ReentrantLock first = stripes[a];
        ReentrantLock second = b < 0 ? null : stripes[b];
        first.lock();
        if (second != null) {
            second.lock();
        }
        return new Held(first, second);
    }

    private int stripe(long block) {
        long h = block * 0x9E3779B97F4A7C15L;   // Fibonacci hashing: neighbouring blocks land on different stripes
        return (int) (h >>> (64 - Integer.numberOfTrailingZeros(STRIPES)));
    }

    /** The stripes one caller holds. */
    record Held(ReentrantLock first, ReentrantLock second) implements AutoCloseable {
        static final Held NONE = new Held(null, null);

        @Override
        public void close() {
            if (second != null) {
                second.unlock();
            }
            if (first != null) {
                first.unlock();
            }
        }
    }
}
