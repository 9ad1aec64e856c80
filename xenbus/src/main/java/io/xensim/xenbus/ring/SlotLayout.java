package io.xensim.xenbus.ring;

import io.xensim.xenbus.Decoded;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The layout of one struct carried in a ring slot (a {@code req_t} or {@code rsp_t} of {@code DEFINE_RING_TYPES}):
 * its C name, its {@code sizeof}, and the protocol codec that writes a value into a slot and decodes a slot that
 * the other end wrote (so untrusted: {@link Decoded}, never an exception).
 *
 * <p><b>Threading:</b> immutable; the codec functions must be stateless.
 *
 * <p><b>Reference:</b> xen/io/ring.h, {@code DEFINE_RING_TYPES(name, req_t, rsp_t)}.
 */
public record SlotLayout<T>(String cName, int length, BiConsumer<T, MemorySegment> encoder,
                            Function<MemorySegment, Decoded<T>> decoder) {
    public SlotLayout {
        Objects.requireNonNull(cName, "cName");
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(decoder, "decoder");
        if (length <= 0) {
            throw new IllegalArgumentException("length: " + length + " (expected: > 0)");
        }
    }

    public static <T> SlotLayout<T> of(String cName, int length, BiConsumer<T, MemorySegment> encoder,
            Function<MemorySegment, Decoded<T>> decoder) {
        return new SlotLayout<>(cName, length, encoder, decoder);
    }

    /**
     * A layout whose values are the raw bytes of the slot (a copy of {@code length} bytes), for benchmarks and
     * tests of the ring itself; drivers use their protocol's codec.
     */
    public static SlotLayout<MemorySegment> opaque(String cName, int length) {
        return new SlotLayout<>(cName, length,
                (bytes, slot) -> MemorySegment.copy(bytes, 0, slot, 0, Math.min(bytes.byteSize(), length)),
                slot -> Decoded.ok(MemorySegment.ofArray(slot.asSlice(0, length).toArray(
                        java.lang.foreign.ValueLayout.JAVA_BYTE))));
    }
}
