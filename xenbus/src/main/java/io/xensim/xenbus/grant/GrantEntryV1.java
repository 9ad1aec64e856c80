package io.xensim.xenbus.grant;

import io.xensim.xenbus.memory.Layouts;

/**
 * One entry of a version-1 grant table ({@code struct grant_entry_v1}, xen/grant_table.h).
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +-------------------------------+-------------------------------+  0
 * |          flags (u16)          |          domid (u16)          |
 * +-------------------------------+-------------------------------+  4
 * |                          frame (u32)                          |
 * +---------------------------------------------------------------+  8
 * </pre>
 * {@code flags}: bits 1:0 the type ({@code GTF_permit_access} …), bit 2 {@code GTF_readonly} (set by the
 * granter), bits 3 and 4 {@code GTF_reading}/{@code GTF_writing} (set by Xen while the grantee uses the frame).
 * The granter writes {@code domid} and {@code frame} first and {@code flags} last; the entry is live once its
 * type is non-zero.
 */
public final class GrantEntryV1 {
    public static final int FLAGS_OFFSET = 0;
    public static final int DOMID_OFFSET = 2;
    public static final int FRAME_OFFSET = 4;
    public static final int LENGTH = 8;
    /** Entries per 4096-byte grant-table frame. */
    public static final int ENTRIES_PER_FRAME = Layouts.XEN_PAGE_SIZE / LENGTH;

    /** The first 8 refs are reserved for the toolstack ({@code GNTTAB_NR_RESERVED_ENTRIES}). */
    public static final int GNTTAB_NR_RESERVED_ENTRIES = 8;
    /** Reserved ref of the console ring page. */
    public static final int GNTTAB_RESERVED_CONSOLE = 0;
    /** Reserved ref of the xenstore ring page. */
    public static final int GNTTAB_RESERVED_XENSTORE = 1;

    public static final int GTF_invalid = 0;
    public static final int GTF_permit_access = 1;
    public static final int GTF_accept_transfer = 2;
    public static final int GTF_transitive = 3;
    public static final int GTF_type_mask = 3;
    public static final int _GTF_readonly = 2;
    public static final int GTF_readonly = 1 << _GTF_readonly;
    public static final int _GTF_reading = 3;
    public static final int GTF_reading = 1 << _GTF_reading;
    public static final int _GTF_writing = 4;
    public static final int GTF_writing = 1 << _GTF_writing;
    public static final int _GTF_PWT = 5;
    public static final int GTF_PWT = 1 << _GTF_PWT;
    public static final int _GTF_PCD = 6;
    public static final int GTF_PCD = 1 << _GTF_PCD;
    public static final int _GTF_PAT = 7;
    public static final int GTF_PAT = 1 << _GTF_PAT;
    public static final int _GTF_sub_page = 8;
    public static final int GTF_sub_page = 1 << _GTF_sub_page;
    public static final int _GTF_transfer_committed = 2;
    public static final int GTF_transfer_committed = 1 << _GTF_transfer_committed;
    public static final int _GTF_transfer_completed = 3;
    public static final int GTF_transfer_completed = 1 << _GTF_transfer_completed;

    /** Grant-table sub-ops ({@code GNTTABOP_*}) that xensim implements. */
    public static final int GNTTABOP_map_grant_ref = 0;
    public static final int GNTTABOP_unmap_grant_ref = 1;
    public static final int GNTTABOP_copy = 5;

    /** {@code GNTMAP_*} flags of a map request. */
    public static final int GNTMAP_device_map = 1;
    public static final int GNTMAP_host_map = 2;
    public static final int GNTMAP_readonly = 4;

    private GrantEntryV1() {
    }
}
