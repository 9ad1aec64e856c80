package io.xensim.blk.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The qcow2 image header, in cluster 0 of the file (QEMU docs/interop/qcow2.txt, "Header"), and the format's
 * layout constants. All numbers are big-endian.
 * <pre>
 *  byte  0               4               8                              16
 *       +---------------+---------------+-------------------------------+
 *     0 | magic QFI\xfb | version 2|3   |  backing_file_offset (u64)    |
 *       +---------------+---------------+-------------------------------+
 *    16 | backing_file_ | cluster_bits  |  size (u64, bytes)            |
 *       |   size (u32)  |   (9..21)     |                               |
 *       +---------------+---------------+-------------------------------+
 *    32 | crypt_method  | l1_size       |  l1_table_offset (u64)        |
 *       +---------------+---------------+-------------------------------+
 *    48 | refcount_table_offset (u64)   | refcount_table_ | nb_snapshots|
 *       |                               |  clusters (u32) |   (u32)     |
 *       +-------------------------------+-----------------+-------------+
 *    64 | snapshots_offset (u64)        |  end of a version 2 header (72)
 *       +-------------------------------+-------------------------------+
 *    72 | incompatible_features (u64)   |  compatible_features (u64)    |
 *       +-------------------------------+---------------+---------------+
 *    88 | autoclear_features (u64)      | refcount_order| header_length |
 *       +-------------------------------+---------------+---------------+
 *   104 | compression_type (u8, if header_length > 104), padding to 112 |
 *       +---------------------------------------------------------------+
 *       then header extensions: (type u32, length u32, data padded to 8) until type 0
 * </pre>
 * A version 2 header reads as {@code incompatible_features = compatible_features = autoclear_features = 0},
 * {@code refcount_order = 4} and {@code header_length = 72}, as the spec says.
 *
 * <p><b>Threading:</b> an immutable value.
 *
 * <p><b>Reference:</b> QEMU docs/interop/qcow2.txt; the checks follow block/qcow2.c {@code qcow2_do_open}.
 */
