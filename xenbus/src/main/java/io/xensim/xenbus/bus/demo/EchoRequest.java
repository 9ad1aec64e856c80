package io.xensim.xenbus.bus.demo;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.MemorySegment;

/**
 * One request slot of the demonstration echo ring (xensim's own protocol, shaped like blkif's):
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +---------------------------------------------------------------+
 * |                           id (u32)                            |
 * +---------------------------------------------------------------+
 * |                       _pad (u32, zero)                        |
 * +---------------------------------------------------------------+
 * |                         value (u64)                           |
 * |                                                               |
 * +---------------------------------------------------------------+
 * </pre>
 */
public record EchoRequest(int id, long value) {
    public static final int ID_OFFSET = 0;
    public static final int PAD_OFFSET = 4;
    public static final int VALUE_OFFSET = 8;
    public static final int LENGTH = 16;

    /** Writes every byte of the request (padding as zero) at the start of {@code slot}. */
    public void encode(MemorySegment slot) {
        slot.set(Layouts.U32, ID_OFFSET, id);
        slot.set(Layouts.U32, PAD_OFFSET, 0);
        slot.set(Layouts.U64, VALUE_OFFSET, value);
    }

    /** The frontend wrote these bytes, so they are untrusted: non-zero padding is malformed, not an exception. */
    public static Decoded<EchoRequest> decode(MemorySegment slot) {
        int pad = slot.get(Layouts.U32, PAD_OFFSET);
        if (pad != 0) {
            return Decoded.malformed("_pad: 0x" + Integer.toHexString(pad) + " (expected: 0)");
        }
        return Decoded.ok(new EchoRequest(slot.get(Layouts.U32, ID_OFFSET), slot.get(Layouts.U64, VALUE_OFFSET)));
    }

    /** The {@code id} of any slot, malformed or not, so the backend can answer it. */
    public static int id(MemorySegment slot) {
        return slot.get(Layouts.U32, ID_OFFSET);
    }
}
