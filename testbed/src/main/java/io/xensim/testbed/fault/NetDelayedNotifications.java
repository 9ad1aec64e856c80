package io.xensim.testbed.fault;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Delay event-channel notifications on the network path: every notification on both guests' tx and rx ports
 * (netfront's to netback and netback's back) is held and delivered {@link DelayedNotifications#DELAY_NANOS} late,
 * in order ({@link HeldEvents}), while guest 1 sends {@link #FRAMES} frames to guest 2. Late events cost time
 * only: every frame reaches guest 2 once, in order, byte for byte, each later than a frame sent with prompt
 * events by at least the delay.
 *
 * <p><b>Reference:</b> xen/include/public/io/ring.h (the final-check macros); Linux 6.1
 * drivers/net/xen-netback/interface.c ({@code xenvif_tx_interrupt}, {@code xenvif_rx_interrupt}) and
 * drivers/net/xen-netfront.c ({@code xennet_tx_interrupt}, {@code xennet_rx_interrupt}).
 */
public record NetDelayedNotifications() implements Fault {
    public static final int FRAMES = 16;

    @Override
    public String name() {
        return "net: every tx/rx notification of both vifs delivered "
                + DelayedNotifications.DELAY_NANOS / 1_000_000 + " ms late";
    }

    @Override
    public String expected() {
        return "nothing lost, same data, more latency: " + FRAMES + " frames reach guest 2 once, in order, "
                + "byte for byte, each later than a prompt frame by at least the delay";
    }

    @Override
    public Outcome inject() {
        try (var pair = VifPair.connect()) {
            FaultHost host = pair.host();
            long t0 = host.clock().nanoTime();
            pair.send(1, 1000);
            pair.runUntil(() -> !pair.received(2).isEmpty());
            long baseline = pair.receivedAt2().getFirst() - t0;
            pair.run();
            int before = pair.received(2).size();
            var held = new HeldEvents(pair.hypervisor(), Set.of(
                    HeldEvents.end(1, pair.txPort(1)), HeldEvents.end(1, pair.rxPort(1)),
                    HeldEvents.end(2, pair.txPort(2)), HeldEvents.end(2, pair.rxPort(2))));
            pair.events(held);
            long start = host.clock().nanoTime();
            for (int seq = 0; seq < FRAMES; seq++) {
                pair.send(1, seq);
            }
            host.runDelayed(held, DelayedNotifications.DELAY_NANOS, () -> pair.received(2).size() >= before + FRAMES);
            var got = pair.received(2).subList(before, pair.received(2).size());
            boolean inOrder = got.stream().map(VifPair::seq).toList()
                    .equals(IntStream.range(0, FRAMES).boxed().toList());
            boolean same = inOrder && IntStream.range(0, FRAMES).allMatch(i ->
                    Arrays.equals(got.get(i).toByteArray(), VifPair.frame(1, 2, i).toByteArray()));
            long fastest = pair.receivedAt2().subList(before, pair.receivedAt2().size()).stream()
                    .mapToLong(t -> t - start).min().orElse(Long.MAX_VALUE);
            boolean slower = fastest >= baseline + DelayedNotifications.DELAY_NANOS;
            boolean passed = got.size() == FRAMES && inOrder && same && held.heldTotal() >= 2 && slower;
            return Outcome.check(passed, held.heldTotal() + " notifications held and delivered late, " + got.size()
                    + "/" + FRAMES + " frames, in order " + inOrder + ", byte for byte " + same + ", fastest delayed "
                    + "frame " + (fastest == Long.MAX_VALUE ? "never" : DelayedNotifications.micros(fastest))
                    + " vs " + DelayedNotifications.micros(baseline) + " prompt (slower by the delay or more: "
                    + slower + ")");
        }
    }
}
