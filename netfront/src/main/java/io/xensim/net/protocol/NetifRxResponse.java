package io.xensim.net.protocol;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.MemorySegment;

/**
 * One receive response on the netif RX ring ({@code struct netif_rx_response}, xen/io/netif.h), written by
 * netback into the slot of the request whose page it filled.
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +-------------------------------+-------------------------------+  0
 * |           id (u16)            |         offset (u16)          |
 * +-------------------------------+-------------------------------+  4
 * |    flags (u16, NETRXF_*)      |         status (s16)          |
 * +-------------------------------+-------------------------------+  8
 * </pre>
 * No padding. {@code status} is the byte count of this fragment when non-negative, else a {@code NETIF_RSP_*}
 * error; the packet's length is the sum of its fragments (unlike tx).
 *
 * <p><b>What decode checks:</b> for a data slot ({@code status >= 0}) the fragment must lie within the page,
 * {@code offset + status <= XEN_PAGE_SIZE}; this needs nothing but the slot, so it is the codec's. For an error
 * status the offset means nothing and is not checked. Netfront checks the rest: slot counts per packet, the flag
 * chain, and that responses are read in request-slot order (Linux netfront ignores {@code id}, because extra-info
 * slots overlay it, and pairs a response with the request in the same slot).
 *
 * <p><b>Reference:</b> the page-bounds rule is Linux netfront's ({@code xennet_get_responses}).
 */
public record NetifRxResponse(int id, int offset, int flags, int status) {
    public static final int ID_OFFSET = 0;
    public static final int OFFSET_OFFSET = 2;
    public static final int FLAGS_OFFSET = 4;
    public static final int STATUS_OFFSET = 6;
    /** {@code sizeof(struct netif_rx_response)}. */
    public static final int LENGTH = 8;

    public NetifRxResponse {
        Fields.u16("id", id);
        Fields.u16("offset", offset);
        Fields.u16("flags", flags);
        Fields.s16("status", status);
    }

    /** Whether {@code flags} has {@code bit} (a {@code NETRXF_*} mask) set. */
    public boolean has(int bit) {
        return (flags & bit) != 0;
    }

    /** Writes all 8 bytes of the slot. */
    public void encode(MemorySegment slot) {
        slot.set(Layouts.U16, ID_OFFSET, (short) id);
        slot.set(Layouts.U16, OFFSET_OFFSET, (short) offset);
        slot.set(Layouts.U16, FLAGS_OFFSET, (short) flags);
        slot.set(Layouts.U16, STATUS_OFFSET, (short) status);
    }

    /** Netback wrote these bytes, so they are untrusted: a bad slot is a value, not an exception. */
    public static Decoded<NetifRxResponse> decode(MemorySegment slot) {
        int offset = Layouts.u16(slot.get(Layouts.U16, OFFSET_OFFSET));
        int status = slot.get(Layouts.U16, STATUS_OFFSET);
        if (status >= 0 && offset + status > Layouts.XEN_PAGE_SIZE) {
            return Decoded.malformed("offset + status: " + offset + " + " + status + " (expected: <= "
                    + Layouts.XEN_PAGE_SIZE + ")");
        }
        return Decoded.ok(new NetifRxResponse(Layouts.u16(slot.get(Layouts.U16, ID_OFFSET)), offset, flags(slot),
                status));
    }

    /** The {@code flags} of a slot, readable even when malformed, so netfront can walk past the rest of the packet. */
    public static int flags(MemorySegment slot) {
        return Layouts.u16(slot.get(Layouts.U16, FLAGS_OFFSET));
    }
}
