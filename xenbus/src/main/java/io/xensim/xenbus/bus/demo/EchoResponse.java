package io.xensim.xenbus.bus.demo;

import io.xensim.xenbus.Decoded;
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
    /** The request was malformed (as {@code BLKIF_RSP_ERROR}). */
    public static final int ECHO_RSP_ERROR = -1;

    public void encode(MemorySegment slot) {
        slot.set(Layouts.U32, ID_OFFSET, id);
        slot.set(Layouts.U32, STATUS_OFFSET, status);
        slot.set(Layouts.U64, VALUE_OFFSET, value);
    }

    /** The backend wrote these bytes: a status other than the two defined ones is malformed. */
    public static Decoded<EchoResponse> decode(MemorySegment slot) {
        int status = slot.get(Layouts.U32, STATUS_OFFSET);
        if (status != ECHO_RSP_OKAY && status != ECHO_RSP_ERROR) {
            return Decoded.malformed("status: " + status + " (expected: ECHO_RSP_OKAY 0 or ECHO_RSP_ERROR -1)");
        }
        return Decoded.ok(new EchoResponse(slot.get(Layouts.U32, ID_OFFSET), status,
                slot.get(Layouts.U64, VALUE_OFFSET)));
    }
}
