package io.xensim.xenbus.bus.demo;

import io.xensim.xenbus.bus.XenstoreReader;
import io.xensim.xenbus.ring.RingSize;
import java.util.concurrent.CompletableFuture;

/**
 * What an echo backend offers, as the frontend reads it before setting up: the typed record a protocol reads from
 * the other end's directory, with the defaults an absent or malformed key has ({@code xenbus_read_unsigned}).
 *
 * <p><b>Threading:</b> immutable; {@link #read} completes on the reader's executor.
 *
 * <p><b>Reference:</b> Linux drivers/block/xen-blkfront.c ({@code talk_to_blkback} reads
 * {@code max-ring-page-order} the same way).
 *
 * @param echo             {@value EchoDrivers#FEATURE_KEY}: the backend echoes (absent: false)
 * @param maxRingPageOrder {@value EchoDrivers#MAX_RING_PAGE_ORDER}, capped at {@link RingSize#MAX_RING_PAGE_ORDER}
 *                         (absent: 0)
 */
public record EchoBackendFeatures(boolean echo, int maxRingPageOrder) {
    /** Reads the backend's features; never fails on a value (defaults apply). */
    public static CompletableFuture<EchoBackendFeatures> read(XenstoreReader backend) {
        return backend.readFeature(EchoDrivers.FEATURE_KEY).thenCombine(
                backend.readUnsigned(EchoDrivers.MAX_RING_PAGE_ORDER, 0),
                (echo, order) -> new EchoBackendFeatures(echo, (int) Math.min(order, RingSize.MAX_RING_PAGE_ORDER)));
    }
}
