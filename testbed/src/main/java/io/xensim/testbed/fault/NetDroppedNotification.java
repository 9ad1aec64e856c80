package io.xensim.testbed.fault;

import io.xensim.net.guest.GuestNetInterface.SendResult;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Drop a notification on the network path: the event netfront sends on guest 1's tx port for its first frame never
 * reaches netback. A second frame sends no event either: netback, having found the ring empty, set
 * {@code req_event} one past what it had consumed, so {@code RING_PUSH_REQUESTS_AND_CHECK_NOTIFY} finds it already
 * told. Neither netfront nor netback re-polls a tx ring on a timer (netback's one tx timer, the credit timer, is
 * armed only when a vif's rate limit runs out, and none is set here), so both frames stall, sent but undelivered,
 * without the guest spinning, until the ring is kicked again; then both reach guest 2, in order, once.
 *
 * <p><b>Reference:</b> xen/include/public/io/ring.h ({@code RING_PUSH_REQUESTS_AND_CHECK_NOTIFY},
 * {@code RING_FINAL_CHECK_FOR_REQUESTS}); Linux 6.1 drivers/net/xen-netfront.c ({@code xennet_start_xmit}) and
 * drivers/net/xen-netback/netback.c ({@code xenvif_tx_build_gops}, {@code tx_credit_callback}).
 */
public record NetDroppedNotification() implements Fault {
    @Override
    public String name() {
        return "net: guest 1's first tx notification to netback is dropped";
    }

    @Override
    public String expected() {
        return "a stall, not a hang: both frames are SENT and wait on the ring (the second sends no event: "
                + "req_event suppression); the next kick delivers both to guest 2, in order, once";
    }

    @Override
    public Outcome inject() {
        try (var pair = VifPair.connect()) {
            int txPort = pair.txPort(1);
            AtomicInteger sends = new AtomicInteger();
            pair.events((fromDomid, fromPort, toDomid, toPort) ->
                    !(fromDomid == 1 && fromPort == txPort && sends.getAndIncrement() == 0));
            SendResult first = pair.send(1, 1);
            pair.run();
            SendResult second = pair.send(1, 2);
            pair.run();
            var whileStalled = List.copyOf(pair.receivedSeqs(2));
            int events = sends.get();
            pair.kickTx(1);
            pair.run();
            var after = pair.receivedSeqs(2);
            boolean passed = first == SendResult.SENT && second == SendResult.SENT && whileStalled.isEmpty()
                    && events == 1 && after.equals(List.of(1, 2));
            return Outcome.check(passed, "sends " + first + " and " + second + ", tx events sent " + events
                    + ", guest 2 got while stalled " + whileStalled + ", after the kick " + after);
        }
    }
}
