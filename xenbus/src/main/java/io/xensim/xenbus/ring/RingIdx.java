package io.xensim.xenbus.ring;

import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.MemorySegment;

/**
 * Arithmetic on {@code RING_IDX} (xen/io/ring.h: {@code typedef unsigned int RING_IDX}), the free-running
 * 32-bit index of the shared rings, held in a Java {@code int}.
 *
 * <p>Indices are never reduced modulo the ring size: they count up and wrap at 2^32, and a distance is the
 * difference of two indices taken modulo 2^32 ({@code int} subtraction), compared as unsigned. Only the slot
 * address masks with {@code size - 1}.
 */
public final class RingIdx {
    private RingIdx() {
    }

    /**
     * The notify decision of {@code RING_PUSH_REQUESTS_AND_CHECK_NOTIFY} / {@code RING_PUSH_RESPONSES_AND_CHECK_NOTIFY}:
     * {@code (RING_IDX)(new - event) < (RING_IDX)(new - old)}, i.e. the peer's event index lies in the window
     * {@code (oldProd, newProd]} of entries just published.
     */
    public static boolean needsNotify(int oldProd, int newProd, int event) {
        return Integer.compareUnsigned(newProd - event, newProd - oldProd) < 0;
    }

    /** The smaller of two unsigned distances, as ring.h's {@code req < rsp ? req : rsp}. */
    static int minUnsigned(int a, int b) {
        return Integer.compareUnsigned(a, b) < 0 ? a : b;
    }

    /**
     * Checks a shared ring area: native (atomic index access needs it), page-aligned, and exactly
     * {@code XEN_PAGE_SIZE << order} bytes for a ring-page-order in 0..{@link RingSize#MAX_RING_PAGE_ORDER}.
     * Returns the order.
     */
    static int checkArea(MemorySegment area) {
        if (!area.isNative()) {
            throw new IllegalArgumentException("area: heap segment (expected: native, page-aligned guest memory)");
        }
        if ((area.address() & (Layouts.XEN_PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("area.address: 0x" + Long.toHexString(area.address())
                    + " (expected: a multiple of " + Layouts.XEN_PAGE_SIZE + ")");
        }
        long bytes = area.byteSize();
        for (int order = 0; order <= RingSize.MAX_RING_PAGE_ORDER; order++) {
            if (bytes == (long) Layouts.XEN_PAGE_SIZE << order) {
                return order;
            }
        }
        throw new IllegalArgumentException("area.byteSize: " + bytes + " (expected: " + Layouts.XEN_PAGE_SIZE
                + " << order, order 0.." + RingSize.MAX_RING_PAGE_ORDER + ")");
    }
}
