package io.xensim.blk.protocol;

/**
 * The request opcodes ({@code BLKIF_OP_*}, xen/io/blkif.h), carried in the first byte of every request slot and
 * copied into its response.
 */
public final class BlkifOp {
    /** {@code BLKIF_OP_READ}. */
    public static final int BLKIF_OP_READ = 0;
    /** {@code BLKIF_OP_WRITE}. */
    public static final int BLKIF_OP_WRITE = 1;
    /** {@code BLKIF_OP_WRITE_BARRIER}: earlier writes complete before it, later ones wait; {@code feature-barrier}. */
    public static final int BLKIF_OP_WRITE_BARRIER = 2;
    /** {@code BLKIF_OP_FLUSH_DISKCACHE}: commit the volatile cache to stable storage; {@code feature-flush-cache}. */
    public static final int BLKIF_OP_FLUSH_DISKCACHE = 3;
    /** {@code BLKIF_OP_RESERVED_1}: SLES-private device command; never sent, answered EOPNOTSUPP. */
    public static final int BLKIF_OP_RESERVED_1 = 4;
    /** {@code BLKIF_OP_DISCARD}: the slot is a {@link BlkifRequestDiscard}; {@code feature-discard}. */
    public static final int BLKIF_OP_DISCARD = 5;
    /** {@code BLKIF_OP_INDIRECT}: the slot is a {@link BlkifRequestIndirect}; {@code feature-max-indirect-segments}. */
    public static final int BLKIF_OP_INDIRECT = 6;

    private BlkifOp() {
    }

    /** The C name of {@code op}, or {@code "unknown"}, for log lines and malformed-slot reasons. */
    public static String name(int op) {
        return switch (op) {
            case BLKIF_OP_READ -> "BLKIF_OP_READ";
            case BLKIF_OP_WRITE -> "BLKIF_OP_WRITE";
            case BLKIF_OP_WRITE_BARRIER -> "BLKIF_OP_WRITE_BARRIER";
            case BLKIF_OP_FLUSH_DISKCACHE -> "BLKIF_OP_FLUSH_DISKCACHE";
            case BLKIF_OP_RESERVED_1 -> "BLKIF_OP_RESERVED_1";
            case BLKIF_OP_DISCARD -> "BLKIF_OP_DISCARD";
            case BLKIF_OP_INDIRECT -> "BLKIF_OP_INDIRECT";
            default -> "unknown";
        };
    }
}
