package io.xensim.testbed.fault;

import io.xensim.blk.guest.BlkStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Stall the ring consumer and fill the ring: every notification from the guest to dom0 is dropped, so blkback never
 * consumes, while the guest submits {@link BlkPair#RING_SIZE} + {@link #EXTRA} writes. blkfront fills the ring's
 * slots and holds the rest in its queue ({@code blk_mq} stops the hardware queue when the ring is full); no write
 * fails, none is lost and the guest does not spin: the domains run out of work. When the consumer comes back (the
 * events flow again and the ring is kicked), every write completes OK, in the image.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/block/xen-blkfront.c ({@code blkif_queue_rq}: {@code RING_FULL} ->
 * {@code blk_mq_stop_hw_queue}; {@code kick_pending_request_queues} after responses).
 */
public record UndrainedRing() implements Fault {
    public static final int EXTRA = 8;
    private static final int BYTES = 4096;

    @Override
    public String name() {
        return "blk: backend stalled, ring filled and never drained";
    }

    @Override
    public String expected() {
        return "the ring holds " + BlkPair.RING_SIZE + " requests, the rest wait in blkfront's queue, none fails or "
                + "is lost, nothing spins; once the backend consumes again every write completes OK, in the image";
    }

    @Override
    public Outcome inject() {
        try (var pair = BlkPair.connect()) {
            pair.guestToBackendEvents((fromDomid, fromPort, toDomid, toPort) ->
                    !(fromDomid == BlkPair.DOMID && toDomid == 0));
            int n = BlkPair.RING_SIZE + EXTRA;
            List<CompletableFuture<BlkStatus>> writes = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                writes.add(pair.submitWrite(sector(i), BlkPair.pattern(BYTES, i)));
            }
            pair.run();
            long doneWhileStalled = writes.stream().filter(CompletableFuture::isDone).count();
            int inFlight = pair.onGuest(f -> f.inFlightRequests());
            int queued = pair.onGuest(f -> f.queued());
            pair.guestToBackendEvents((fromDomid, fromPort, toDomid, toPort) -> true);
            pair.kick();
            pair.runUntil(() -> writes.stream().allMatch(CompletableFuture::isDone));
            long ok = writes.stream().filter(f -> f.isDone() && f.join() == BlkStatus.OK).count();
            int inImage = 0;
            for (int i = 0; i < n; i++) {
                inImage += pair.imageHolds(sector(i), BlkPair.pattern(BYTES, i)) ? 1 : 0;
            }
            boolean passed = doneWhileStalled == 0 && inFlight == BlkPair.RING_SIZE && queued == EXTRA && ok == n
                    && inImage == n;
            return Outcome.check(passed, "while stalled: " + doneWhileStalled + " completed, " + inFlight
                    + " on the ring, " + queued + " queued; after: " + ok + "/" + n + " OK, " + inImage + "/" + n
                    + " in the image");
        }
    }

    private static long sector(int i) {
        return 64 + (long) i * BYTES / 512;
    }
}
