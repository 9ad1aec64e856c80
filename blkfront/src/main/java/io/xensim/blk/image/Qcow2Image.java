package io.xensim.blk.image;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A qcow2 (version 2 or 3) disk image: what QEMU's qdisk backend (the {@code qcow2} block driver over a
 * {@code file}) serves to a guest's blkfront. A guest offset is mapped through the L1 table (in memory) and an
 * L2 table (cached) to a host cluster; unallocated and zero clusters read as zeros; a write to one allocates a
 * cluster (first free by refcount, see {@link Qcow2Refcounts}); a discard of whole clusters drops them (a v3
 * image keeps a zero-cluster entry, as QEMU does) and frees them once that is on disk.
 *
 * <p>Refused at {@link #open}, naming the feature ({@link Qcow2Features}): a backing file, encryption, internal
 * snapshots, an external data file, zstd compression, extended L2 entries, unknown incompatible features, and
 * compressed clusters (found by reading every L2 table once at open, as they have no header bit). A corrupt image
 * (incompatible bit 1) opens read-only only, as in QEMU. So does a dirty one (bit 0: lazy refcounts not written
 * back), whose refcounts need the repair QEMU's {@code qcow2_do_open} runs first ({@code qcow2_check} with
 * {@code BDRV_FIX_ERRORS}, i.e. {@code qemu-img check -r all}); we never set the dirty bit, since we keep
 * refcounts exact (no lazy refcounts, as QEMU sets it only with them). Metadata found inconsistent while running
 * (an unaligned offset, a free of a free cluster) marks the image corrupt as {@code qcow2_signal_corruption} does,
 * and every later call fails. Autoclear bits are cleared on a read-write open, as the spec requires of a program
 * that does not know them (we keep no bitmaps).
 *
 * <p><b>Durability and crash safety:</b> metadata changes stay in memory (write-back) until a flush, a full cache
 * or close writes them in QEMU's dependency order: dirty refcount blocks, fsync; the refcount table if a block
 * was added, fsync; dirty L2 tables, fsync; then the frees the L2 changes made possible are applied (counted
 * down, to be written at the next write-back); dirty L1 clusters, fsync. A guest flush thus costs one fsync per
 * level that had something dirty (2 for a write that allocated inside existing L2 tables, 3 if it needed a new L2
 * table, 4 with a new refcount block), one if only data was written, none if nothing was written since the last
 * flush (QEMU's {@code bdrv_co_flush} skips that case too). Guest data goes to the file at once, before its L2
 * entry. A process cut off anywhere leaves an image whose on-disk metadata is that of some write-back point plus
 * a prefix of the next one, which is at worst leaked clusters for {@code qemu-img check}.
 *
 * <p><b>Threading:</b> every public method takes one {@link ReentrantLock} for its whole length, metadata and
 * host I/O alike: calls from several rings are safe and serialised, so disjoint writes never disturb each other.
 * {@link #stats()} reads atomic counters without the lock.
 *
 * <p><b>Reference:</b> QEMU docs/interop/qcow2.txt; block/qcow2.c ({@code qcow2_do_open} checks,
 * {@code qcow2_co_pwritev_part}, {@code qcow2_co_pdiscard}, {@code qcow2_signal_corruption},
 * {@code qcow2_co_create} layout), block/qcow2-cluster.c ({@code qcow2_alloc_host_offset}, {@code l2_allocate},
 * {@code discard_in_l2_slice}), block/qcow2-refcount.c, block/qcow2-cache.c (write-back order).
 */
public final class Qcow2Image implements BlockImage {
    /** L2 cache size: QEMU's default maximum {@code l2-cache-size} on Linux (32 MiB). */
    static final long L2_CACHE_BYTES = 32L << 20;
    /** Refcount block cache size (ours: QEMU sizes it from the L2 cache; 8 MiB covers 256 TiB at 64 KiB). */
    static final long REFCOUNT_CACHE_BYTES = 8L << 20;

    private final ReentrantLock lock = new ReentrantLock();
    private final Qcow2File file;
    private final boolean writable;
    private final int clusterBits;
    private final long clusterSize;
    private final int l2Bits;
    private final boolean v3;
    private final long sectors;
    private final long[] l1;
    private final BitSet l1DirtyClusters = new BitSet();
    private final Qcow2Cache l2Cache;
    private final Qcow2Refcounts refcounts;
    /** Host clusters whose L2 entry is gone in memory: counted down after that reaches the disk. */
    private final List<Long> pendingFrees = new ArrayList<>();
    /** Replaced under {@link #lock}; volatile for the lock-free getters. */
    private volatile Qcow2Header header;
    private String corruption;
    private boolean closed;

    private Qcow2Image(Qcow2File file, boolean writable, int l2CacheTables, int refcountCacheTables)
            throws IOException {
        this.file = file;
        this.writable = writable;
        ByteBuffer head = ByteBuffer.allocate(Qcow2Header.V3_LENGTH);
        file.read(head, 0);
        try {
            this.header = Qcow2Header.decode(head.flip());
        } catch (Qcow2Header.Malformed e) {
            throw new IOException(file.path() + ": " + e.getMessage());
        }
        this.clusterBits = header.clusterBits();
        this.clusterSize = header.clusterSize();
        this.l2Bits = clusterBits - 3;
        this.v3 = header.version() == 3;
        ByteBuffer cluster0 = ByteBuffer.allocate((int) clusterSize).order(ByteOrder.BIG_ENDIAN);
        file.read(cluster0, 0);
        Qcow2Features.check(header, cluster0.clear(), writable, file.path());
        this.sectors = header.size() / SECTOR_SIZE;
        this.l1 = readL1();
        int l2Tables = l2CacheTables > 0 ? l2CacheTables : (int) Math.max(16, L2_CACHE_BYTES / clusterSize);
        int rbTables = refcountCacheTables > 0 ? refcountCacheTables
                : (int) Math.max(4, REFCOUNT_CACHE_BYTES / clusterSize);
        this.l2Cache = new Qcow2Cache("L2", (int) clusterSize, l2Tables);
        this.refcounts = new Qcow2Refcounts(file, new Owner(), header, rbTables);
        scanForCompressedClusters();
        if (writable && header.autoclearFeatures() != 0) {
            header = header.withAutoclearFeatures(0);   // we keep no bitmaps: they are no longer consistent
            writeHeader();
        }
    }

    /**
     * Opens an existing qcow2 image; a read-write open takes the same image lock as {@link RawImage} (so QEMU
     * and we exclude each other).
     *
     * @throws IOException naming the feature, for an image this class does not support (see the class comment)
     * @throws ImageLockedException for a read-write open while another open image holds its write lock
     */
    public static Qcow2Image open(Path path, RawImage.OpenMode mode) throws IOException {
        return open(path, mode, 0, 0);
    }

    /** {@link #open} with cache capacities in tables (0: the defaults); small ones let tests force evictions. */
    static Qcow2Image open(Path path, RawImage.OpenMode mode, int l2CacheTables, int refcountCacheTables)
            throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(mode, "mode");
        Qcow2File file = Qcow2File.open(path, mode == RawImage.OpenMode.READ_WRITE);
        try {
            return new Qcow2Image(file, mode == RawImage.OpenMode.READ_WRITE, l2CacheTables, refcountCacheTables);
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /**
     * Creates a new qcow2 image of {@code sizeBytes} (a multiple of 512) and opens it read-write (locked). The
     * layout is QEMU's ({@code qcow2_co_create}): header in cluster 0, then the refcount table, the refcount
     * blocks covering the image's first clusters, and the L1 table; {@link Qcow2Options.Preallocation#METADATA}
     * then allocates every L2 table and data cluster and sizes the file to hold them.
     *
     * @throws java.nio.file.FileAlreadyExistsException if {@code path} exists
     */
    public static Qcow2Image create(Path path, long sizeBytes, Qcow2Options options) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        if (sizeBytes < 0 || sizeBytes % SECTOR_SIZE != 0) {
            throw new IllegalArgumentException("sizeBytes: " + sizeBytes + " (expected: a multiple of 512, >= 0)");
        }
        int cb = Integer.numberOfTrailingZeros(options.clusterSize());
        long cs = options.clusterSize();
        long l2Coverage = cs * (cs / 8);
        long l1Size = (sizeBytes + l2Coverage - 1) / l2Coverage;
        if (l1Size * 8 > Qcow2Header.QCOW_MAX_L1_SIZE) {
            throw new IllegalArgumentException("sizeBytes: " + sizeBytes + " (expected: an L1 table within "
                    + Qcow2Header.QCOW_MAX_L1_SIZE + " bytes at cluster size " + cs + ")");
        }
        long l1Clusters = Math.max(1, (l1Size * 8 + cs - 1) / cs);
        long refsPerBlock = cs / 2;   // 16-bit refcounts
        long rtClusters = 1, rbClusters = 1;
        while (true) {
            long total = 1 + rtClusters + rbClusters + l1Clusters;
            long needBlocks = (total + refsPerBlock - 1) / refsPerBlock;
            long needTable = Math.max(1, (needBlocks * 8 + cs - 1) / cs);
            if (needBlocks == rbClusters && needTable == rtClusters) {
                break;
            }
            rbClusters = needBlocks;
            rtClusters = needTable;
        }
        long total = 1 + rtClusters + rbClusters + l1Clusters;
        long rtOffset = cs, rbOffset = rtOffset + rtClusters * cs, l1Offset = rbOffset + rbClusters * cs;
        Qcow2Header header = new Qcow2Header(options.version(), 0, 0, cb, sizeBytes, 0, (int) l1Size, l1Offset,
                rtOffset, (int) rtClusters, 0, 0, 0, 0, 0, 4,
                options.version() == 3 ? Qcow2Header.V3_LENGTH : Qcow2Header.V2_LENGTH, 0);
        Qcow2File file = Qcow2File.create(path);
        try {
            file.extendTo(total * cs);
            file.writeMetadata(header.encode(), 0);
            ByteBuffer table = ByteBuffer.allocate((int) (rtClusters * cs)).order(ByteOrder.BIG_ENDIAN);
            for (int i = 0; i < rbClusters; i++) {
                table.putLong(i * 8, rbOffset + i * cs);
            }
            file.writeMetadata(table, rtOffset);
            ByteBuffer blocks = ByteBuffer.allocate((int) (rbClusters * cs)).order(ByteOrder.BIG_ENDIAN);
            for (int c = 0; c < total; c++) {
                blocks.putShort(c * 2, (short) 1);
            }
            file.writeMetadata(blocks, rbOffset);
            file.fsync();
            Qcow2Image image = new Qcow2Image(file, true, 0, 0);
            if (options.preallocation() == Qcow2Options.Preallocation.METADATA) {
                image.preallocateMetadata();
            }
            return image;
        } catch (IOException | RuntimeException e) {
            file.close();
            Files.deleteIfExists(path);
            throw e;
        }
    }

    private IOException unsupported(String feature) {
        return Qcow2Features.unsupported(file.path(), feature);
    }

    private IOException malformed(String what) {
        return Qcow2Features.malformed(file.path(), what);
    }

    private long[] readL1() throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(header.l1Size() * 8).order(ByteOrder.BIG_ENDIAN);
        file.read(bytes, header.l1TableOffset());
        long[] table = new long[header.l1Size()];
        for (int i = 0; i < table.length; i++) {
            table[i] = bytes.getLong(i * 8);
        }
        return table;
    }

    /** Compressed clusters have no header bit: read every L2 table once, so that they are refused at open. */
    private void scanForCompressedClusters() throws IOException {
        ByteBuffer table = ByteBuffer.allocate((int) clusterSize).order(ByteOrder.BIG_ENDIAN);
        for (long l1e : l1) {
            long offset = l1e & Qcow2Header.L1E_OFFSET_MASK;
            if (offset == 0) {
                continue;
            }
            if ((offset & (clusterSize - 1)) != 0) {
                throw malformed("L2 table offset " + Long.toHexString(offset) + " is not cluster-aligned");
            }
            file.read(table.clear(), offset);
            for (int i = 0; i < clusterSize / 8; i++) {
                if ((table.getLong(i * 8) & Qcow2Header.QCOW_OFLAG_COMPRESSED) != 0) {
                    throw unsupported("compressed clusters (qemu-img convert -c; decompress with qemu-img convert)");
                }
            }
        }
    }

    private void preallocateMetadata() throws IOException {
        long clusters = (header.size() + clusterSize - 1) >>> clusterBits;
        long end = file.size();
        for (long g = 0; g < clusters; g++) {
            Qcow2Cache.Table l2 = l2ForWrite(l1Index(g << clusterBits));
            long host = refcounts.allocate();
            l2.setEntry(l2Index(g << clusterBits), host | Qcow2Header.QCOW_OFLAG_COPIED);
            end = Math.max(end, host + clusterSize);
        }
        file.extendTo(end);
        writeback();
        file.fsync();
    }

    /** The path the image was opened by. */
    public Path path() {
        return file.path();
    }

    /** The qcow2 version (2 or 3). */
    public int version() {
        return header.version();
    }

    /** The cluster size in bytes. */
    public int clusterSize() {
        return (int) clusterSize;
    }

    @Override
    public String name() {
        return file.path().toString();
    }

    @Override
    public long sectors() {
        return sectors;
    }

    @Override
    public boolean writable() {
        return writable;
    }

    /** Whole clusters are freed; partial ones are written with zeros. */
    @Override
    public boolean discardable() {
        return writable;
    }

    @Override
    public ImageStats stats() {
        return file.stats();
    }

    @Override
    public void read(long offset, MemorySegment dst) throws IOException {
        BlockImage.checkRange(this, offset, dst.byteSize());
        lock.lock();
        try {
            checkUsable();
            readLocked(offset, dst);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void readv(long offset, MemorySegment[] dsts) throws IOException {
        BlockImage.checkRange(this, offset, BlockImage.totalLength(dsts));
        lock.lock();
        try {
            checkUsable();
            for (MemorySegment d : dsts) {
                readLocked(offset, d);
                offset += d.byteSize();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void write(long offset, MemorySegment src) throws IOException {
        writev(offset, new MemorySegment[] {src});
    }

    @Override
    public void writev(long offset, MemorySegment[] srcs) throws IOException {
        requireWritable();
        BlockImage.checkRange(this, offset, BlockImage.totalLength(srcs));
        lock.lock();
        try {
            checkUsable();
            file.guestWrites.incrementAndGet();
            for (MemorySegment s : srcs) {
                writeLocked(offset, s);
                offset += s.byteSize();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void flush() throws IOException {
        requireWritable();
        lock.lock();
        try {
            checkUsable();
            file.guestFlushes.incrementAndGet();
            writeback();
            if (file.unsynced()) {
                file.fsync();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        requireWritable();
        BlockImage.checkRange(this, offset, length);
        lock.lock();
        try {
            checkUsable();
            for (long end = offset + length; offset < end; ) {
                long n = Math.min(end - offset, clusterSize - (offset & (clusterSize - 1)));
                if (n == clusterSize) {
                    discardCluster(offset);
                } else if (!readsAsZeros(offset)) {
                    writeCluster(offset, MemorySegment.ofArray(new byte[(int) n]));
                }
                offset += n;
            }
        } finally {
            lock.unlock();
        }
    }

    /** Reads cluster by cluster, as one host read per run of clusters that lie one after the other in the file. */
    private void readLocked(long offset, MemorySegment dst) throws IOException {
        long runStart = 0, runHost = 0, runLength = 0;   // a host read not yet issued: dst[runStart, +runLength)
        for (long done = 0; done < dst.byteSize(); ) {
            long at = offset + done;
            int n = (int) Math.min(dst.byteSize() - done, clusterSize - (at & (clusterSize - 1)));
            long host = hostOffset(at);
            if (runLength > 0 && host != runHost + runLength) {
                readHost(dst.asSlice(runStart, runLength), runHost);
                runLength = 0;
            }
            if (host == 0) {
                dst.asSlice(done, n).fill((byte) 0);
            } else if (runLength == 0) {
                runStart = done;
                runHost = host;
                runLength = n;
            } else {
                runLength += n;
            }
            done += n;
        }
        if (runLength > 0) {
            readHost(dst.asSlice(runStart, runLength), runHost);
        }
    }

    private void readHost(MemorySegment part, long host) throws IOException {
        ByteBuffer view = viewOf(part);
        if (view != null) {
            file.read(view, host);
        } else {
            ByteBuffer copy = ByteBuffer.allocate((int) part.byteSize());
            file.read(copy, host);
            MemorySegment.copy(MemorySegment.ofArray(copy.array()), 0, part, 0, part.byteSize());
        }
    }

    /** The host offset of guest byte {@code offset}, or 0 if it reads as zeros (unallocated or a zero cluster). */
    private long hostOffset(long offset) throws IOException {
        long l2Offset = l1[l1Index(offset)] & Qcow2Header.L1E_OFFSET_MASK;
        if (l2Offset == 0) {
            return 0;
        }
        long entry = l2Table(l2Offset).entry(l2Index(offset));
        if ((entry & Qcow2Header.QCOW_OFLAG_COMPRESSED) != 0) {
            throw unsupported("compressed clusters");
        }
        if (v3 && (entry & Qcow2Header.QCOW_OFLAG_ZERO) != 0) {
            return 0;
        }
        long host = entry & Qcow2Header.L2E_OFFSET_MASK;
        if ((host & (clusterSize - 1)) != 0) {
            throw corruptionLocked("data cluster offset " + Long.toHexString(host) + " is not cluster-aligned");
        }
        return host == 0 ? 0 : host + (offset & (clusterSize - 1));
    }

    private boolean readsAsZeros(long offset) throws IOException {
        return hostOffset(offset) == 0;
    }

    /**
     * Writes cluster by cluster: pieces that go in place into clusters lying one after the other in the file are
     * one host write; a piece that needs an allocation goes through {@link #writeCluster}, after the pending run.
     */
    private void writeLocked(long offset, MemorySegment src) throws IOException {
        long runStart = 0, runHost = 0, runLength = 0;   // an in-place host write not yet issued
        for (long done = 0; done < src.byteSize(); ) {
            long at = offset + done;
            int n = (int) Math.min(src.byteSize() - done, clusterSize - (at & (clusterSize - 1)));
            long host = inPlaceHost(at);
            if (runLength > 0 && host != runHost + runLength) {
                file.writeData(bufferOf(src.asSlice(runStart, runLength)), runHost);
                runLength = 0;
            }
            if (host < 0) {
                writeCluster(at, src.asSlice(done, n));
            } else if (runLength == 0) {
                runStart = done;
                runHost = host;
                runLength = n;
            } else {
                runLength += n;
            }
            done += n;
        }
        if (runLength > 0) {
            file.writeData(bufferOf(src.asSlice(runStart, runLength)), runHost);
        }
    }

    /**
     * The host offset guest byte {@code offset} is written at in place (a plain cluster with refcount 1 in an L2
     * table with refcount 1), or -1 if the write needs {@link #writeCluster}'s allocation or checks.
     */
    private long inPlaceHost(long offset) throws IOException {
        long l1e = l1[l1Index(offset)];
        long l2Offset = l1e & Qcow2Header.L1E_OFFSET_MASK;
        if (l2Offset == 0 || (l1e & Qcow2Header.QCOW_OFLAG_COPIED) == 0) {
            return -1;
        }
        long entry = l2Table(l2Offset).entry(l2Index(offset));
        long host = entry & Qcow2Header.L2E_OFFSET_MASK;
        if ((entry & Qcow2Header.QCOW_OFLAG_COPIED) == 0 || (entry & Qcow2Header.QCOW_OFLAG_COMPRESSED) != 0
                || v3 && (entry & Qcow2Header.QCOW_OFLAG_ZERO) != 0 || host == 0 || (host & (clusterSize - 1)) != 0) {
            return -1;
        }
        return host + (offset & (clusterSize - 1));
    }

    /**
     * Writes {@code src} (inside one cluster) at guest {@code offset}: in place into a cluster we own alone,
     * else into a newly allocated cluster, filled with the old contents (a shared cluster) or zeros around the
     * new bytes, and then the L2 entry points there ({@code qcow2_alloc_host_offset} and its COW).
     */
    private void writeCluster(long offset, MemorySegment src) throws IOException {
        Qcow2Cache.Table l2 = l2ForWrite(l1Index(offset));
        int index = l2Index(offset);
        long entry = l2.entry(index);
        if ((entry & Qcow2Header.QCOW_OFLAG_COMPRESSED) != 0) {
            throw unsupported("compressed clusters");
        }
        long host = entry & Qcow2Header.L2E_OFFSET_MASK;
        boolean zero = v3 && (entry & Qcow2Header.QCOW_OFLAG_ZERO) != 0;
        if ((host & (clusterSize - 1)) != 0) {
            throw corruptionLocked("data cluster offset " + Long.toHexString(host) + " is not cluster-aligned");
        }
        int within = (int) (offset & (clusterSize - 1));
        if (host != 0 && (entry & Qcow2Header.QCOW_OFLAG_COPIED) == 0 && refcounts.get(host >>> clusterBits) == 1) {
            entry |= Qcow2Header.QCOW_OFLAG_COPIED;   // the flag was wrong; the cluster is ours alone after all
            l2.setEntry(index, entry);
        }
        if (host != 0 && (entry & Qcow2Header.QCOW_OFLAG_COPIED) != 0) {
            if (!zero) {
                file.writeData(bufferOf(src), host + within);
                return;
            }
            file.writeData(filledCluster(0, within, src), host);   // a preallocated zero cluster gets its zeros
            l2.setEntry(index, host | Qcow2Header.QCOW_OFLAG_COPIED);
            return;
        }
        long shared = zero ? 0 : host;   // a cluster others count too: copy it before writing
        long fresh = refcounts.allocate();
        if (within == 0 && src.byteSize() == clusterSize) {
            file.writeData(bufferOf(src), fresh);
        } else if (shared == 0 && fresh >= file.size()) {
            file.extendTo(fresh + clusterSize);   // past the end of the file the rest reads as zeros already
            file.writeData(bufferOf(src), fresh + within);
        } else {
            file.writeData(filledCluster(shared, within, src), fresh);
        }
        l2.setEntry(index, fresh | Qcow2Header.QCOW_OFLAG_COPIED);
        if (host != 0) {
            pendingFrees.add(host);
        }
    }

    /** A cluster of {@code source}'s bytes (zeros if 0) with {@code src} at {@code within}. */
    private ByteBuffer filledCluster(long source, int within, MemorySegment src) throws IOException {
        ByteBuffer cluster = ByteBuffer.allocate((int) clusterSize);
        if (source != 0) {
            file.read(cluster, source);
        }
        MemorySegment.copy(src, 0, MemorySegment.ofArray(cluster.array()), within, src.byteSize());
        return cluster.clear();
    }

    /** Drops a whole cluster: a zero-cluster entry in v3, unallocated in v2 ({@code discard_in_l2_slice}). */
    private void discardCluster(long offset) throws IOException {
        long l2Offset = l1[l1Index(offset)] & Qcow2Header.L1E_OFFSET_MASK;
        if (l2Offset == 0) {
            return;
        }
        Qcow2Cache.Table l2 = l2ForWrite(l1Index(offset));
        int index = l2Index(offset);
        long entry = l2.entry(index);
        long replacement = v3 ? Qcow2Header.QCOW_OFLAG_ZERO : 0;
        if (entry == 0 || entry == replacement) {
            return;
        }
        long host = entry & Qcow2Header.L2E_OFFSET_MASK;
        l2.setEntry(index, replacement);
        if (host != 0) {
            pendingFrees.add(host);
        }
    }

    /** The L2 table for L1 index {@code l1Index}, allocated if there is none ({@code l2_allocate}). */
    private Qcow2Cache.Table l2ForWrite(int l1Index) throws IOException {
        long l1e = l1[l1Index];
        long offset = l1e & Qcow2Header.L1E_OFFSET_MASK;
        if (offset == 0) {
            long fresh = refcounts.allocate();
            makeRoom();
            Qcow2Cache.Table table = l2Cache.create(fresh);
            setL1(l1Index, fresh | Qcow2Header.QCOW_OFLAG_COPIED);
            return table;
        }
        if ((l1e & Qcow2Header.QCOW_OFLAG_COPIED) == 0) {
            if (refcounts.get(offset >>> clusterBits) != 1) {
                throw unsupported("shared L2 tables (left by internal snapshots)");
            }
            setL1(l1Index, l1e | Qcow2Header.QCOW_OFLAG_COPIED);
        }
        return l2Table(offset);
    }

    private Qcow2Cache.Table l2Table(long offset) throws IOException {
        if ((offset & (clusterSize - 1)) != 0) {
            throw corruptionLocked("L2 table offset " + Long.toHexString(offset) + " is not cluster-aligned");
        }
        makeRoom();
        return l2Cache.get(file, offset);
    }

    private void makeRoom() throws IOException {
        if (l2Cache.full() && !l2Cache.evictClean()) {
            writeback();
            l2Cache.evictClean();
        }
    }

    private void setL1(int index, long value) {
        l1[index] = value;
        l1DirtyClusters.set((int) ((long) index * 8 >>> clusterBits));
    }

    private int l1Index(long offset) {
        return (int) (offset >>> (clusterBits + l2Bits));
    }

    private int l2Index(long offset) {
        return (int) ((offset >>> clusterBits) & ((1L << l2Bits) - 1));
    }

    /**
     * Writes the dirty metadata out in QEMU's dependency order, with an fsync after each level that wrote
     * something (see the class comment); the frees wait for their L2 changes to be on disk.
     */
    private void writeback() throws IOException {
        if (refcounts.writeDirtyBlocks() > 0) {
            file.fsync();
        }
        if (refcounts.writeTableIfDirty()) {
            file.fsync();
        }
        if (l2Cache.writeDirty(file) > 0) {
            file.fsync();
        }
        while (!pendingFrees.isEmpty()) {
            refcounts.decrement(pendingFrees.removeLast());
        }
        if (!l1DirtyClusters.isEmpty()) {
            long perCluster = clusterSize / 8;
            for (int c = l1DirtyClusters.nextSetBit(0); c >= 0; c = l1DirtyClusters.nextSetBit(c + 1)) {
                long first = c * perCluster;
                int n = (int) Math.min(perCluster, l1.length - first);
                ByteBuffer bytes = ByteBuffer.allocate(n * 8).order(ByteOrder.BIG_ENDIAN);
                for (int i = 0; i < n; i++) {
                    bytes.putLong(i * 8, l1[(int) first + i]);
                }
                file.writeMetadata(bytes, header.l1TableOffset() + first * 8);
                l1DirtyClusters.clear(c);
            }
            file.fsync();
        }
    }

    private void writeHeader() throws IOException {
        file.writeMetadata(header.encode(), 0);
        file.fsync();
    }

    /**
     * Marks the image corrupt ({@code qcow2_signal_corruption}: incompatible bit 1 set in the header, flushed)
     * and stops serving it; returns the error for the caller to throw.
     */
    private IOException corruptionLocked(String what) {
        if (corruption == null) {
            corruption = what;
            if (writable && !file.crashed()) {
                try {
                    header = header.withIncompatibleFeatures(header.incompatibleFeatures()
                            | Qcow2Header.QCOW2_INCOMPAT_CORRUPT);
                    writeHeader();
                } catch (IOException e) {
                    // the image is unusable either way; the corruption is the error to report
                }
            }
        }
        return new IOException(file.path() + ": qcow2 metadata corrupt, image marked corrupt: " + what);
    }

    private void checkUsable() throws IOException {
        if (closed) {
            throw new IOException(file.path() + ": closed");
        }
        if (corruption != null) {
            throw new IOException(file.path() + ": qcow2 image marked corrupt earlier: " + corruption);
        }
    }

    private void requireWritable() {
        if (!writable) {
            throw new IllegalStateException(file.path() + " is read-only");
        }
    }

    /** For tests: the simulated crash of {@link Qcow2File#crashAfterWrites}. */
    void crashAfterWrites(long writes) {
        lock.lock();
        try {
            file.crashAfterWrites(writes);
        } finally {
            lock.unlock();
        }
    }

    /** For tests: host writes (and file growths) so far, each a point {@link #crashAfterWrites} can cut at. */
    long hostWritesSoFar() {
        lock.lock();
        try {
            return file.crashPoints();
        } finally {
            lock.unlock();
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

    private static ByteBuffer bufferOf(MemorySegment part) {
        ByteBuffer view = viewOf(part);
        return view != null ? view : ByteBuffer.wrap(part.toArray(ValueLayout.JAVA_BYTE));
    }

    /**
     * Writes the dirty metadata back (as a flush does, without the data fsync) unless the image is corrupt or a
     * simulated crash cut it off, then releases the lock and the descriptor. Idempotent.
     */
    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            try {
                if (writable && corruption == null && !file.crashed()) {
                    writeback();
                }
            } finally {
                file.close();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "Qcow2Image[" + file.path() + ", v" + header.version() + ", " + clusterSize + " B clusters, "
                + sectors + " sectors, " + (writable ? "rw" : "ro") + "]";
    }

    /** The refcounts' view of this image. */
    private final class Owner implements Qcow2Refcounts.Owner {
        @Override
        public void writeback() throws IOException {
            Qcow2Image.this.writeback();
        }

        @Override
        public void refcountTableMoved(long offset, int clusters) throws IOException {
            header = header.withRefcountTable(offset, clusters);
            writeHeader();
        }

        @Override
        public IOException corruption(String what) {
            return corruptionLocked(what);
        }
    }
}
