package io.xensim.blk.protocol;

/** The {@code status} values of a {@link BlkifResponse} ({@code BLKIF_RSP_*}, xen/io/blkif.h). */
public final class BlkifStatus {
    /** {@code BLKIF_RSP_EOPNOTSUPP}: the operation is not supported (even if its feature was advertised). */
    public static final int BLKIF_RSP_EOPNOTSUPP = -2;
    /** {@code BLKIF_RSP_ERROR}: the request failed or was invalid. */
    public static final int BLKIF_RSP_ERROR = -1;
    /** {@code BLKIF_RSP_OKAY}. */
    public static final int BLKIF_RSP_OKAY = 0;

    private BlkifStatus() {
    }
}
