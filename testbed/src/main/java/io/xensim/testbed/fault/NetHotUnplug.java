package io.xensim.testbed.fault;

import io.xensim.net.front.NetfrontDrivers;
import io.xensim.net.guest.GuestNetInterface.SendResult;
import io.xensim.net.guest.NetCounters;
import java.util.ArrayList;
import java.util.List;

/**
 * Hot-unplug a vif with frames in flight ({@code xl network-detach}): guest 1's tx notifications are held back so
 * its frames sit on the tx ring and in its transmit queue, and the toolstack removes the vif (online = 0, backend
 * Closing, wait for Closed). netfront closes, and what was on the ring or queued is dropped and counted
 * ({@code xennet_release_tx_bufs}), never delivered afterwards: every frame is either delivered or counted in
 * {@code tx_dropped}. The unplug completes cleanly, vif1.0 leaves the bridge, and guest 2's vif is untouched.
 *
 * <p><b>Reference:</b> libxl_device.c ({@code libxl__device_destroy}, {@code libxl__initiate_device_generic_remove});
 * Linux 6.1 drivers/net/xen-netfront.c ({@code netback_changed} Closing, {@code xennet_disconnect_backend},
 * {@code xennet_release_tx_bufs}).
 */
public record NetHotUnplug() implements Fault {
    public static final int FRAMES = 40;

    @Override
    public String name() {
        return "net: vif hot-unplugged (xl network-detach) with " + FRAMES + " frames in flight";
    }

    @Override
    public String expected() {
        return "clean unplug; every frame delivered or counted in tx_dropped, none after the unplug; vif1.0 off the "
                + "bridge and netfront gone; guest 2 keeps its link";
    }

    @Override
    public Outcome inject() {
        try (var pair = VifPair.connect()) {
            int txPort = pair.txPort(1);
            pair.events((fromDomid, fromPort, toDomid, toPort) -> !(fromDomid == 1 && fromPort == txPort));
            List<SendResult> results = new ArrayList<>();
            for (int seq = 0; seq < FRAMES; seq++) {
                results.add(pair.send(1, seq));
            }
            NetCounters counters = pair.onGuest(1, f -> f.counters());
            var removal = pair.toolstack().removeDevice(NetfrontDrivers.TYPE, 1, 0);
            pair.runUntil(removal::isDone);
            pair.run();
            pair.events((fromDomid, fromPort, toDomid, toPort) -> true);
            int delivered = pair.received(2).size();
            pair.run();
            boolean noneAfter = pair.received(2).size() == delivered;
            long dropped = pair.host().onDomain(pair.guest(1), counters::txDropped);
            boolean frontGone = pair.guest(1).frontends().device(NetfrontDrivers.TYPE, 1, 0).isEmpty();
            boolean clean = removal.isDone() && removal.join();
            boolean offBridge = !pair.bridgePorts().contains("vif1.0") && !pair.hasBackend(1);
            boolean accounted = delivered + dropped == FRAMES;
            SendResult other = pair.send(2, 1);
            boolean passed = clean && accounted && noneAfter && offBridge && frontGone
                    && other == SendResult.SENT;
            return Outcome.check(passed, "unplug " + (removal.isDone() ? (clean ? "clean" : "forced") : "pending")
                    + ", " + delivered + " delivered + " + dropped + " tx_dropped of " + FRAMES + ", none after "
                    + noneAfter + ", guest 1's netfront gone " + frontGone + ", vif1.0 gone " + offBridge
                    + ", guest 2 send " + other);
        }
    }
}
