package io.xensim.blk.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * What a qcow2 image may ask of its reader, checked at open: the header's feature bits, fields and extensions
 * against what {@link Qcow2Image} implements. Refused, naming the feature: a backing file, encryption, internal
 * snapshots, an external data file, a compression type other than zlib, extended L2 entries, and any unknown
 * incompatible bit (named from the image's feature name table when it has one, as QEMU's
 * {@code report_unsupported_feature} does). The corrupt bit and the dirty bit refuse read-write opens only.
 * Unknown header extensions and compatible bits are ignored, as the spec allows.
 *
 * <p><b>Threading:</b> stateless.
 *
 * <p><b>Reference:</b> QEMU block/qcow2.c {@code qcow2_do_open} and {@code qcow2_read_extensions}; the messages
 * are ours, the conditions QEMU's.
 */
final class Qcow2Features {
    private Qcow2Features() {
    }

    /**
     * Refuses what {@link Qcow2Image} does not support or an image that is not sound enough to open, naming the
     * feature or field; {@code cluster0} is the image's first cluster (header and extensions).
     */
    static void check(Qcow2Header header, ByteBuffer cluster0, boolean writable, Path path) throws IOException {
        long clusterSize = header.clusterSize();
        int clusterBits = header.clusterBits();
        String[] names = featureNames(header, cluster0, path);
        if (header.backingFileOffset() != 0) {
            throw unsupported(path, "a backing file (backing chains are not implemented)");
        }
        if (header.cryptMethod() != 0) {
            int method = header.cryptMethod();
            throw unsupported(path, "encryption (crypt_method "
                    + (method == 1 ? "aes" : method == 2 ? "luks" : Integer.toUnsignedString(method)) + ")");
        }
        if (header.nbSnapshots() != 0) {
            throw unsupported(path, "internal snapshots ("
                    + Integer.toUnsignedString(header.nbSnapshots()) + " in the image)");
        }
        long incompatible = header.incompatibleFeatures();
        if ((incompatible & Qcow2Header.QCOW2_INCOMPAT_DATA_FILE) != 0) {
            throw unsupported(path, "an external data file (incompatible bit 2)");
        }
        if ((incompatible & Qcow2Header.QCOW2_INCOMPAT_COMPRESSION) != 0 || header.compressionType() != 0) {
            throw unsupported(path, "compression type " + (header.compressionType() == 1 ? "zstd"
                    : Integer.toString(header.compressionType())) + " (incompatible bit 3)");
        }
        if ((incompatible & Qcow2Header.QCOW2_INCOMPAT_EXTL2) != 0) {
            throw unsupported(path, "extended L2 entries (subclusters, incompatible bit 4)");
        }
        long unknown = incompatible & ~(Qcow2Header.QCOW2_INCOMPAT_DIRTY | Qcow2Header.QCOW2_INCOMPAT_CORRUPT);
        if (unknown != 0) {
            int bit = Long.numberOfTrailingZeros(unknown);
            throw unsupported(path, names[bit] != null ? names[bit] + " (incompatible bit " + bit + ")"
                    : "unknown incompatible feature bit " + bit);
        }
        if (writable && (incompatible & Qcow2Header.QCOW2_INCOMPAT_CORRUPT) != 0) {
            throw new IOException(path + ": qcow2 image is corrupt (incompatible bit 1); it can be opened "
                    + "read-only only (repair it with qemu-img check -r all)");
        }
        if (writable && (incompatible & Qcow2Header.QCOW2_INCOMPAT_DIRTY) != 0) {
            throw new IOException(path + ": qcow2 image is dirty (incompatible bit 0: lazy refcounts were not"
                    + " written back); QEMU repairs it at open (qcow2_do_open runs qcow2_check), which we do not: run"
                    + " qemu-img check -r all, or open it read-only");
        }
        if (header.size() < 0) {
            throw malformed(path, "size " + Long.toUnsignedString(header.size()) + " is too large");
        }
        long l2Coverage = clusterSize * (clusterSize / 8);
        long l1Needed = (header.size() + l2Coverage - 1) / l2Coverage;
        if (Integer.toUnsignedLong(header.l1Size()) * 8 > Qcow2Header.QCOW_MAX_L1_SIZE) {
            throw malformed(path, "l1_size " + Integer.toUnsignedString(header.l1Size()) + " is too large");
        }
        if (header.l1Size() < l1Needed) {
            throw malformed(path, "the L1 table is too small (l1_size " + header.l1Size() + ", need " + l1Needed + ")");
        }
        if ((header.l1TableOffset() & (clusterSize - 1)) != 0 || header.l1TableOffset() < 0) {
            throw malformed(path, "l1_table_offset " + Long.toHexString(header.l1TableOffset())
                    + " is not cluster-aligned");
        }
        if ((header.refcountTableOffset() & (clusterSize - 1)) != 0 || header.refcountTableOffset() <= 0) {
            throw malformed(path, "refcount_table_offset " + Long.toHexString(header.refcountTableOffset())
                    + " is not cluster-aligned");
        }
        if (header.refcountTableClusters() <= 0
                || (long) header.refcountTableClusters() << clusterBits > Qcow2Header.QCOW_MAX_REFTABLE_SIZE) {
            throw malformed(path, "refcount_table_clusters " + Integer.toUnsignedString(header.refcountTableClusters())
                    + " (expected: 1 up to " + (Qcow2Header.QCOW_MAX_REFTABLE_SIZE >> clusterBits) + ")");
        }
    }

    /**
     * Walks the header extensions after the header (to the end of cluster 0) and returns the names the feature
     * name table gives incompatible bits; unknown extensions are skipped, as the spec allows.
     */
    private static String[] featureNames(Qcow2Header header, ByteBuffer cluster0, Path path) throws IOException {
        String[] names = new String[64];
        int at = header.version() == 3 ? header.headerLength() : Qcow2Header.V2_LENGTH;
        while (at + 8 <= cluster0.limit()) {
            int type = cluster0.getInt(at);
            long length = Integer.toUnsignedLong(cluster0.getInt(at + 4));
            if (type == Qcow2Header.QCOW2_EXT_MAGIC_END) {
                break;
            }
            if (length > cluster0.limit() - at - 8) {
                throw malformed(path, "header extension " + Integer.toHexString(type) + " of " + length
                        + " bytes overruns cluster 0");
            }
            if (type == Qcow2Header.QCOW2_EXT_MAGIC_FEATURE_TABLE) {
                for (int e = at + 8; e + 48 <= at + 8 + length; e += 48) {
                    int bit = Byte.toUnsignedInt(cluster0.get(e + 1));
                    if (cluster0.get(e) == 0 && bit < 64) {
                        byte[] name = new byte[46];
                        cluster0.get(e + 2, name);
                        names[bit] = new String(name, StandardCharsets.US_ASCII).replace("\0", "");
                    }
                }
            }
            at += 8 + (int) ((length + 7) & ~7L);
        }
        return names;
    }

    static IOException unsupported(Path path, String feature) {
        return new IOException(path + ": unsupported qcow2 feature: " + feature);
    }

    static IOException malformed(Path path, String what) {
        return new IOException(path + ": invalid qcow2 image: " + what);
    }
}