record Qcow2Header(int version, long backingFileOffset, int backingFileSize, int clusterBits, long size,
        int cryptMethod, int l1Size, long l1TableOffset, long refcountTableOffset, int refcountTableClusters,
        int nbSnapshots, long snapshotsOffset, long incompatibleFeatures, long compatibleFeatures,
        long autoclearFeatures, int refcountOrder, int headerLength, int compressionType) {

    static final int QCOW_MAGIC = 0x514649fb;   // 'Q' 'F' 'I' 0xfb
    static final int MAGIC_OFFSET = 0, VERSION_OFFSET = 4, BACKING_FILE_OFFSET_OFFSET = 8,
            BACKING_FILE_SIZE_OFFSET = 16, CLUSTER_BITS_OFFSET = 20, SIZE_OFFSET = 24, CRYPT_METHOD_OFFSET = 32,
            L1_SIZE_OFFSET = 36, L1_TABLE_OFFSET_OFFSET = 40, REFCOUNT_TABLE_OFFSET_OFFSET = 48,
            REFCOUNT_TABLE_CLUSTERS_OFFSET = 56, NB_SNAPSHOTS_OFFSET = 60, SNAPSHOTS_OFFSET_OFFSET = 64,
            INCOMPATIBLE_FEATURES_OFFSET = 72, COMPATIBLE_FEATURES_OFFSET = 80, AUTOCLEAR_FEATURES_OFFSET = 88,
            REFCOUNT_ORDER_OFFSET = 96, HEADER_LENGTH_OFFSET = 100, COMPRESSION_TYPE_OFFSET = 104;
    /** A version 2 header's length, and the length of a version 3 header without {@code compression_type}. */
    static final int V2_LENGTH = 72, V3_MIN_LENGTH = 104;
    /** The version 3 header QEMU writes (and {@link Qcow2Image#create} writes): with compression_type, padded. */
    static final int V3_LENGTH = 112;

    static final int MIN_CLUSTER_BITS = 9, MAX_CLUSTER_BITS = 21;   // 512 B .. 2 MiB
    /** QEMU's limit on the L1 table's bytes ({@code QCOW_MAX_L1_SIZE}, 32 MiB). */
    static final long QCOW_MAX_L1_SIZE = 1L << 25;
    /** {@code QCOW_MAX_REFTABLE_SIZE} (8 MiB). */
    static final long QCOW_MAX_REFTABLE_SIZE = 1L << 23;

    /** Incompatible feature bits. */
    static final long QCOW2_INCOMPAT_DIRTY = 1L, QCOW2_INCOMPAT_CORRUPT = 1L << 1,
            QCOW2_INCOMPAT_DATA_FILE = 1L << 2, QCOW2_INCOMPAT_COMPRESSION = 1L << 3,
            QCOW2_INCOMPAT_EXTL2 = 1L << 4;
    /** Compatible feature bit 0: lazy refcounts (may be ignored: we keep refcounts exact). */
    static final long QCOW2_COMPAT_LAZY_REFCOUNTS = 1L;
    /** Autoclear bits: bit 0 bitmaps extension consistent, bit 1 raw external data. */
    static final long QCOW2_AUTOCLEAR_BITMAPS = 1L, QCOW2_AUTOCLEAR_DATA_FILE_RAW = 1L << 1;

    /** Header extension types. */
    static final int QCOW2_EXT_MAGIC_END = 0, QCOW2_EXT_MAGIC_BACKING_FORMAT = 0xe2792aca,
            QCOW2_EXT_MAGIC_FEATURE_TABLE = 0x6803f857, QCOW2_EXT_MAGIC_BITMAPS = 0x23852875,
            QCOW2_EXT_MAGIC_CRYPTO_HEADER = 0x0537be77, QCOW2_EXT_MAGIC_DATA_FILE = 0x44415441;

    /** L1 entry: bits 9-55 the L2 table's offset; bit 63 "refcount is exactly one". */
    static final long L1E_OFFSET_MASK = 0x00fffffffffffe00L;
    /** L2 entry of a standard cluster: bits 9-55 the host offset; bit 0 reads as zeros (v3). */
    static final long L2E_OFFSET_MASK = 0x00fffffffffffe00L;
    static final long QCOW_OFLAG_COPIED = 1L << 63, QCOW_OFLAG_COMPRESSED = 1L << 62, QCOW_OFLAG_ZERO = 1L;
    /** Refcount table entry: bits 9-63 the refcount block's offset. */
    static final long REFT_OFFSET_MASK = 0xfffffffffffffe00L;

    long clusterSize() {
        return 1L << clusterBits;
    }

    int refcountBits() {
        return 1 << refcountOrder;
    }

    /** Encodes the fixed part ({@link #headerLength} bytes, at most {@link #V3_LENGTH}) into a new buffer. */
    ByteBuffer encode() {
        int length = version == 2 ? V2_LENGTH : Math.min(headerLength, V3_LENGTH);
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.BIG_ENDIAN);
        b.putInt(MAGIC_OFFSET, QCOW_MAGIC).putInt(VERSION_OFFSET, version)
                .putLong(BACKING_FILE_OFFSET_OFFSET, backingFileOffset)
                .putInt(BACKING_FILE_SIZE_OFFSET, backingFileSize)
                .putInt(CLUSTER_BITS_OFFSET, clusterBits).putLong(SIZE_OFFSET, size)
                .putInt(CRYPT_METHOD_OFFSET, cryptMethod).putInt(L1_SIZE_OFFSET, l1Size)
                .putLong(L1_TABLE_OFFSET_OFFSET, l1TableOffset)
                .putLong(REFCOUNT_TABLE_OFFSET_OFFSET, refcountTableOffset)
                .putInt(REFCOUNT_TABLE_CLUSTERS_OFFSET, refcountTableClusters).putInt(NB_SNAPSHOTS_OFFSET, nbSnapshots)
                .putLong(SNAPSHOTS_OFFSET_OFFSET, snapshotsOffset);
        if (version >= 3) {
            b.putLong(INCOMPATIBLE_FEATURES_OFFSET, incompatibleFeatures)
                    .putLong(COMPATIBLE_FEATURES_OFFSET, compatibleFeatures)
                    .putLong(AUTOCLEAR_FEATURES_OFFSET, autoclearFeatures)
                    .putInt(REFCOUNT_ORDER_OFFSET, refcountOrder).putInt(HEADER_LENGTH_OFFSET, headerLength);
            if (length > COMPRESSION_TYPE_OFFSET) {
                b.put(COMPRESSION_TYPE_OFFSET, (byte) compressionType);
            }
        }
        return b;
    }

    /** A header that is not a qcow2 header we can read, with the reason (the file's bytes are untrusted). */
    static final class Malformed extends Exception {
        Malformed(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * Decodes the header at the start of {@code cluster0} (at least {@link #V3_LENGTH} bytes, or the whole file
     * if shorter): checks the magic, version, cluster size, refcount order and header length, nothing else.
     */
    static Qcow2Header decode(ByteBuffer cluster0) throws Malformed {
        ByteBuffer b = cluster0.duplicate().order(ByteOrder.BIG_ENDIAN);
        if (b.limit() < V2_LENGTH || b.getInt(MAGIC_OFFSET) != QCOW_MAGIC) {
            throw new Malformed("not a qcow2 image (no QFI\\xfb magic)");
        }
        int version = b.getInt(VERSION_OFFSET);
        if (version != 2 && version != 3) {
            throw new Malformed("unsupported qcow2 version " + Integer.toUnsignedString(version)
                    + " (expected: 2 or 3)");
        }
        int clusterBits = b.getInt(CLUSTER_BITS_OFFSET);
        if (clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS) {
            throw new Malformed("cluster_bits: " + Integer.toUnsignedString(clusterBits) + " (expected: 9..21)");
        }
        long incompatible = 0, compatible = 0, autoclear = 0;
        int refcountOrder = 4, headerLength = V2_LENGTH, compressionType = 0;
        if (version == 3) {
            if (b.limit() < V3_MIN_LENGTH) {
                throw new Malformed("version 3 header cut short at " + b.limit() + " bytes");
            }
            incompatible = b.getLong(INCOMPATIBLE_FEATURES_OFFSET);
            compatible = b.getLong(COMPATIBLE_FEATURES_OFFSET);
            autoclear = b.getLong(AUTOCLEAR_FEATURES_OFFSET);
            refcountOrder = b.getInt(REFCOUNT_ORDER_OFFSET);
            headerLength = b.getInt(HEADER_LENGTH_OFFSET);
            if (refcountOrder < 0 || refcountOrder > 6) {
                throw new Malformed("refcount_order: " + Integer.toUnsignedString(refcountOrder) + " (expected: 0..6)");
            }
            if (headerLength < V3_MIN_LENGTH || Integer.toUnsignedLong(headerLength) > 1L << clusterBits) {
                throw new Malformed("header_length: " + Integer.toUnsignedString(headerLength)
                        + " (expected: 104 up to the cluster size)");
            }
            if (headerLength > COMPRESSION_TYPE_OFFSET) {
                if (b.limit() <= COMPRESSION_TYPE_OFFSET) {
                    throw new Malformed("version 3 header cut short at " + b.limit() + " bytes");
                }
                compressionType = Byte.toUnsignedInt(b.get(COMPRESSION_TYPE_OFFSET));
            }
        }
        return new Qcow2Header(version, b.getLong(BACKING_FILE_OFFSET_OFFSET), b.getInt(BACKING_FILE_SIZE_OFFSET),
                clusterBits, b.getLong(SIZE_OFFSET), b.getInt(CRYPT_METHOD_OFFSET), b.getInt(L1_SIZE_OFFSET),
                b.getLong(L1_TABLE_OFFSET_OFFSET), b.getLong(REFCOUNT_TABLE_OFFSET_OFFSET),
                b.getInt(REFCOUNT_TABLE_CLUSTERS_OFFSET), b.getInt(NB_SNAPSHOTS_OFFSET),
                b.getLong(SNAPSHOTS_OFFSET_OFFSET), incompatible, compatible, autoclear, refcountOrder, headerLength,
                compressionType);
    }

    Qcow2Header withIncompatibleFeatures(long bits) {
        return new Qcow2Header(version, backingFileOffset, backingFileSize, clusterBits, size, cryptMethod, l1Size,
                l1TableOffset, refcountTableOffset, refcountTableClusters, nbSnapshots, snapshotsOffset, bits,
                compatibleFeatures, autoclearFeatures, refcountOrder, headerLength, compressionType);
    }

    Qcow2Header withAutoclearFeatures(long bits) {
        return new Qcow2Header(version, backingFileOffset, backingFileSize, clusterBits, size, cryptMethod, l1Size,
                l1TableOffset, refcountTableOffset, refcountTableClusters, nbSnapshots, snapshotsOffset,
                incompatibleFeatures, compatibleFeatures, bits, refcountOrder, headerLength, compressionType);
    }

    Qcow2Header withRefcountTable(long offset, int clusters) {
        return new Qcow2Header(version, backingFileOffset, backingFileSize, clusterBits, size, cryptMethod, l1Size,
                l1TableOffset, offset, clusters, nbSnapshots, snapshotsOffset, incompatibleFeatures,
                compatibleFeatures, autoclearFeatures, refcountOrder, headerLength, compressionType);
    }
}
