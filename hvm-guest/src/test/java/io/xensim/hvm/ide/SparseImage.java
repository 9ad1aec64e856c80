package io.xensim.hvm.ide;

import io.xensim.blk.image.BlockImage;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;

/** A writable image of any size that stores only the sectors written (for disks past LBA28). */
final class SparseImage implements BlockImage {
    final long sectors;
    final Map<Long, byte[]> written = new HashMap<>();

    SparseImage(long sectors) {
        this.sectors = sectors;
    }

    @Override
    public String name() {
        return "sparse";
    }

    @Override
    public long sectors() {
        return sectors;
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
        BlockImage.checkRange(this, offset, dst.byteSize());
        for (long at = 0; at < dst.byteSize(); at += SECTOR_SIZE) {
            byte[] s = written.getOrDefault((offset + at) / SECTOR_SIZE, new byte[SECTOR_SIZE]);
            MemorySegment.copy(s, 0, dst, ValueLayout.JAVA_BYTE, at, SECTOR_SIZE);
        }
    }

    @Override
    public void write(long offset, MemorySegment src) {
        BlockImage.checkRange(this, offset, src.byteSize());
        for (long at = 0; at < src.byteSize(); at += SECTOR_SIZE) {
            written.put((offset + at) / SECTOR_SIZE, src.asSlice(at, SECTOR_SIZE).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void discard(long offset, long length) {
    }

    @Override
    public void close() {
    }
}
