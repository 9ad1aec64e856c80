package io.xensim.xenbus.bus.demo;

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
    public static final int VALUE_OFFSET = 8;
    public static final int LENGTH = 16;

    public void encode(MemorySegment ring, long offset) {
        ring.set(Layouts.U32, offset + ID_OFFSET, id);
        ring.set(Layouts.U32, offset + 4, 0);
        ring.set(Layouts.U64, offset + VALUE_OFFSET, value);
    }

    /** Every 16 bytes are a valid request: nothing to reject. */
    public static EchoRequest decode(MemorySegment ring, long offset) {
        return new EchoRequest(ring.get(Layouts.U32, offset + ID_OFFSET), ring.get(Layouts.U64, offset + VALUE_OFFSET));
    }
}
