package io.xensim.net.protocol;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.MemorySegment;

/**
 * One request on the optional netif control ring ({@code struct xen_netif_ctrl_request}, xen/io/netif.h), written
 * by netfront; the ring is offered with {@code feature-ctrl-ring} and set up with {@code ctrl-ring-ref} and
 * {@code event-channel-ctrl}.
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +-------------------------------+-------------------------------+  0
 * |           id (u16)            |  type (u16, XEN_NETIF_CTRL_TYPE_*)
 * +-------------------------------+-------------------------------+  4
 * |                        data[0] (u32)                          |
 * +---------------------------------------------------------------+  8
 * |                        data[1] (u32)                          |
 * +---------------------------------------------------------------+ 12
 * |                        data[2] (u32)                          |
 * +---------------------------------------------------------------+ 16
 * </pre>
 * No padding. What {@code data} means depends on {@code type} (netif.h's "Control messages").
 *
 * <p>Every bit pattern decodes: an unknown or {@link #XEN_NETIF_CTRL_TYPE_INVALID} type is answered with
 * {@link XenNetifCtrlResponse#XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED} by netback, and bad data with
 * {@code INVALID_PARAMETER}; neither is a malformed slot.
 */
public record XenNetifCtrlRequest(int id, int type, int data0, int data1, int data2) {
    public static final int XEN_NETIF_CTRL_TYPE_INVALID = 0;
    public static final int XEN_NETIF_CTRL_TYPE_GET_HASH_FLAGS = 1;
    public static final int XEN_NETIF_CTRL_TYPE_SET_HASH_FLAGS = 2;
    public static final int XEN_NETIF_CTRL_TYPE_SET_HASH_KEY = 3;
    public static final int XEN_NETIF_CTRL_TYPE_GET_HASH_MAPPING_SIZE = 4;
    public static final int XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING_SIZE = 5;
    public static final int XEN_NETIF_CTRL_TYPE_SET_HASH_MAPPING = 6;
    public static final int XEN_NETIF_CTRL_TYPE_SET_HASH_ALGORITHM = 7;
    public static final int XEN_NETIF_CTRL_TYPE_GET_GREF_MAPPING_SIZE = 8;
    public static final int XEN_NETIF_CTRL_TYPE_ADD_GREF_MAPPING = 9;
    public static final int XEN_NETIF_CTRL_TYPE_DEL_GREF_MAPPING = 10;

    public static final int ID_OFFSET = 0;
    public static final int TYPE_OFFSET = 2;
    /** {@code offsetof(..., data)}: {@code data[i]} is at {@code DATA_OFFSET + 4 * i}. */
    public static final int DATA_OFFSET = 4;
    /** {@code sizeof(data)}: three u32. */
    public static final int DATA_LENGTH = 12;
    /** {@code sizeof(struct xen_netif_ctrl_request)}. */
    public static final int LENGTH = 16;

    public XenNetifCtrlRequest {
        Fields.u16("id", id);
        Fields.u16("type", type);
    }

    /** Writes all 16 bytes of the slot. */
    public void encode(MemorySegment slot) {
        slot.set(Layouts.U16, ID_OFFSET, (short) id);
        slot.set(Layouts.U16, TYPE_OFFSET, (short) type);
        slot.set(Layouts.U32, DATA_OFFSET, data0);
        slot.set(Layouts.U32, DATA_OFFSET + 4, data1);
        slot.set(Layouts.U32, DATA_OFFSET + 8, data2);
    }

    public static Decoded<XenNetifCtrlRequest> decode(MemorySegment slot) {
        return Decoded.ok(new XenNetifCtrlRequest(Layouts.u16(slot.get(Layouts.U16, ID_OFFSET)),
                Layouts.u16(slot.get(Layouts.U16, TYPE_OFFSET)), slot.get(Layouts.U32, DATA_OFFSET),
                slot.get(Layouts.U32, DATA_OFFSET + 4), slot.get(Layouts.U32, DATA_OFFSET + 8)));
    }
}
