package io.xensim.net.protocol;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.MemorySegment;

/**
 * One receive buffer posted by netfront on the netif RX ring ({@code struct netif_rx_request}, xen/io/netif.h):
 * a granted, empty page for netback to copy a packet fragment into.
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +-------------------------------+-------------------------------+  0
 * |           id (u16)            |        pad (u16, zero)        |
 * +-------------------------------+-------------------------------+  4
 * |                          gref (u32)                           |
 * +---------------------------------------------------------------+  8
 * </pre>
 * Encode zeroes {@code pad}; decode ignores it. Every bit pattern decodes: whether the gref is granted to netback
 * is for the grant table to say when netback copies into it.
 */
public record NetifRxRequest(int id, int gref) {
    public static final int ID_OFFSET = 0;
    public static final int PAD_OFFSET = 2;
    public static final int GREF_OFFSET = 4;
    /** {@code sizeof(struct netif_rx_request)}. */
    public static final int LENGTH = 8;

    public NetifRxRequest {
        Fields.u16("id", id);
    }

    /** Writes all 8 bytes of the slot, {@code pad} as zero. */
    public void encode(MemorySegment slot) {
        slot.set(Layouts.U16, ID_OFFSET, (short) id);
        slot.set(Layouts.U16, PAD_OFFSET, (short) 0);
        slot.set(Layouts.U32, GREF_OFFSET, gref);
    }

    public static Decoded<NetifRxRequest> decode(MemorySegment slot) {
        return Decoded.ok(new NetifRxRequest(Layouts.u16(slot.get(Layouts.U16, ID_OFFSET)),
                slot.get(Layouts.U32, GREF_OFFSET)));
    }
}
