package io.xensim.blk.protocol;

import io.xensim.xenbus.bus.XenstoreReader;
import java.util.concurrent.CompletableFuture;

/**
 * What a blkback offers, as blkfront reads it from the backend's directory: the optional keys of
 * {@link BlkFeatures}' backend section as values, each absent or malformed one at the default blkif.h gives
 * ({@code xenbus_read_unsigned}). {@link #ringPageOrder} and {@link #queues} pick what a frontend asks for; the
 * answer decides which keys it writes ({@link BlkfrontRings}).
 *
 * <p><b>Threading:</b> immutable; {@link #read} completes on the reader's executor.
 *
 * <p><b>Reference:</b> Linux drivers/block/xen-blkfront.c ({@code talk_to_blkback},
 * {@code blkfront_gather_backend_features}).
 *
 * @param maxRingPageOrder      {@code max-ring-page-order}, capped at {@link BlkifRing#MAX_RING_PAGE_ORDER}
 * @param maxQueues             {@code multi-queue-max-queues}, at least 1
 * @param flushCache            {@code feature-flush-cache}
 * @param barrier               {@code feature-barrier}
 * @param discard               {@code feature-discard}
 * @param persistent            {@code feature-persistent}
 * @param maxIndirectSegments   {@code feature-max-indirect-segments}; 0 when indirect requests are not offered
 */
public record BlkbackFeatures(int maxRingPageOrder, int maxQueues, boolean flushCache, boolean barrier,
                              boolean discard, boolean persistent, int maxIndirectSegments) {
    public BlkbackFeatures {
        if (maxRingPageOrder < 0 || maxRingPageOrder > BlkifRing.MAX_RING_PAGE_ORDER) {
            throw new IllegalArgumentException("maxRingPageOrder: " + maxRingPageOrder + " (expected: 0.."
                    + BlkifRing.MAX_RING_PAGE_ORDER + ")");
        }
        if (maxQueues < 1) {
            throw new IllegalArgumentException("maxQueues: " + maxQueues + " (expected: >= 1)");
        }
    }

    /** Reads the backend's directory; never fails on a value. */
    public static CompletableFuture<BlkbackFeatures> read(XenstoreReader backend) {
        var order = backend.readUnsigned(BlkFeatures.MAX_RING_PAGE_ORDER, 0);
        var queues = backend.readUnsigned(BlkFeatures.MULTI_QUEUE_MAX_QUEUES, 1);
        var flush = backend.readFeature(BlkFeatures.FEATURE_FLUSH_CACHE);
        var barrier = backend.readFeature(BlkFeatures.FEATURE_BARRIER);
        var discard = backend.readFeature(BlkFeatures.FEATURE_DISCARD);
        var persistent = backend.readFeature(BlkFeatures.FEATURE_PERSISTENT);
        var indirect = backend.readUnsigned(BlkFeatures.FEATURE_MAX_INDIRECT_SEGMENTS, 0);
        return CompletableFuture.allOf(order, queues, flush, barrier, discard, persistent, indirect)
                .thenApply(v -> new BlkbackFeatures((int) Math.min(order.join(), BlkifRing.MAX_RING_PAGE_ORDER),
                        (int) Math.max(1, Math.min(queues.join(), Integer.MAX_VALUE)), flush.join(), barrier.join(),
                        discard.join(), persistent.join(), (int) Math.min(indirect.join(), Integer.MAX_VALUE)));
    }

    /** {@code talk_to_blkback()}: the smaller of the order the frontend wants and the one offered. */
    public int ringPageOrder(int wanted) {
        return Math.min(wanted, maxRingPageOrder);
    }

    /** The queues to ask for: the smaller of what the frontend wants and what is offered. */
    public int queues(int wanted) {
        return Math.max(1, Math.min(wanted, maxQueues));
    }
}
