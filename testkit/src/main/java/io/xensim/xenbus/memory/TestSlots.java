package io.xensim.xenbus.memory;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.function.Consumer;

/**
 * Test helpers for ring-slot codecs, shared through testkit: golden hex to bytes, and encoding into a
 * slot that already holds garbage, to show that an encoder writes every byte of its struct.
 */
public final class TestSlots {
    /** A byte no golden vector uses at a position an encoder skips, so a skipped byte shows up in a comparison. */
    public static final byte STALE = (byte) 0xa5;

    private TestSlots() {
    }

    /** The bytes of hex fragments concatenated (one fragment per field, so a vector reads field by field). */
    public static byte[] hex(String... fields) {
        return HexFormat.of().parseHex(String.join("", fields));
    }

    /** Encodes into {@code length} bytes that all start as {@link #STALE}. */
    public static byte[] encodeOverStale(int length, Consumer<MemorySegment> encoder) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, STALE);
        return encodeOver(bytes, encoder);
    }

    /** Encodes into a copy of {@code previous} (the slot's stale content) and returns the result. */
    public static byte[] encodeOver(byte[] previous, Consumer<MemorySegment> encoder) {
        byte[] bytes = previous.clone();
        encoder.accept(MemorySegment.ofArray(bytes));
        return bytes;
    }

    /** A heap segment over {@code bytes} (codec fields are unaligned layouts, so heap memory works). */
    public static MemorySegment segment(byte[] bytes) {
        return MemorySegment.ofArray(bytes);
    }
}
