package io.xensim.xenbus.ring;

import io.xensim.xenbus.memory.Layouts;
import java.util.Objects;

/**
 * One kind of shared ring: what {@code DEFINE_RING_TYPES(name, req_t, rsp_t)} declares in xen/io/ring.h. It carries
 * the request and the response layout together, so the slot size ({@code sizeof(union <name>_sring_entry)}, the
 * larger of the two) is derived once here and no caller can pass a wrong one: {@link FrontRing#init} and
 * {@link BackRing#init} take a ring type, not a number.
 *
 * <p><b>Threading:</b> immutable.
 *
 * <p><b>Reference:</b> xen/io/ring.h ({@code DEFINE_RING_TYPES}, {@code __CONST_RING_SIZE}).
 */
public record RingType<Q, S>(String name, SlotLayout<Q> request, SlotLayout<S> response) {
    public RingType {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(response, "response");
        int entry = Math.max(request.length(), response.length());
        if (RingSize.entries(Layouts.XEN_PAGE_SIZE, entry) < 1) {
            throw new IllegalArgumentException(name + ": entry of " + entry + " bytes (expected: fits a page ring)");
        }
    }

    public static <Q, S> RingType<Q, S> of(String name, SlotLayout<Q> request, SlotLayout<S> response) {
        return new RingType<>(name, request, response);
    }

    /** Opaque slots of {@code entrySize} bytes, request and response alike: for the ring's own tests. */
    static RingType<java.lang.foreign.MemorySegment, java.lang.foreign.MemorySegment> opaque(int entrySize) {
        if (entrySize <= 0) {
            throw new IllegalArgumentException("entrySize: " + entrySize + " (expected: > 0)");
        }
        return of("opaque" + entrySize, SlotLayout.opaque("req", entrySize), SlotLayout.opaque("rsp", entrySize));
    }

    /** {@code sizeof(union <name>_sring_entry)}: the larger of the request and the response. */
    public int entrySize() {
        return Math.max(request.length(), response.length());
    }

    /** {@code __CONST_RING_SIZE(<name>, XEN_PAGE_SIZE << ringPageOrder)}: slots in a ring of that many pages. */
    public int size(int ringPageOrder) {
        return RingSize.entriesForOrder(ringPageOrder, entrySize());
    }

    @Override
    public String toString() {
        return "RingType[" + name + ": " + request.cName() + " " + request.length() + " B, " + response.cName()
                + " " + response.length() + " B, entry " + entrySize() + " B]";
    }
}
