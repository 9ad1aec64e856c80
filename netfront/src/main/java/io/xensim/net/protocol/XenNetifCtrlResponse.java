package io.xensim.net.protocol;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.MemorySegment;

/**
 * One response on the netif control ring ({@code struct xen_netif_ctrl_response}, xen/io/netif.h), written by
 * netback. Responses may come in any order; {@code id} and {@code type} are copied from the request.
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +-------------------------------+-------------------------------+  0
 * |           id (u16)            |          type (u16)           |
 * +-------------------------------+-------------------------------+  4
 * |           status (u32, XEN_NETIF_CTRL_STATUS_*)               |
 * +---------------------------------------------------------------+  8
 * |                          data (u32)                           |
 * +---------------------------------------------------------------+ 12
 * </pre>
 * No padding; the control ring entry is 16 bytes (the request's size). Every bit pattern decodes: matching the
 * response to an outstanding request is netfront's business.
 */
public record XenNetifCtrlResponse(int id, int type, int status, int data) {
    public static final int XEN_NETIF_CTRL_STATUS_SUCCESS = 0;
    public static final int XEN_NETIF_CTRL_STATUS_NOT_SUPPORTED = 1;
    public static final int XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER = 2;
    public static final int XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW = 3;

    public static final int ID_OFFSET = 0;
    public static final int TYPE_OFFSET = 2;
    public static final int STATUS_OFFSET = 4;
    public static final int DATA_OFFSET = 8;
    /** {@code sizeof(struct xen_netif_ctrl_response)}. */
    public static final int LENGTH = 12;

    public XenNetifCtrlResponse {
        Fields.u16("id", id);
        Fields.u16("type", type);
    }

    /** Writes the 12 bytes of the struct. */
    public void encode(MemorySegment slot) {
        slot.set(Layouts.U16, ID_OFFSET, (short) id);
        slot.set(Layouts.U16, TYPE_OFFSET, (short) type);
        slot.set(Layouts.U32, STATUS_OFFSET, status);
        slot.set(Layouts.U32, DATA_OFFSET, data);
    }

    public static Decoded<XenNetifCtrlResponse> decode(MemorySegment slot) {
        return Decoded.ok(new XenNetifCtrlResponse(Layouts.u16(slot.get(Layouts.U16, ID_OFFSET)),
                Layouts.u16(slot.get(Layouts.U16, TYPE_OFFSET)), slot.get(Layouts.U32, STATUS_OFFSET),
                slot.get(Layouts.U32, DATA_OFFSET)));
    }
}
