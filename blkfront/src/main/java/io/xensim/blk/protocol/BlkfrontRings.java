package io.xensim.blk.protocol;

import io.xensim.xenbus.XenErrno;
import io.xensim.xenbus.bus.XenbusDeviceException;
import io.xensim.xenbus.bus.XenstoreReader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What a blkfront published for its rings, as blkback reads it from the frontend's directory. The set of keys is
 * discovered as it is read: {@code multi-queue-num-queues} decides whether the per-ring keys are at the top level
 * (one queue) or under {@code queue-N/}; {@code ring-page-order} decides whether a ring is one {@code ring-ref}
 * or {@code ring-ref0..N-1}.
 *
 * <p>A frontend's values are untrusted: more queues or a larger order than offered, an unknown {@code protocol},
 * or a missing or malformed ref or port fail {@link #read}'s future with a {@link XenbusDeviceException} naming the
 * path, which closes the device.
 *
 * <p><b>Threading:</b> immutable; {@link #read} completes on the reader's executor.
 *
 * <p><b>Reference:</b> Linux drivers/block/xen-blkback/xenbus.c ({@code connect_ring}, {@code read_per_ring_refs}).
 *
 * @param ringPageOrder {@code ring-page-order}: every ring is {@code 2^ringPageOrder} pages
 * @param protocol      {@code protocol}, {@link BlkFeatures#XEN_IO_PROTO_ABI_NATIVE} when absent
 * @param persistent    the frontend's {@code feature-persistent}
 * @param rings         one entry per queue, in order
 */
public record BlkfrontRings(int ringPageOrder, String protocol, boolean persistent, List<Ring> rings) {
    /** One queue's ring: its grant refs (one per page) and its event channel. */
    public record Ring(List<Integer> refs, int evtchn) {
        public Ring {
            refs = List.copyOf(refs);
        }

        /** The refs as an array, for {@code xenbus_map_ring_valloc}. */
        public int[] refArray() {
            return refs.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    public BlkfrontRings {
        rings = List.copyOf(rings);
    }

    /** Reads the frontend's rings; {@code maxRingPageOrder} and {@code maxQueues} are what this backend offered. */
    public static CompletableFuture<BlkfrontRings> read(XenstoreReader frontend, int maxRingPageOrder,
            int maxQueues) {
        var queues = frontend.readUnsigned(BlkFeatures.MULTI_QUEUE_NUM_QUEUES, 1);
        var order = frontend.readUnsigned(BlkFeatures.RING_PAGE_ORDER, 0);
        var protocol = frontend.read(BlkFeatures.PROTOCOL);
        var persistent = frontend.readFeature(BlkFeatures.FEATURE_PERSISTENT);
        return CompletableFuture.allOf(queues, order, protocol, persistent).thenCompose(v -> {
            long requested = queues.join();
            if (requested < 1 || requested > maxQueues) {
                // connect_ring(): "buggy or malicious guest".
                throw new XenbusDeviceException(XenErrno.XEN_ENOSYS, "guest requested " + requested
                        + " queues, exceeding the maximum of " + maxQueues);
            }
            long pageOrder = order.join();
            if (pageOrder > maxRingPageOrder) {
                throw new XenbusDeviceException(XenErrno.XEN_EINVAL, "requested ring page order " + pageOrder
                        + " exceeds max-ring-page-order " + maxRingPageOrder);
            }
            String abi = protocol.join().orElse(BlkFeatures.XEN_IO_PROTO_ABI_NATIVE);
            if (!abi.equals(BlkFeatures.XEN_IO_PROTO_ABI_X86_64)) {
                throw new XenbusDeviceException(XenErrno.XEN_ENOSYS, "unknown fe protocol " + abi);
            }
            int n = (int) requested;
            List<Ring> rings = new ArrayList<>();
            CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
            for (int i = 0; i < n; i++) {
                XenstoreReader dir = n == 1 ? frontend : frontend.queue(i);
                chain = chain.thenCompose(x -> readRing(dir, (int) pageOrder).thenAccept(rings::add));
            }
            return chain.thenApply(x -> new BlkfrontRings((int) pageOrder, abi, persistent.join(), rings));
        });
    }

    /** {@code read_per_ring_refs()}: the event channel, then {@code ring-ref} or {@code ring-ref0..N-1}. */
    private static CompletableFuture<Ring> readRing(XenstoreReader dir, int order) {
        return dir.readU32(BlkFeatures.EVENT_CHANNEL).thenCompose(evtchn -> {
            int pages = 1 << order;
            List<Integer> refs = new ArrayList<>();
            CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
            for (int i = 0; i < pages; i++) {
                String key = pages == 1 ? BlkFeatures.RING_REF : BlkFeatures.ringRef(i);
                chain = chain.thenCompose(x -> dir.readU32(key).thenAccept(refs::add));
            }
            return chain.thenApply(x -> new Ring(refs, evtchn));
        });
    }
}
