package io.xensim.net.protocol;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.MemorySegment;

/**
 * One transmit response on the netif TX ring ({@code struct netif_tx_response}, xen/io/netif.h), written by
 * netback and read by netfront.
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +-------------------------------+-------------------------------+  0
 * |           id (u16)            |  status (s16, NETIF_RSP_*)    |
 * +-------------------------------+-------------------------------+  4
 * |                 unused rest of the 12-byte tx ring entry      |
 * +---------------------------------------------------------------+ 12
 * </pre>
 * Every request slot, extra-info slots included, is answered by one response with the request's {@code id};
 * extras are answered with {@link NetifStatus#NETIF_RSP_NULL}.
 *
 * <p>Decode accepts every bit pattern: what a status means (and whether the id belongs to an outstanding request)
 * is netfront's business.
 */
public record NetifTxResponse(int id, int status) {
    public static final int ID_OFFSET = 0;
    public static final int STATUS_OFFSET = 2;
    /** {@code sizeof(struct netif_tx_response)}. */
    public static final int LENGTH = 4;

    public NetifTxResponse {
        Fields.u16("id", id);
        Fields.s16("status", status);
    }

    /** Writes the 4 bytes of the struct (the entry's other 8 bytes still hold the request; nothing reads them). */
    public void encode(MemorySegment slot) {
        slot.set(Layouts.U16, ID_OFFSET, (short) id);
        slot.set(Layouts.U16, STATUS_OFFSET, (short) status);
    }

    public static Decoded<NetifTxResponse> decode(MemorySegment slot) {
        return Decoded.ok(new NetifTxResponse(Layouts.u16(slot.get(Layouts.U16, ID_OFFSET)),
                slot.get(Layouts.U16, STATUS_OFFSET)));
    }
}
