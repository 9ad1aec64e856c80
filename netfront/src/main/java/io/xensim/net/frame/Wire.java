package io.xensim.net.frame;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Network byte order (big-endian) accessors shared by the header codecs. Every offset is absolute in the segment.
 *
 * <p><b>Threading:</b> stateless.
 */
final class Wire {
    static final ValueLayout.OfShort BE16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfInt BE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    static final ValueLayout.OfLong BE64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private Wire() {
    }

    static int u8(MemorySegment s, long offset) {
        return Byte.toUnsignedInt(s.get(ValueLayout.JAVA_BYTE, offset));
    }

    static int u16(MemorySegment s, long offset) {
        return Short.toUnsignedInt(s.get(BE16, offset));
    }

    static int i32(MemorySegment s, long offset) {
        return s.get(BE32, offset);
    }

    static void putU8(MemorySegment s, long offset, int value) {
        s.set(ValueLayout.JAVA_BYTE, offset, (byte) value);
    }

    static void putU16(MemorySegment s, long offset, int value) {
        s.set(BE16, offset, (short) value);
    }

    static void putI32(MemorySegment s, long offset, int value) {
        s.set(BE32, offset, value);
    }

    static void requireU16(String field, int value) {
        if (value < 0 || value > 0xffff) {
            throw new IllegalArgumentException(field + ": " + value + " (expected: 0..65535)");
        }
    }

    static void requireU8(String field, int value) {
        if (value < 0 || value > 0xff) {
            throw new IllegalArgumentException(field + ": " + value + " (expected: 0..255)");
        }
    }
}
