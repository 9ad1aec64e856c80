package io.xensim.blk.front;

import io.xensim.blk.protocol.BlkifRequestIndirect;
import io.xensim.blk.protocol.BlkifRing;

/**
 * The knobs of a blkfront driver: Linux's module parameters of xen-blkfront, settable per guest.
 *
 * <p><b>Threading:</b> an immutable value.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/block/xen-blkfront.c ({@code max_ring_page_order}, {@code max_queues},
 * {@code max_indirect_segments}, {@code feature_persistent}, {@code trusted}).
 *
 * @param maxRingPageOrder    {@code max_ring_page_order}: the largest ring asked for, as log2(pages)
 * @param maxQueues           {@code max_queues}: the most rings asked for (fewer if the backend offers fewer)
 * @param maxIndirectSegments {@code max_indirect_segments}: the most segments of one indirect request
 * @param featurePersistent   {@code feature_persistent}: offer persistent grants ({@code feature-persistent})
 * @param trusted             {@code trusted}: trust backends; false bounces every request through zeroed pages,
 *                            whatever the device's own {@code trusted} key says
 */
public record BlkfrontConfig(int maxRingPageOrder, int maxQueues, int maxIndirectSegments,
                             boolean featurePersistent, boolean trusted) {
    /** Linux's defaults: one-page rings, up to 4 queues, 32 indirect segments, persistent grants, trusted. */
    public static final BlkfrontConfig DEFAULT = new BlkfrontConfig(0, 4, 32, true, true);

    public BlkfrontConfig {
        if (maxRingPageOrder < 0 || maxRingPageOrder > BlkifRing.MAX_RING_PAGE_ORDER) {
            throw new IllegalArgumentException("maxRingPageOrder: " + maxRingPageOrder + " (expected: 0.."
                    + BlkifRing.MAX_RING_PAGE_ORDER + ")");
        }
        if (maxQueues < 1 || maxQueues > 64) {
            throw new IllegalArgumentException("maxQueues: " + maxQueues + " (expected: 1..64)");
        }
        if (maxIndirectSegments < 0 || maxIndirectSegments > BlkifRequestIndirect.MAX_INDIRECT_SEGMENTS) {
            throw new IllegalArgumentException("maxIndirectSegments: " + maxIndirectSegments + " (expected: 0.."
                    + BlkifRequestIndirect.MAX_INDIRECT_SEGMENTS + ")");
        }
    }

    public BlkfrontConfig withMaxRingPageOrder(int v) {
        return new BlkfrontConfig(v, maxQueues, maxIndirectSegments, featurePersistent, trusted);
    }

    public BlkfrontConfig withMaxQueues(int v) {
        return new BlkfrontConfig(maxRingPageOrder, v, maxIndirectSegments, featurePersistent, trusted);
    }

    public BlkfrontConfig withMaxIndirectSegments(int v) {
        return new BlkfrontConfig(maxRingPageOrder, maxQueues, v, featurePersistent, trusted);
    }

    public BlkfrontConfig withFeaturePersistent(boolean v) {
        return new BlkfrontConfig(maxRingPageOrder, maxQueues, maxIndirectSegments, v, trusted);
    }

    public BlkfrontConfig withTrusted(boolean v) {
        return new BlkfrontConfig(maxRingPageOrder, maxQueues, maxIndirectSegments, featurePersistent, v);
    }
}
