package io.xensim.xenbus.ring;

import io.xensim.xenbus.memory.Layouts;

/**
 * The number of entries in a shared ring, computed as ring.h's {@code __CONST_RING_SIZE} / {@code __RING_SIZE} do:
 * the largest power of two not above {@code (area bytes - header) / entry size}.
 *
 * <p>A multi-page ring ({@code ring-page-order} k, as blkif negotiates) covers {@code XEN_PAGE_SIZE << k} bytes
 * and the same formula applies to the whole area.
 */
public final class RingSize {
    /** blkif's {@code max-ring-page-order} range that xensim supports: 1 to 16 pages. */
    public static final int MAX_RING_PAGE_ORDER = 4;

    private RingSize() {
    }

    /** Entries in a ring of {@code areaBytes} bytes whose slots are {@code entrySize} bytes. */
    public static int entries(int areaBytes, int entrySize) {
        if (entrySize <= 0) {
            throw new IllegalArgumentException("entrySize: " + entrySize + " (expected: > 0)");
        }
        int fit = (areaBytes - SringDescriptor.RING_OFFSET) / entrySize;
        if (fit < 1) {
            throw new IllegalArgumentException("areaBytes: " + areaBytes + " (expected: room for at least one "
                    + entrySize + "-byte entry after the " + SringDescriptor.RING_OFFSET + "-byte header)");
        }
        return Integer.highestOneBit(fit);
    }

    /** Entries in a ring of {@code 2^order} pages. */
    public static int entriesForOrder(int ringPageOrder, int entrySize) {
        if (ringPageOrder < 0 || ringPageOrder > MAX_RING_PAGE_ORDER) {
            throw new IllegalArgumentException("ringPageOrder: " + ringPageOrder
                    + " (expected: 0.." + MAX_RING_PAGE_ORDER + ")");
        }
        return entries(Layouts.XEN_PAGE_SIZE << ringPageOrder, entrySize);
    }

    /**
     * {@code XEN_FLEX_RING_SIZE(order)}: the bytes of one direction of a byte-stream "flex" ring
     * ({@code DEFINE_XEN_FLEX_RING}, used by pvcalls and 9pfs) of {@code 2^order} pages: half the area,
     * {@code 1 << (order + XEN_PAGE_SHIFT - 1)}.
     */
    public static long xenFlexRingSize(int order) {
        if (order < 0 || order > Long.SIZE - Layouts.XEN_PAGE_SHIFT) {
            throw new IllegalArgumentException("order: " + order
                    + " (expected: 0.." + (Long.SIZE - Layouts.XEN_PAGE_SHIFT) + ")");
        }
        return 1L << (order + Layouts.XEN_PAGE_SHIFT - 1);
    }
}
