package io.xensim.testbed.fault;

import io.xensim.blk.guest.BlkStatus;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Drop an event-channel notification: the one event blkfront sends for its first write never reaches dom0. A second
 * write on the same ring does not notify either: blkback set {@code req_event} to wait for the first request, so
 * {@code RING_PUSH_REQUESTS_AND_CHECK_NOTIFY} finds the backend already told. Both wait (the simulator does not
 * hang: the domains simply run out of work) until the ring is kicked again; then both complete, nothing lost.
 *
 * <p><b>Reference:</b> xen/include/public/io/ring.h ({@code RING_PUSH_REQUESTS_AND_CHECK_NOTIFY},
 * {@code RING_FINAL_CHECK_FOR_REQUESTS}); Linux 6.1 drivers/block/xen-blkback/blkback.c ({@code do_block_io_op}).
 */
public record DroppedNotification() implements Fault {
    private static final int BYTES = 4096;

    @Override
    public String name() {
        return "blk: the guest's first notification to its backend is dropped";
    }

    @Override
    public String expected() {
        return "the write waits, a second write on the ring sends no event (req_event suppression) and waits too; "
                + "the next kick of the ring completes both, OK and in the image";
    }

    @Override
    public Outcome inject() {
        try (var pair = BlkPair.connect()) {
            AtomicInteger toBackend = new AtomicInteger();
            pair.guestToBackendEvents((fromDomid, fromPort, toDomid, toPort) ->
                    !(fromDomid == BlkPair.DOMID && toDomid == 0 && toBackend.getAndIncrement() == 0));
            var first = pair.submitWrite(64, BlkPair.pattern(BYTES, 1));
            pair.run();
            boolean firstWaited = !first.isDone();
            var second = pair.submitWrite(128, BlkPair.pattern(BYTES, 2));
            pair.run();
            boolean bothWaited = !first.isDone() && !second.isDone();
            int events = toBackend.get();
            pair.kick();
            pair.runUntil(() -> first.isDone() && second.isDone());
            boolean ok = first.isDone() && first.join() == BlkStatus.OK && second.isDone()
                    && second.join() == BlkStatus.OK;
            boolean inImage = pair.imageHolds(64, BlkPair.pattern(BYTES, 1))
                    && pair.imageHolds(128, BlkPair.pattern(BYTES, 2));
            return Outcome.check(firstWaited && bothWaited && events == 1 && ok && inImage,
                    "first write waited " + firstWaited + ", both waited " + bothWaited + ", events sent before the "
                            + "kick " + events + ", after the kick both OK " + ok + ", in the image " + inImage);
        }
    }
}
