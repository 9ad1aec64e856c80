package io.xensim.blk.front;

import io.xensim.blk.protocol.BlkFeatures;
import io.xensim.blk.protocol.BlkbackFeatures;
import io.xensim.blk.protocol.BlkifRequest;
import io.xensim.xenbus.bus.XenstoreReader;
import java.util.concurrent.CompletableFuture;

/**
 * What blkfront chose to use of what the backend offers, once connected: how it flushes (a barrier, a cache flush,
 * or nothing), whether it discards, whether grants are persistent, how many indirect segments a request may have,
 * and whether data is bounced through blkfront's own pages. Flush and discard can be turned off later by an
 * {@code BLKIF_RSP_EOPNOTSUPP} ({@link #withoutFlush}, {@link #withoutDiscard}).
 *
 * <p><b>Threading:</b> an immutable value; {@link #gather} completes on the guest's executor.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/block/xen-blkfront.c ({@code blkfront_gather_backend_features},
 * {@code blkfront_setup_discard}, {@code xlvbd_flush}, {@code flush_info}).
 *
 * @param flush               {@code feature_flush}: flush requests are sent
 * @param fua                 {@code feature_fua}: a flush is a {@code BLKIF_OP_WRITE_BARRIER} (else
 *                            {@code BLKIF_OP_FLUSH_DISKCACHE})
 * @param discard             {@code feature_discard}
 * @param secureDiscard       {@code feature_secdiscard} ({@code discard-secure})
 * @param discardGranularity  {@code discard-granularity} in bytes (0 when absent)
 * @param discardAlignment    {@code discard-alignment} in bytes
 * @param persistent          {@code feature_persistent}: both ends offered persistent grants
 * @param maxIndirectSegments segments of one indirect request; 0 when indirect requests are not used
 * @param bounce              {@code bounce}: data is copied through pages granted for the purpose. In this model
 *                            the guest's buffers are not guest frames, so blkfront copies through its own zeroed
 *                            (or persistent) pages in every case, which is what bounce means; the flag is kept,
 *                            and logged, to say what Linux would do
 */
public record BlkfrontFeatures(boolean flush, boolean fua, boolean discard, boolean secureDiscard,
                               long discardGranularity, long discardAlignment, boolean persistent,
                               int maxIndirectSegments, boolean bounce) {
    /** Segments of one request without indirect descriptors: two slots of {@code BLKIF_MAX_SEGMENTS_PER_REQUEST}. */
    public static final int MAX_SPLIT_SEGMENTS = 2 * BlkifRequest.BLKIF_MAX_SEGMENTS_PER_REQUEST;

    /**
     * {@code blkfront_gather_backend_features}: reads the backend's offer. {@code bounce} is what
     * {@code talk_to_blkback} decided from {@code trusted}; persistent grants force it on.
     */
    static CompletableFuture<BlkfrontFeatures> gather(XenstoreReader backend, BlkfrontConfig config, boolean bounce) {
        var offer = BlkbackFeatures.read(backend);
        var granularity = backend.readUnsigned(BlkFeatures.DISCARD_GRANULARITY, 0);
        var alignment = backend.readUnsigned(BlkFeatures.DISCARD_ALIGNMENT, 0);
        var secure = backend.readFeature(BlkFeatures.DISCARD_SECURE);
        return CompletableFuture.allOf(offer, granularity, alignment, secure).thenApply(v -> {
            BlkbackFeatures f = offer.join();
            // "feature-barrier" alone means flush with barriers (and FUA); "feature-flush-cache" wins over it.
            boolean flush = f.barrier() || f.flushCache();
            boolean fua = f.barrier() && !f.flushCache();
            boolean persistent = config.featurePersistent() && f.persistent();
            int indirect = Math.min(f.maxIndirectSegments(), config.maxIndirectSegments());
            if (indirect <= BlkifRequest.BLKIF_MAX_SEGMENTS_PER_REQUEST) {
                indirect = 0;
            }
            return new BlkfrontFeatures(flush, fua, f.discard(), f.discard() && secure.join(),
                    f.discard() ? granularity.join() : 0, f.discard() ? alignment.join() : 0, persistent, indirect,
                    bounce || persistent);
        });
    }

    /** The most segments one request may have: the indirect limit, or two slots' worth without it. */
    public int maxSegmentsPerRequest() {
        return maxIndirectSegments > 0 ? maxIndirectSegments : MAX_SPLIT_SEGMENTS;
    }

    /** After a flush or barrier failed as unsupported: {@code feature_flush = feature_fua = 0}. */
    BlkfrontFeatures withoutFlush() {
        return new BlkfrontFeatures(false, false, discard, secureDiscard, discardGranularity, discardAlignment,
                persistent, maxIndirectSegments, bounce);
    }

    /** After a discard failed as unsupported: {@code feature_discard = feature_secdiscard = 0}. */
    BlkfrontFeatures withoutDiscard() {
        return new BlkfrontFeatures(flush, fua, false, false, discardGranularity, discardAlignment, persistent,
                maxIndirectSegments, bounce);
    }

    /** {@code flush_info}. */
    String flushInfo() {
        if (flush && fua) {
            return "barrier: enabled;";
        }
        return flush ? "flush diskcache: enabled;" : "barrier or flush: disabled;";
    }

    /** The line {@code xlvbd_flush} logs. */
    String describe() {
        return flushInfo() + " persistent grants: " + (persistent ? "enabled;" : "disabled;")
                + " indirect descriptors: " + (maxIndirectSegments > 0 ? "enabled;" : "disabled;")
                + " bounce buffer: " + (bounce ? "enabled" : "disabled;");
    }
}
