package io.xensim.blk.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The reference counts of a qcow2 image's host clusters: the refcount table (in memory, one entry per refcount
 * block) and the refcount blocks (in a {@link Qcow2Cache}), and the cluster allocator that uses them. A cluster
 * with refcount 0 is free; every cluster the image uses (header, tables, data) has refcount 1, as no internal
 * snapshot shares one.
 * <pre>
 *  refcount table (u64 entries)          refcount block (one cluster of 2^refcount_order-bit entries)
 *  +-----------------------------+       +-------+-------+-------+-- ... --+
 *  | offset of block 0 | bits 9-63 ----> | rc 0  | rc 1  | rc 2  |         |   big-endian for >= 8 bits;
 *  +-----------------------------+       +-------+-------+-------+-- ... --+   LSB first inside a byte below
 *  | offset of block 1 (0: none) |
 *  +-----------------------------+       cluster index c: block c >> (cluster_bits + 3 - refcount_order)
 * </pre>
 *
 * <p>Crash safety: an increase reaches the file (with the rest of the dirty refcount blocks, then an fsync)
 * before the L2 entry that uses the cluster; a new refcount block is written and flushed before the table entry
 * that points at it; a decrease is made only after the L2 entry that dropped the cluster is on disk
 * ({@link Qcow2Image} queues it). So a cut-off write leaves, at worst, a cluster counted but unused: a leak.
 *
 * <p><b>Threading:</b> not thread-safe: used under the owning {@link Qcow2Image}'s lock.
 *
 * <p><b>Reference:</b> QEMU block/qcow2-refcount.c: {@code qcow2_alloc_clusters} (first-fit from
 * {@code free_cluster_index}), {@code alloc_refcount_block} (a new block counts itself when it lies in its own
 * range), {@code qcow2_refcount_area} (a new, larger table: blocks and table written and flushed, then the
 * header, then the old table freed), {@code update_refcount} and {@code qcow2_free_clusters}.
 */
final class Qcow2Refcounts {
    /** What the refcounts need from the image: an ordered write-back and the header's table fields. */
    interface Owner {
        /** Writes every dirty table out in the crash-safe order (refcount blocks, table, L2, L1). */
        void writeback() throws IOException;

        /** Points the header at a new refcount table (written and flushed before this returns). */
        void refcountTableMoved(long offset, int clusters) throws IOException;

        /** Marks the image corrupt (QEMU's {@code qcow2_signal_corruption}) and returns the error to throw. */
        IOException corruption(String what);
    }

    private final Qcow2File file;
    private final Owner owner;
    private final int clusterBits;
    private final long clusterSize;
    private final int refcountOrder;
    /** log2 of the refcount entries per block. */
    private final int rpbBits;
    private final Qcow2Cache blocks;
    private long[] table;
    private long tableOffset;
    private int tableClusters;
    private boolean tableDirty;
    /** No cluster below this one is free (QEMU's {@code free_cluster_index}). */
    private long freeClusterIndex;

    Qcow2Refcounts(Qcow2File file, Owner owner, Qcow2Header header, int blockCacheCapacity) throws IOException {
        this.file = file;
        this.owner = owner;
        this.clusterBits = header.clusterBits();
        this.clusterSize = header.clusterSize();
        this.refcountOrder = header.refcountOrder();
        this.rpbBits = clusterBits + 3 - refcountOrder;
        this.blocks = new Qcow2Cache("refcount block", (int) clusterSize, blockCacheCapacity);
        this.tableOffset = header.refcountTableOffset();
        this.tableClusters = header.refcountTableClusters();
        ByteBuffer bytes = ByteBuffer.allocate(tableClusters << clusterBits).order(ByteOrder.BIG_ENDIAN);
        file.read(bytes, tableOffset);
        this.table = new long[bytes.capacity() / 8];
        for (int i = 0; i < table.length; i++) {
            table[i] = bytes.getLong(i * 8);
        }
    }

    /** The refcount of host cluster {@code cluster} (0 if no block covers it). */
    long get(long cluster) throws IOException {
        long b = cluster >>> rpbBits;
        if (b >= table.length || table[(int) b] == 0) {
            return 0;
        }
        return entry(block(table[(int) b]).bytes, index(cluster));
    }

