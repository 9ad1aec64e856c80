package io.xensim.blk.back;

import io.xensim.blk.protocol.BlkifRing;
import io.xensim.blk.protocol.BlkifRequestIndirect;

/**
 * Blkback's module parameters (drivers/block/xen-blkback: {@code max_queues}, {@code max_ring_page_order},
 * {@code max_persistent_grants}, {@code feature_persistent}) and its compile-time indirect limit.
 *
 * @param maxQueues            {@code xenblk_max_queues}: {@code multi-queue-max-queues} (Linux: the online CPUs;
 *                             here a fixed 4, so runs repeat)
 * @param maxRingPageOrder     {@code xen_blkif_max_ring_order}: {@code max-ring-page-order}, 0..4 (Linux: 4)
 * @param maxIndirectSegments  {@code MAX_INDIRECT_SEGMENTS}: {@code feature-max-indirect-segments} (Linux: 256);
 *                             0 offers no indirect requests (the key is not written)
 * @param featurePersistent    {@code feature_persistent}: {@code feature-persistent} offered (Linux: true)
 * @param maxPersistentGrants  {@code xen_blkif_max_pgrants}: grants kept mapped per ring (Linux: 1056)
 */
public record BlkbackConfig(int maxQueues, int maxRingPageOrder, int maxIndirectSegments, boolean featurePersistent,
                            int maxPersistentGrants) {
    /** Linux's {@code MAX_INDIRECT_SEGMENTS}. */
    public static final int MAX_INDIRECT_SEGMENTS = 256;
    /** Linux's {@code xen_blkif_max_pgrants} default. */
    public static final int MAX_PERSISTENT_GRANTS = 1056;

    public BlkbackConfig {
        if (maxQueues < 1) {
            throw new IllegalArgumentException("maxQueues: " + maxQueues + " (expected: >= 1)");
        }
        if (maxRingPageOrder < 0 || maxRingPageOrder > BlkifRing.MAX_RING_PAGE_ORDER) {
            throw new IllegalArgumentException("maxRingPageOrder: " + maxRingPageOrder + " (expected: 0.."
                    + BlkifRing.MAX_RING_PAGE_ORDER + ")");
        }
        if (maxIndirectSegments < 0 || maxIndirectSegments > BlkifRequestIndirect.MAX_INDIRECT_SEGMENTS) {
            throw new IllegalArgumentException("maxIndirectSegments: " + maxIndirectSegments + " (expected: 0.."
                    + BlkifRequestIndirect.MAX_INDIRECT_SEGMENTS + ")");
        }
        if (maxPersistentGrants < 0) {
            throw new IllegalArgumentException("maxPersistentGrants: " + maxPersistentGrants + " (expected: >= 0)");
        }
    }

    /** Linux 6.1's defaults, with 4 queues. */
    public static BlkbackConfig defaults() {
        return new BlkbackConfig(4, BlkifRing.MAX_RING_PAGE_ORDER, MAX_INDIRECT_SEGMENTS, true,
                MAX_PERSISTENT_GRANTS);
    }

    public BlkbackConfig withMaxQueues(int n) {
        return new BlkbackConfig(n, maxRingPageOrder, maxIndirectSegments, featurePersistent, maxPersistentGrants);
    }

    public BlkbackConfig withMaxRingPageOrder(int order) {
        return new BlkbackConfig(maxQueues, order, maxIndirectSegments, featurePersistent, maxPersistentGrants);
    }

    public BlkbackConfig withMaxIndirectSegments(int n) {
        return new BlkbackConfig(maxQueues, maxRingPageOrder, n, featurePersistent, maxPersistentGrants);
    }

    public BlkbackConfig withFeaturePersistent(boolean on) {
        return new BlkbackConfig(maxQueues, maxRingPageOrder, maxIndirectSegments, on, maxPersistentGrants);
    }

    public BlkbackConfig withMaxPersistentGrants(int n) {
        return new BlkbackConfig(maxQueues, maxRingPageOrder, maxIndirectSegments, featurePersistent, n);
    }
}
