package io.xensim.testbed.fault;

import io.xensim.net.front.NetfrontDrivers;
import io.xensim.net.guest.GuestNetInterface.LinkState;
import io.xensim.net.guest.GuestNetInterface.SendResult;
import java.util.stream.IntStream;

/**
 * Kill and restart netback: the toolstack removes guest 1's vif backend directory (its driver domain died) and
 * later writes it back. While the backend is away netfront's link is down and every send is refused
 * ({@code DROPPED_LINK_DOWN}, counted in {@code tx_dropped}); the vif leaves the bridge. When the backend comes
 * back netfront reconnects on fresh rings ({@code netfront_resume}, {@code xennet_connect}) and traffic resumes:
 * every frame sent afterwards reaches guest 2 once, in order. Frames are never replayed across the restart.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/net/xen-netfront.c ({@code netback_changed}, {@code netfront_resume},
 * {@code xennet_disconnect_backend}, {@code xennet_start_xmit}: no carrier, no transmit).
 */
public record NetBackendRestart() implements Fault {
    public static final int FRAMES = 8;

    @Override
    public String name() {
        return "net: netback killed and restarted under guest 1's traffic";
    }

    @Override
    public String expected() {
        return "link down while away (sends refused, counted), vif off the bridge; reconnect, traffic resumes: "
                + "every frame sent after the restart reaches guest 2 once, in order";
    }

    @Override
    public Outcome inject() {
        try (var pair = VifPair.connect()) {
            var ts = pair.toolstack();
            for (int seq = 0; seq < FRAMES; seq++) {
                pair.send(1, seq);
            }
            pair.run();
            boolean before = pair.receivedSeqs(2).equals(IntStream.range(0, FRAMES).boxed().toList());
            var gone = ts.removeBackend(NetfrontDrivers.TYPE, 1, 0);
            pair.runUntil(() -> gone.isDone() && !pair.hasBackend(1));
            pair.run();
            LinkState away = pair.onGuest(1, f -> f.linkState());
            SendResult refused = pair.send(1, 100);
            boolean offBridge = !pair.bridgePorts().contains("vif1.0");
            var restore = ts.restoreBackend(NetfrontDrivers.TYPE, 1, 0);
            pair.runUntil(() -> restore.isDone() && pair.connected(1));
            pair.run();
            LinkState back = pair.onGuest(1, f -> f.linkState());
            for (int seq = 200; seq < 200 + FRAMES; seq++) {
                pair.send(1, seq);
            }
            pair.run();
            var after = pair.receivedSeqs(2).subList(Math.min(FRAMES, pair.receivedSeqs(2).size()),
                    pair.receivedSeqs(2).size());
            boolean resumed = after.equals(IntStream.range(200, 200 + FRAMES).boxed().toList());
            long dropped = pair.onGuest(1, f -> f.counters().txDropped());
            boolean passed = before && away == LinkState.DOWN && refused == SendResult.DROPPED_LINK_DOWN
                    && dropped >= 1 && offBridge && back == LinkState.UP && resumed
                    && pair.bridgePorts().contains("vif1.0");
            return Outcome.check(passed, "before: " + FRAMES + " frames delivered " + before + "; away: link "
                    + away + ", send " + refused + ", tx_dropped " + dropped + ", off the bridge " + offBridge
                    + "; restored: link " + back + ", frames after the restart " + after);
        }
    }
}
