package io.xensim.testbed.fault;

import io.xensim.blk.guest.BlkStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Delay event-channel notifications on the block path: every notification on the vbd's ring, blkfront's to
 * blkback and blkback's back, is held and delivered {@link #DELAY_NANOS} later, in order ({@link HeldEvents}),
 * while the guest writes {@link #WRITES} times. An event channel only says "look at the ring", and both ends look
 * at the whole ring when told ({@code RING_FINAL_CHECK_FOR_REQUESTS} / {@code _RESPONSES}), so a late
 * notification costs time and nothing else: every write completes once, OK, with its data in the image; each takes
 * longer than the same write did with prompt notifications, by at least the delay.
 *
 * <p><b>Reference:</b> xen/include/public/io/ring.h (the final-check macros); Linux 6.1
 * drivers/block/xen-blkback/blkback.c ({@code do_block_io_op}) and drivers/block/xen-blkfront.c
 * ({@code blkif_interrupt}).
 */
public record DelayedNotifications() implements Fault {
    public static final long DELAY_NANOS = 1_000_000;
    public static final int WRITES = 8;
    private static final int BYTES = 4096;

    @Override
    public String name() {
        return "blk: every ring notification, both ways, delivered " + DELAY_NANOS / 1_000_000 + " ms late";
    }

    @Override
    public String expected() {
        return "nothing lost, same data, more latency: " + WRITES + " writes complete once with OK and are in the "
                + "image, each slower than a prompt write by at least the delay";
    }

    @Override
    public Outcome inject() {
        try (var pair = BlkPair.connect()) {
            FaultHost host = pair.host();
            long t0 = host.clock().nanoTime();
            var prompt = pair.submitWrite(sector(WRITES), BlkPair.pattern(BYTES, 99));
            pair.runUntil(prompt::isDone);
            long baseline = host.clock().nanoTime() - t0;
            var held = new HeldEvents(pair.hypervisor(), Set.of(HeldEvents.end(BlkPair.DOMID, pair.guestPort())));
            pair.guestToBackendEvents(held);
            long start = host.clock().nanoTime();
            List<CompletableFuture<BlkStatus>> writes = new ArrayList<>();
            List<Long> doneAt = new ArrayList<>();
            for (int i = 0; i < WRITES; i++) {
                var w = pair.submitWrite(sector(i), BlkPair.pattern(BYTES, i));
                doneAt.add(-1L);
                int k = i;
                writes.add(w.whenComplete((s, e) -> doneAt.set(k, host.clock().nanoTime())));
            }
            host.runDelayed(held, DELAY_NANOS, () -> writes.stream().allMatch(CompletableFuture::isDone));
            long ok = writes.stream().filter(w -> w.isDone() && w.join() == BlkStatus.OK).count();
            int inImage = 0;
            for (int i = 0; i < WRITES; i++) {
                inImage += pair.imageHolds(sector(i), BlkPair.pattern(BYTES, i)) ? 1 : 0;
            }
            long fastest = doneAt.stream().mapToLong(t -> t < 0 ? Long.MAX_VALUE : t - start).min().orElseThrow();
            boolean slower = fastest >= baseline + DELAY_NANOS;
            boolean passed = ok == WRITES && inImage == WRITES && held.heldTotal() >= 2 && slower;
            return Outcome.check(passed, held.heldTotal() + " notifications held and delivered late, " + ok + "/"
                    + WRITES + " OK, " + inImage + "/" + WRITES + " in the image, fastest delayed write "
                    + (fastest == Long.MAX_VALUE ? "never" : micros(fastest)) + " vs " + micros(baseline)
                    + " prompt (slower by the delay or more: " + slower + ")");
        }
    }

    static String micros(long nanos) {
        return nanos / 1000 + " us";
    }

    private static long sector(int i) {
        return 64 + (long) i * BYTES / 512;
    }
}
