package io.xensim.testbed.fault;

import io.xensim.net.guest.GuestNetInterface.SendResult;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Stall netback and fill guest 1's tx ring: every notification on guest 1's tx port is dropped, so netback never
 * consumes, while guest 1 keeps sending. netfront puts frames on the ring while it has slots, then holds them in
 * its transmit queue (Linux stops the netdev queue and the qdisc holds them) up to {@code txqueuelen}, then refuses
 * them with {@code DROPPED_QUEUE_FULL}, counted in {@code tx_dropped}: every send returns, nothing spins. When
 * netback consumes again (the events flow and the ring is kicked), exactly the accepted frames reach guest 2, in
 * order, once.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/net/xen-netfront.c ({@code xennet_start_xmit},
 * {@code netfront_tx_slot_available}, {@code xennet_maybe_wake_tx}); net/sched's {@code pfifo_fast} limit
 * ({@code txqueuelen}).
 */
public record NetUndrainedRing() implements Fault {
    public static final int EXTRA = 8;

    @Override
    public String name() {
        return "net: netback stalled, guest 1's tx ring filled and never drained";
    }

    @Override
    public String expected() {
        return "bounded: frames go on the ring, then wait in the tx queue up to txqueuelen, then are refused "
                + "(DROPPED_QUEUE_FULL, counted); every send returns; once netback consumes again exactly the "
                + "accepted frames reach guest 2, in order, once";
    }

    @Override
    public Outcome inject() {
        try (var pair = VifPair.connect()) {
            int txPort = pair.txPort(1);
            pair.events((fromDomid, fromPort, toDomid, toPort) -> !(fromDomid == 1 && fromPort == txPort));
            int limit = pair.onGuest(1, f -> f.txQueueLimit());
            int total = VifPair.TX_RING_SIZE + limit + EXTRA;
            List<SendResult> results = new ArrayList<>();
            for (int seq = 0; seq < total; seq++) {
                results.add(pair.send(1, seq));
            }
            pair.run();
            long sent = results.stream().filter(r -> r == SendResult.SENT).count();
            long queued = results.stream().filter(r -> r == SendResult.QUEUED).count();
            long refused = results.stream().filter(r -> r == SendResult.DROPPED_QUEUE_FULL).count();
            int waiting = pair.onGuest(1, f -> f.txQueued());
            int gotWhileStalled = pair.received(2).size();
            long dropped = pair.onGuest(1, f -> f.counters().txDropped());
            pair.events((fromDomid, fromPort, toDomid, toPort) -> true);
            pair.kickTx(1);
            pair.run();
            int accepted = (int) (sent + queued);
            boolean exact = pair.receivedSeqs(2).equals(IntStream.range(0, accepted).boxed().toList());
            boolean passed = gotWhileStalled == 0 && sent > 0 && queued == limit && waiting == limit
                    && refused == total - accepted && refused >= EXTRA && dropped == refused && exact;
            return Outcome.check(passed, "while stalled: " + sent + " on the ring, " + queued + " queued (limit "
                    + limit + "), " + refused + " refused, tx_dropped " + dropped + ", guest 2 got "
                    + gotWhileStalled + "; after: guest 2 got " + pair.received(2).size() + ", exactly the "
                    + "accepted frames in order " + exact);
        }
    }
}
