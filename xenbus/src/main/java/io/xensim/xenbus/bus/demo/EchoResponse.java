package io.xensim.xenbus.bus.demo;

import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.MemorySegment;

/**
 * One response slot of the demonstration echo ring: the request's id, a status, and the value sent back.
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +---------------------------------------------------------------+
 * |                           id (u32)                            |
 * +---------------------------------------------------------------+
 * |                        status (s32)                           |
 * +---------------------------------------------------------------+
 * |                         value (u64)                           |
 * |                                                               |
 * +---------------------------------------------------------------+
 * </pre>
 */
public record EchoResponse(int id, int status, long value) {
    public static final int ID_OFFSET = 0;
    public static final int STATUS_OFFSET = 4;
    public static final int VALUE_OFFSET = 8;
    public static final int LENGTH = 16;
    /** The request was served. */
    public static final int ECHO_RSP_OKAY = 0;

    public void encode(MemorySegment ring, long offset) {
        ring.set(Layouts.U32, offset + ID_OFFSET, id);
        ring.set(Layouts.U32, offset + STATUS_OFFSET, status);
        ring.set(Layouts.U64, offset + VALUE_OFFSET, value);
    }

    public static EchoResponse decode(MemorySegment ring, long offset) {
        return new EchoResponse(ring.get(Layouts.U32, offset + ID_OFFSET),
                ring.get(Layouts.U32, offset + STATUS_OFFSET), ring.get(Layouts.U64, offset + VALUE_OFFSET));
    }
}