    /**
     * Allocates one free cluster and counts it (refcount 1); returns its host offset. The file is not grown
     * here: the caller writes or extends it.
     */
    long allocate() throws IOException {
        while (true) {
            long cluster = freeClusterIndex;
            long b = cluster >>> rpbBits;
            if (b >= table.length) {
                growTable(cluster);
                continue;
            }
            if (table[(int) b] == 0) {
                newBlock(b, cluster);
                continue;
            }
            Qcow2Cache.Table block = block(table[(int) b]);
            int index = index(cluster);
            if (entry(block.bytes, index) == 0) {
                setEntry(block, index, 1);
                freeClusterIndex = cluster + 1;
                return cluster << clusterBits;
            }
            freeClusterIndex = cluster + 1;
        }
    }

    /**
     * Drops one reference to the cluster at {@code offset} (its L2 or L1 entry is already gone on disk);
     * returns the new refcount. A cluster that reaches 0 is free again, and its host blocks are punched out.
     */
    long decrement(long offset) throws IOException {
        long cluster = offset >>> clusterBits;
        long b = cluster >>> rpbBits;
        if (b >= table.length || table[(int) b] == 0) {
            throw owner.corruption("cluster " + Long.toHexString(offset) + " freed but has no refcount block");
        }
        Qcow2Cache.Table block = block(table[(int) b]);
        int index = index(cluster);
        long refcount = entry(block.bytes, index);
        if (refcount == 0) {
            throw owner.corruption("cluster " + Long.toHexString(offset) + " freed with refcount 0");
        }
        setEntry(block, index, refcount - 1);
        if (refcount == 1) {
            freeClusterIndex = Math.min(freeClusterIndex, cluster);
            file.punchHole(offset, clusterSize);
        }
        return refcount - 1;
    }

    /** Writes the dirty refcount blocks; returns how many. */
    int writeDirtyBlocks() throws IOException {
        return blocks.writeDirty(file);
    }

    /** Writes the refcount table if a block was added since it was last written; returns whether it did. */
    boolean writeTableIfDirty() throws IOException {
        if (!tableDirty) {
            return false;
        }
        file.writeMetadata(tableBytes(table, tableClusters), tableOffset);
        tableDirty = false;
        return true;
    }

    /** A new block for range {@code b}, at {@code cluster} (free: no block means the whole range is free). */
    private void newBlock(long b, long cluster) throws IOException {
        makeRoom();
        long offset = cluster << clusterBits;
        Qcow2Cache.Table block = blocks.create(offset);
        setEntry(block, index(cluster), 1);   // the block counts itself, as alloc_refcount_block's self-describing case
        table[(int) b] = offset;
        tableDirty = true;
        freeClusterIndex = cluster + 1;
    }

    /**
     * Moves to a larger refcount table when {@code cluster} is past the clusters the table can describe
     * (QEMU's {@code qcow2_refcount_area}). Everything dirty is written back first, so the file is consistent;
     * then new blocks and the new table go into clusters from {@code cluster} on (all free, being uncovered),
     * describing themselves, then a flush, the header, a flush, and the old table's clusters are freed.
     */
    private void growTable(long cluster) throws IOException {
        owner.writeback();
        long firstRange = cluster >>> rpbBits;
        long entries = Math.max(2L * table.length, firstRange + 1);
        long newBlocks = 1, tableClustersNew;
        while (true) {
            tableClustersNew = (entries * 8 + clusterSize - 1) >>> clusterBits;
            long end = cluster + newBlocks + tableClustersNew;   // one past the area's last cluster
            long lastRange = (end - 1) >>> rpbBits;
            long needBlocks = lastRange - firstRange + 1;
            long needEntries = Math.max(entries, lastRange + 1);
            if (needBlocks == newBlocks && needEntries == entries) {
                break;
            }
            newBlocks = needBlocks;
            entries = needEntries;
        }
        if (tableClustersNew << clusterBits > Qcow2Header.QCOW_MAX_REFTABLE_SIZE) {
            throw new IOException(file.path() + ": refcount table would exceed "
                    + Qcow2Header.QCOW_MAX_REFTABLE_SIZE + " bytes (image too large for its cluster size)");
        }
        long[] grown = java.util.Arrays.copyOf(table, (int) ((tableClustersNew << clusterBits) / 8));
        long areaEnd = cluster + newBlocks + tableClustersNew;
        for (long i = 0; i < newBlocks; i++) {
            long range = firstRange + i;
            ByteBuffer block = ByteBuffer.allocate((int) clusterSize).order(ByteOrder.BIG_ENDIAN);
            for (long c = Math.max(cluster, range << rpbBits); c < Math.min(areaEnd, (range + 1) << rpbBits); c++) {
                putEntry(block, index(c), 1);
            }
            long blockOffset = (cluster + i) << clusterBits;
            file.writeMetadata(block, blockOffset);
            grown[(int) range] = blockOffset;
        }
        long newTableOffset = (cluster + newBlocks) << clusterBits;
        file.writeMetadata(tableBytes(grown, (int) tableClustersNew), newTableOffset);
        file.fsync();
        long oldOffset = tableOffset;
        int oldClusters = tableClusters;
        owner.refcountTableMoved(newTableOffset, (int) tableClustersNew);
        table = grown;
        tableOffset = newTableOffset;
        tableClusters = (int) tableClustersNew;
        tableDirty = false;
        freeClusterIndex = areaEnd;
        for (int i = 0; i < oldClusters; i++) {
            decrement(oldOffset + ((long) i << clusterBits));
        }
    }

