package io.xensim.net.protocol;

import io.xensim.xenbus.bus.XenstoreReader;
import java.util.concurrent.CompletableFuture;

/**
 * What a netback offers, as netfront reads it from the backend's directory before it sets up its queues: the keys
 * of {@link NetFeatures}' backend section as values, each absent or malformed one at its default
 * ({@code xenbus_read_unsigned(..., 0)}; one queue for {@code multi-queue-max-queues}).
 *
 * <p><b>Threading:</b> immutable; {@link #read} completes on the reader's executor.
 *
 * <p><b>Reference:</b> Linux drivers/net/xen-netfront.c ({@code talk_to_netback}, {@code xennet_connect},
 * {@code xennet_fix_features}).
 *
 * @param maxQueues                 {@code multi-queue-max-queues}, at least 1
 * @param splitEventChannels        {@code feature-split-event-channels}
 * @param rxCopy                    {@code feature-rx-copy}: netfront refuses to connect without it
 * @param sg                        {@code feature-sg}
 * @param gsoTcpv4                  {@code feature-gso-tcpv4}
 * @param gsoTcpv6                  {@code feature-gso-tcpv6}
 * @param ipv6CsumOffload           {@code feature-ipv6-csum-offload}
 * @param multicastControl          {@code feature-multicast-control}
 * @param dynamicMulticastControl   {@code feature-dynamic-multicast-control}
 * @param ctrlRing                  {@code feature-ctrl-ring}
 */
public record NetbackFeatures(int maxQueues, boolean splitEventChannels, boolean rxCopy, boolean sg,
                              boolean gsoTcpv4, boolean gsoTcpv6, boolean ipv6CsumOffload, boolean multicastControl,
                              boolean dynamicMulticastControl, boolean ctrlRing) {
    /** The most queues xensim's netfront would ask for, whatever the backend offers ({@code xennet_max_queues}). */
    public static final int MAX_QUEUES = 8;

    public NetbackFeatures {
        if (maxQueues < 1) {
            throw new IllegalArgumentException("maxQueues: " + maxQueues + " (expected: >= 1)");
        }
    }

    /** Reads the backend's directory, one key after the other; never fails on a value. */
    public static CompletableFuture<NetbackFeatures> read(XenstoreReader backend) {
        var maxQueues = backend.readUnsigned(NetFeatures.MULTI_QUEUE_MAX_QUEUES, 1);
        var split = backend.readFeature(NetFeatures.FEATURE_SPLIT_EVENT_CHANNELS);
        var rxCopy = backend.readFeature(NetFeatures.FEATURE_RX_COPY);
        var sg = backend.readFeature(NetFeatures.FEATURE_SG);
        var gso4 = backend.readFeature(NetFeatures.FEATURE_GSO_TCPV4);
        var gso6 = backend.readFeature(NetFeatures.FEATURE_GSO_TCPV6);
        var ipv6Csum = backend.readFeature(NetFeatures.FEATURE_IPV6_CSUM_OFFLOAD);
        var mcast = backend.readFeature(NetFeatures.FEATURE_MULTICAST_CONTROL);
        var dynMcast = backend.readFeature(NetFeatures.FEATURE_DYNAMIC_MULTICAST_CONTROL);
        var ctrl = backend.readFeature(NetFeatures.FEATURE_CTRL_RING);
        return CompletableFuture.allOf(maxQueues, split, rxCopy, sg, gso4, gso6, ipv6Csum, mcast, dynMcast, ctrl)
                .thenApply(v -> new NetbackFeatures((int) Math.max(1, Math.min(maxQueues.join(), Integer.MAX_VALUE)),
                        split.join(), rxCopy.join(), sg.join(), gso4.join(), gso6.join(), ipv6Csum.join(),
                        mcast.join(), dynMcast.join(), ctrl.join()));
    }

    /** The queues netfront asks for: {@code min(MAX_QUEUES, maxQueues)} ({@code talk_to_netback}). */
    public int queuesToRequest() {
        return Math.min(MAX_QUEUES, maxQueues);
    }
}
