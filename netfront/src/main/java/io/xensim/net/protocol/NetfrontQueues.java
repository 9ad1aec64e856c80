package io.xensim.net.protocol;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.XenErrno;
import io.xensim.xenbus.bus.XenbusDeviceException;
import io.xensim.xenbus.bus.XenstoreReader;
import io.xensim.xenbus.store.wire.XsValues;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What a netfront published for its queues, as netback reads it from the frontend's directory: the number of
 * queues decides where the ring keys are — at the top level for one queue, under {@code queue-N/} for several —
 * and each queue has either split event channels ({@code event-channel-tx}/{@code -rx}) or one
 * ({@code event-channel}). The keys are read as the set is discovered, not from a fixed list.
 *
 * <p>A frontend's values are untrusted: more queues than offered, or a missing or malformed ref or port, fail
 * {@link #read}'s future with a {@link XenbusDeviceException} naming the path (EINVAL or ENOENT), which closes
 * the device.
 *
 * <p><b>Threading:</b> immutable; {@link #read} completes on the reader's executor.
 *
 * <p><b>Reference:</b> Linux drivers/net/xen-netback/xenbus.c ({@code connect}, {@code connect_data_rings}).
 *
 * @param queues one entry per queue, in order
 */
public record NetfrontQueues(List<Queue> queues) {
    /** One queue's rings and event channels; {@code txEvtchn == rxEvtchn} unless {@link #split}. */
    public record Queue(int txRingRef, int rxRingRef, int txEvtchn, int rxEvtchn, boolean split) {
    }

    public NetfrontQueues {
        queues = List.copyOf(queues);
    }

    /**
     * Reads the frontend's queues. {@code maxQueues} is what this backend offered ({@code multi-queue-max-queues});
     * {@code multi-queue-num-queues} absent or malformed means one.
     */
    public static CompletableFuture<NetfrontQueues> read(XenstoreReader frontend, int maxQueues) {
        return frontend.readUnsigned(NetFeatures.MULTI_QUEUE_NUM_QUEUES, 1).thenCompose(requested -> {
            if (requested < 1 || requested > maxQueues) {
                // connect(): "buggy or malicious guest".
                throw new XenbusDeviceException(XenErrno.XEN_EINVAL, "guest requested " + requested
                        + " queues, exceeding the maximum of " + maxQueues + " ("
                        + frontend.path(NetFeatures.MULTI_QUEUE_NUM_QUEUES) + ")");
            }
            int n = (int) (long) requested;
            List<Queue> queues = new ArrayList<>();
            CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
            for (int i = 0; i < n; i++) {
                XenstoreReader dir = n == 1 ? frontend : frontend.queue(i);
                chain = chain.thenCompose(v -> readQueue(dir).thenAccept(queues::add));
            }
            return chain.thenApply(v -> new NetfrontQueues(queues));
        });
    }

    /** {@code connect_data_rings()}: both ring refs, then split event channels, else the single one. */
    private static CompletableFuture<Queue> readQueue(XenstoreReader dir) {
        var tx = dir.readU32(NetFeatures.TX_RING_REF);
        var rx = dir.readU32(NetFeatures.RX_RING_REF);
        var evtTx = dir.read(NetFeatures.EVENT_CHANNEL_TX);
        var evtRx = dir.read(NetFeatures.EVENT_CHANNEL_RX);
        return CompletableFuture.allOf(tx, rx, evtTx, evtRx).thenCompose(v -> {
            Optional<Integer> splitTx = u32(evtTx.join());
            Optional<Integer> splitRx = u32(evtRx.join());
            if (splitTx.isPresent() && splitRx.isPresent()) {
                return CompletableFuture.completedFuture(new Queue(tx.join(), rx.join(), splitTx.get(),
                        splitRx.get(), true));
            }
            return dir.readU32(NetFeatures.EVENT_CHANNEL).thenApply(port -> new Queue(tx.join(), rx.join(), port,
                    port, false));
        });
    }

    private static Optional<Integer> u32(Optional<String> value) {
        return value.map(XsValues::parseU32).filter(Decoded::isOk).map(Decoded::orElseThrow);
    }
}
