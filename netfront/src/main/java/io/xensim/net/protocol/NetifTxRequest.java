package io.xensim.net.protocol;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.MemorySegment;

/**
 * One transmit request slot on the netif TX ring ({@code struct netif_tx_request}, xen/io/netif.h), written by
 * netfront and read by netback.
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +---------------------------------------------------------------+  0
 * |                          gref (u32)                           |
 * +-------------------------------+-------------------------------+  4
 * |         offset (u16)          |    flags (u16, NETTXF_*)      |
 * +-------------------------------+-------------------------------+  8
 * |           id (u16)            |          size (u16)           |
 * +-------------------------------+-------------------------------+ 12
 * </pre>
 * No padding. For the first slot of a packet {@code size} is the whole packet's length; for the following data
 * slots it is that fragment's length, so the first fragment's length is the total minus the others'. A tx ring
 * entry is 12 bytes, the size of this struct.
 *
 * <p><b>What decode checks and what it leaves to netback.</b> The codec rejects only what is wrong whatever the
 * slot's place in the packet: an {@code offset} at or past the end of the granted page ({@code offset >=
 * XEN_PAGE_SIZE}; no byte of the page starts there). Whether {@code offset} plus the fragment's length stays within
 * the page depends on which slot this is (the first slot's {@code size} is the packet total), so netback checks it
 * with {@link #fitsInPage(int, int)} once it has walked the packet, together with the slot count
 * ({@link NetifRing#XEN_NETIF_NR_SLOTS_MIN}), the total against {@link NetifRing#XEN_NETIF_MAX_TX_SIZE} and the
 * flag chain. Unknown flag bits are kept, not rejected.
 *
 * <p><b>Reference:</b> Linux netback ({@code xenvif_tx_build_gops}) rejects {@code offset + length > 4096}; it
 * would let a zero-length fragment at offset 4096 through, which this codec refuses (Linux netfront never sends
 * one).
 *
 * <p>The record's constructor only checks that each value fits its C field; protocol rules are {@link #decode}'s.
 */
public record NetifTxRequest(int gref, int offset, int flags, int id, int size) {
    public static final int GREF_OFFSET = 0;
    public static final int OFFSET_OFFSET = 4;
    public static final int FLAGS_OFFSET = 6;
    public static final int ID_OFFSET = 8;
    public static final int SIZE_OFFSET = 10;
    /** {@code sizeof(struct netif_tx_request)}. */
    public static final int LENGTH = 12;

    public NetifTxRequest {
        Fields.u16("offset", offset);
        Fields.u16("flags", flags);
        Fields.u16("id", id);
        Fields.u16("size", size);
    }

    /** Whether {@code flags} has {@code bit} (a {@code NETTXF_*} mask) set. */
    public boolean has(int bit) {
        return (flags & bit) != 0;
    }

    /** Writes all 12 bytes of the slot. */
    public void encode(MemorySegment slot) {
        slot.set(Layouts.U32, GREF_OFFSET, gref);
        slot.set(Layouts.U16, OFFSET_OFFSET, (short) offset);
        slot.set(Layouts.U16, FLAGS_OFFSET, (short) flags);
        slot.set(Layouts.U16, ID_OFFSET, (short) id);
        slot.set(Layouts.U16, SIZE_OFFSET, (short) size);
    }

    /** The frontend wrote these bytes, so they are untrusted: a bad slot is a value, not an exception. */
    public static Decoded<NetifTxRequest> decode(MemorySegment slot) {
        int offset = Layouts.u16(slot.get(Layouts.U16, OFFSET_OFFSET));
        if (offset >= Layouts.XEN_PAGE_SIZE) {
            return Decoded.malformed("offset: " + offset + " (expected: < " + Layouts.XEN_PAGE_SIZE + ")");
        }
        return Decoded.ok(new NetifTxRequest(slot.get(Layouts.U32, GREF_OFFSET), offset, flags(slot), id(slot),
                Layouts.u16(slot.get(Layouts.U16, SIZE_OFFSET))));
    }

    /** The {@code id} of a slot, readable even when {@link #decode} says malformed, so netback can answer it. */
    public static int id(MemorySegment slot) {
        return Layouts.u16(slot.get(Layouts.U16, ID_OFFSET));
    }

    /** The {@code flags} of a slot, readable even when malformed, so netback can walk past the rest of the packet. */
    public static int flags(MemorySegment slot) {
        return Layouts.u16(slot.get(Layouts.U16, FLAGS_OFFSET));
    }

    /** Whether {@code length} bytes at {@code offset} lie within one granted page (netback's per-fragment check). */
    public static boolean fitsInPage(int offset, int length) {
        return offset >= 0 && length >= 0 && offset + length <= Layouts.XEN_PAGE_SIZE;
    }
}
