package io.xensim.xenbus.grant;

/**
 * One grant-copy operation ({@code struct gnttab_copy}, xen/grant_table.h), as netback uses it to move packet
 * bytes between its own frames and a guest's granted frames without mapping them.
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +---------------------------------------------------------------+  0
 * |        source.u: ref (u32) | gmfn (xen_pfn_t, u64)            |
 * +                                                               +  4
 * |                                                               |
 * +-------------------------------+-------------------------------+  8
 * |      source.domid (u16)       |      source.offset (u16)      |
 * +-------------------------------+-------------------------------+ 12
 * |                        (padding, 4)                           |
 * +---------------------------------------------------------------+ 16
 * |         dest.u: ref (u32) | gmfn (xen_pfn_t, u64)             |
 * +                                                               +
 * |                                                               |
 * +-------------------------------+-------------------------------+ 24
 * |       dest.domid (u16)        |       dest.offset (u16)       |
 * +-------------------------------+-------------------------------+ 28
 * |                        (padding, 4)                           |
 * +-------------------------------+-------------------------------+ 32
 * |           len (u16)           |          flags (u16)          |
 * +-------------------------------+-------------------------------+ 36
 * |      status (i16, OUT)        |        (padding, 2)           |
 * +-------------------------------+-------------------------------+ 40
 * </pre>
 * Each side is a grant ref in {@code domid}'s table when its {@code GNTCOPY_*_gref} flag is set, otherwise a frame
 * of the caller's own memory. This class is the hypercall argument, mutable like the C struct: the caller fills
 * the IN fields, {@link GrantOps#copy} fills {@link #status}. Reuse instances on hot paths.
 */
public final class GnttabCopy {
    public static final int SOURCE_U_OFFSET = 0;
    public static final int SOURCE_DOMID_OFFSET = 8;
    public static final int SOURCE_OFFSET_OFFSET = 10;
    public static final int DEST_U_OFFSET = 16;
    public static final int DEST_DOMID_OFFSET = 24;
    public static final int DEST_OFFSET_OFFSET = 26;
    public static final int LEN_OFFSET = 32;
    public static final int FLAGS_OFFSET = 34;
    public static final int STATUS_OFFSET = 36;
    public static final int LENGTH = 40;
    /** {@code sizeof(struct gnttab_copy_ptr)}: u (8) + domid (2) + offset (2) + padding (4). */
    public static final int PTR_LENGTH = 16;

    public static final int _GNTCOPY_source_gref = 0;
    public static final int GNTCOPY_source_gref = 1 << _GNTCOPY_source_gref;
    public static final int _GNTCOPY_dest_gref = 1;
    public static final int GNTCOPY_dest_gref = 1 << _GNTCOPY_dest_gref;

    /** {@code source.u}: a grant ref (low 32 bits) or a gmfn. */
    public long sourceU;
    public int sourceDomid;
    public int sourceOffset;
    /** {@code dest.u}: a grant ref (low 32 bits) or a gmfn. */
    public long destU;
    public int destDomid;
    public int destOffset;
    public int len;
    public int flags;
    /** OUT: a {@code GNTST_*} code. */
    public short status;

    /** Sets this op to copy {@code len} bytes between two places; returns {@code this}. */
    public GnttabCopy set(long sourceU, int sourceDomid, int sourceOffset, long destU, int destDomid,
            int destOffset, int len, int flags) {
        this.sourceU = sourceU;
        this.sourceDomid = sourceDomid;
        this.sourceOffset = sourceOffset;
        this.destU = destU;
        this.destDomid = destDomid;
        this.destOffset = destOffset;
        this.len = len;
        this.flags = flags;
        this.status = GnttabStatus.GNTST_okay;
        return this;
    }

    @Override
    public String toString() {
        return "gnttab_copy{source=" + side(sourceU, sourceDomid, sourceOffset, GNTCOPY_source_gref)
                + ", dest=" + side(destU, destDomid, destOffset, GNTCOPY_dest_gref) + ", len=" + len
                + ", status=" + GnttabStatus.name(status) + "}";
    }

    private String side(long u, int domid, int offset, int grefFlag) {
        return ((flags & grefFlag) != 0 ? "gref " + (int) u : "gmfn " + u) + "@d" + domid + "+" + offset;
    }
}
