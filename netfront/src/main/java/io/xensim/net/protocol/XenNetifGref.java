package io.xensim.net.protocol;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.MemorySegment;

/**
 * One entry of the grant list page passed with {@code XEN_NETIF_CTRL_TYPE_ADD_GREF_MAPPING} /
 * {@code DEL_GREF_MAPPING} on the control ring ({@code struct xen_netif_gref}, xen/io/netif.h; staging grants).
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +---------------------------------------------------------------+  0
 * |                     ref (u32, grant_ref_t)    IN              |
 * +-------------------------------+-------------------------------+  4
 * |   flags (u16, CTRLF_GREF_*) IN | status (u16, CTRL_STATUS_*) OUT
 * +-------------------------------+-------------------------------+  8
 * </pre>
 * No padding; a 4096-byte page holds 512 entries. {@code status} is written by netback (DEL only) and need not be
 * zeroed by netfront beforehand. Every bit pattern decodes.
 */
public record XenNetifGref(int ref, int flags, int status) {
    /** {@code _XEN_NETIF_CTRLF_GREF_readonly}: bit number. */
    public static final int _XEN_NETIF_CTRLF_GREF_READONLY = 0;
    /** {@code XEN_NETIF_CTRLF_GREF_readonly}: map the grant read-only. */
    public static final int XEN_NETIF_CTRLF_GREF_READONLY = 1 << _XEN_NETIF_CTRLF_GREF_READONLY;

    public static final int REF_OFFSET = 0;
    public static final int FLAGS_OFFSET = 4;
    public static final int STATUS_OFFSET = 6;
    /** {@code sizeof(struct xen_netif_gref)}. */
    public static final int LENGTH = 8;

    public XenNetifGref {
        Fields.u16("flags", flags);
        Fields.u16("status", status);
    }

    /** Writes all 8 bytes of the entry. */
    public void encode(MemorySegment entry) {
        entry.set(Layouts.U32, REF_OFFSET, ref);
        entry.set(Layouts.U16, FLAGS_OFFSET, (short) flags);
        entry.set(Layouts.U16, STATUS_OFFSET, (short) status);
    }

    public static Decoded<XenNetifGref> decode(MemorySegment entry) {
        return Decoded.ok(new XenNetifGref(entry.get(Layouts.U32, REF_OFFSET),
                Layouts.u16(entry.get(Layouts.U16, FLAGS_OFFSET)), Layouts.u16(entry.get(Layouts.U16, STATUS_OFFSET))));
    }
}