    private ByteBuffer tableBytes(long[] entries, int clusters) {
        ByteBuffer bytes = ByteBuffer.allocate(clusters << clusterBits).order(ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < entries.length; i++) {
            bytes.putLong(i * 8, entries[i]);
        }
        return bytes;
    }

    private Qcow2Cache.Table block(long offset) throws IOException {
        if ((offset & (clusterSize - 1)) != 0) {
            throw owner.corruption("refcount block offset " + Long.toHexString(offset) + " unaligned");
        }
        makeRoom();
        return blocks.get(file, offset & Qcow2Header.REFT_OFFSET_MASK);
    }

    private void makeRoom() throws IOException {
        if (blocks.full() && !blocks.evictClean()) {
            owner.writeback();
            blocks.evictClean();
        }
    }

    private int index(long cluster) {
        return (int) (cluster & ((1L << rpbBits) - 1));
    }

    private long entry(ByteBuffer block, int index) {
        return switch (refcountOrder) {
            case 0, 1, 2 -> {
                int bits = 1 << refcountOrder, perByte = 8 >> refcountOrder;
                int shift = (index % perByte) * bits;
                yield (Byte.toUnsignedInt(block.get(index / perByte)) >>> shift) & ((1 << bits) - 1);
            }
            case 3 -> Byte.toUnsignedLong(block.get(index));
            case 4 -> Short.toUnsignedLong(block.getShort(index * 2));
            case 5 -> Integer.toUnsignedLong(block.getInt(index * 4));
            case 6 -> block.getLong(index * 8);
            default -> throw new AssertionError(refcountOrder);   // decode allows 0..6 only
        };
    }

    private void setEntry(Qcow2Cache.Table block, int index, long value) throws IOException {
        if (refcountOrder < 6 && value >>> (1 << refcountOrder) != 0) {
            throw new IOException(file.path() + ": refcount " + value + " overflows " + (1 << refcountOrder) + " bits");
        }
        putEntry(block.bytes, index, value);
        block.markDirty();
    }

    private void putEntry(ByteBuffer block, int index, long value) {
        switch (refcountOrder) {
            case 0, 1, 2 -> {
                int bits = 1 << refcountOrder, perByte = 8 >> refcountOrder;
                int shift = (index % perByte) * bits;
                int old = Byte.toUnsignedInt(block.get(index / perByte));
                int mask = ((1 << bits) - 1) << shift;
                block.put(index / perByte, (byte) ((old & ~mask) | ((int) value << shift)));
            }
            case 3 -> block.put(index, (byte) value);
            case 4 -> block.putShort(index * 2, (short) value);
            case 5 -> block.putInt(index * 4, (int) value);
            case 6 -> block.putLong(index * 8, value);
            default -> throw new AssertionError(refcountOrder);
        }
    }
}
