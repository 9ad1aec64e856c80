package io.xensim.xenbus.bus.demo;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.MemorySegment;

/**
 * One request slot of the demonstration echo ring (xensim's own protocol, shaped like blkif's). With {@code gref}
 * 0 (a reserved ref, never a data page) the backend sends {@code value} back; otherwise {@code gref} is a data page
 * the frontend granted and {@code value} the number of bytes in it, which the backend reverses in place.
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +---------------------------------------------------------------+
 * |                           id (u32)                            |
 * +---------------------------------------------------------------+
 * |                          gref (u32)                           |
 * +---------------------------------------------------------------+
 * |                         value (u64)                           |
 * |                                                               |
 * +---------------------------------------------------------------+
 * </pre>
 */
public record EchoRequest(int id, int gref, long value) {
    public static final int ID_OFFSET = 0;
    public static final int GREF_OFFSET = 4;
    public static final int VALUE_OFFSET = 8;
    public static final int LENGTH = 16;
    /** {@code gref} of a request without a data page. */
    public static final int NO_PAGE = 0;

    /** A request to send {@code value} back. */
    public EchoRequest(int id, long value) {
        this(id, NO_PAGE, value);
    }

    /** True if {@code gref} names a data page. */
    public boolean hasPage() {
        return gref != NO_PAGE;
    }

    /** Writes every byte of the request at the start of {@code slot}. */
    public void encode(MemorySegment slot) {
        slot.set(Layouts.U32, ID_OFFSET, id);
        slot.set(Layouts.U32, GREF_OFFSET, gref);
        slot.set(Layouts.U64, VALUE_OFFSET, value);
    }

    /**
     * The frontend wrote these bytes, so they are untrusted: a data page request for more bytes than a page holds
     * is malformed, not an exception.
     */
    public static Decoded<EchoRequest> decode(MemorySegment slot) {
        int gref = slot.get(Layouts.U32, GREF_OFFSET);
        long value = slot.get(Layouts.U64, VALUE_OFFSET);
        if (gref != NO_PAGE && Long.compareUnsigned(value, Layouts.XEN_PAGE_SIZE) > 0) {
            return Decoded.malformed("value: " + Long.toUnsignedString(value) + " (expected: at most "
                    + Layouts.XEN_PAGE_SIZE + " bytes of the page granted as ref " + Integer.toUnsignedString(gref)
                    + ")");
        }
        return Decoded.ok(new EchoRequest(slot.get(Layouts.U32, ID_OFFSET), gref, value));
    }

    /** The {@code id} of any slot, malformed or not, so the backend can answer it. */
    public static int id(MemorySegment slot) {
        return slot.get(Layouts.U32, ID_OFFSET);
    }
}
