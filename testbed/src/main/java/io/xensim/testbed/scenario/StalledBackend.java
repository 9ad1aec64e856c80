package io.xensim.testbed.scenario;

import io.xensim.blk.guest.BlkStatus;
import io.xensim.net.guest.GuestNetInterface.LinkState;
import io.xensim.net.guest.GuestNetInterface.SendResult;
import io.xensim.testbed.fault.FaultDisk;
import io.xensim.testbed.fault.VifPair;
import io.xensim.testbed.scenario.ScenarioResult.Check;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A backend that stops consuming its ring never hangs the guest. Guest 1 has a vif on xenbr0 and a disk; guest 2
 * is its peer on the bridge. First netback stops serving guest 1's tx ring (its notifications are lost): guest 1's
 * sends keep returning at once, first onto the ring, then into the transmit queue up to {@code txqueuelen}, then
 * refused and counted, as Linux netfront and the qdisc do; nothing spins, and guest 1's disk, its receive path and
 * guest 2 keep working. Then blkback stops serving the disk too: a write returns at once and waits, as in Linux
 * blkfront, which has no request timeout. Finally the guest is shut down: the toolstack tears it down in bounded
 * steps, the writes the stalled backend never took end with an error instead of being lost, and dom0 keeps no
 * mapping of the dead guest's pages (no zombie domain), while guest 2 stays up.
 *
 * <p><b>Threading:</b> runs on the caller's thread, which steps every domain (INVOKER mode, {@link VifPair}).
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/net/xen-netfront.c ({@code xennet_start_xmit},
 * {@code netif_tx_stop_queue}), drivers/block/xen-blkfront.c ({@code blkif_queue_rq}: no {@code .timeout} in its
 * {@code blk_mq_ops}) and libxl_domain.c ({@code libxl__destroy_domid}).
 */
final class StalledBackend implements Scenario {
    static final int EXTRA = 8;
    private static final int BYTES = 4096;

    @Override
    public String name() {
        return "stalled-backend";
    }

    @Override
    public String summary() {
        return "a backend that stops consuming its ring never hangs the guest: sends return, other devices work, "
                + "shutdown is clean";
    }

    @Override
    public ScenarioResult run(PrintWriter out) {
        List<Check> checks = new ArrayList<>();
        try (VifPair pair = VifPair.connectWithDisk()) {
            FaultDisk disk = pair.disk();
            out.println("$ xl create guest1   # vif bridge=xenbr0, disk " + FaultDisk.VDEV);
            out.println("$ xl create guest2   # vif bridge=xenbr0");
            out.println("  guest1 vif 0 " + (pair.connected(1) ? "connected" : "not connected") + ", "
                    + FaultDisk.VDEV + " " + (disk.connected() ? "connected" : "not connected") + "; guest2 vif 0 "
                    + (pair.connected(2) ? "connected" : "not connected"));
            // Guest-side ports whose notifications to dom0 are lost: the backend behind them stops consuming.
            Set<Integer> stalled = ConcurrentHashMap.newKeySet();
            pair.events((fromDomid, fromPort, toDomid, toPort) -> !(fromDomid == 1 && stalled.contains(fromPort)));

            out.println("netback stops consuming guest1's tx ring (vif1.0)");
            stalled.add(pair.txPort(1));
            int limit = pair.onGuest(1, f -> f.txQueueLimit());
            int total = VifPair.TX_RING_SIZE + limit + EXTRA;
            int sent = 0;
            int queued = 0;
            int refused = 0;
            for (int seq = 0; seq < total; seq++) {
                switch (pair.send(1, seq)) {
                    case SENT -> sent++;
                    case QUEUED -> queued++;
                    case DROPPED_QUEUE_FULL -> refused++;
                    default -> { }
                }
            }
            pair.run();
            boolean idle = !pair.hypervisor().hasPendingWork();
            long dropped = pair.onGuest(1, f -> f.counters().txDropped());
            out.println("  guest1 sent " + total + " frames: " + sent + " SENT (on the ring), " + queued
                    + " QUEUED (txqueuelen " + limit + "), " + refused + " DROPPED_QUEUE_FULL; tx_dropped " + dropped);
            checks.add(new Check("every send returns; the queue is bounded and the rest refused, counted",
                    sent > 0 && queued == limit && refused == total - sent - queued && dropped == refused,
                    sent + " on the ring, " + queued + " queued, " + refused + " refused, tx_dropped " + dropped));
            checks.add(new Check("nothing spins while the backend is stalled", idle && pair.received(2).isEmpty(),
                    "domains idle " + idle + ", guest2 received " + pair.received(2).size()));

            var write = disk.submitWrite(64, FaultDisk.pattern(BYTES, 1));
            pair.runUntil(write::isDone);
            boolean diskOk = write.isDone() && write.join() == BlkStatus.OK && disk.imageHolds(64,
                    FaultDisk.pattern(BYTES, 1));
            SendResult fromPeer = pair.send(2, 1);
            pair.run();
            boolean gotPeer = pair.receivedSeqs(1).equals(List.of(1));
            out.println("  guest1 writes " + BYTES + " bytes to " + FaultDisk.VDEV + ": "
                    + (write.isDone() ? write.join() : "waiting") + "; guest2 sends to guest1: " + fromPeer
                    + ", received " + gotPeer);
            checks.add(new Check("guest1's disk and receive path and guest2 keep working",
                    diskOk && fromPeer == SendResult.SENT && gotPeer
                            && pair.onGuest(2, f -> f.linkState()) == LinkState.UP,
                    "disk write " + (diskOk ? "OK, in the image" : "failed") + ", guest2 -> guest1 " + fromPeer
                            + (gotPeer ? ", received" : ", not received")));

            out.println("blkback stops consuming " + FaultDisk.VDEV + "'s ring as well");
            stalled.add(disk.guestPort());
            List<CompletableFuture<BlkStatus>> writes = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                writes.add(disk.submitWrite(128 + i * 8L, FaultDisk.pattern(BYTES, 10 + i)));
            }
            pair.run();
            long waiting = writes.stream().filter(w -> !w.isDone()).count();
            out.println("  guest1 submits 4 writes: each call returned, " + waiting + " waiting for the backend");
            checks.add(new Check("a write to the stalled disk returns at once and waits (blkfront has no timeout)",
                    waiting == writes.size() && !pair.hypervisor().hasPendingWork(), waiting + " of "
                            + writes.size() + " waiting, domains idle " + !pair.hypervisor().hasPendingWork()));

            out.println("$ xl shutdown guest1");
            var destroyed = pair.toolstack().destroyDomain(1);
            pair.runUntil(destroyed::isDone);
            pair.run();
            long ended = writes.stream().filter(CompletableFuture::isDone).count();
            String statuses = writes.stream().map(w -> w.isDone() ? w.join().name() : "waiting").distinct()
                    .reduce((a, b) -> a + "/" + b).orElse("");
            boolean noZombie = pair.hypervisor().domain(1).isEmpty() && pair.hypervisor().dyingDomains().isEmpty();
            out.println("  guest1 " + (destroyed.isDone() ? "shut down" : "still shutting down") + "; its waiting "
                    + "writes: " + statuses + "; vif1.0 on the bridge " + pair.bridgePorts().contains("vif1.0")
                    + "; dom0 still maps guest1's pages " + !noZombie);
            checks.add(new Check("the guest shuts down in bounded steps; no write is left waiting or reported done",
                    destroyed.isDone() && ended == writes.size() && writes.stream().allMatch(w -> w.isDone()
                            && w.join() != BlkStatus.OK),
                    (destroyed.isDone() ? "shut down" : "not shut down") + ", writes " + statuses));
            checks.add(new Check("dom0 lets go of the dead guest; guest2 stays up", noZombie
                            && !pair.bridgePorts().contains("vif1.0") && !pair.hasBackend(1)
                            && pair.onGuest(2, f -> f.linkState()) == LinkState.UP,
                    "zombie " + !noZombie + ", bridge ports " + pair.bridgePorts() + ", guest2 link "
                            + pair.onGuest(2, f -> f.linkState())));
        }
        return ScenarioResult.of("A backend that stops consuming its ring costs the guest dropped frames and "
                + "waiting writes, never a hang: each send returns at once (on the ring, in a queue bounded by "
                + "txqueuelen, or refused and counted), a write returns and waits as in Linux blkfront, nothing "
                + "spins, the guest's other devices and its peer keep working, and the guest shuts down in bounded "
                + "steps, its waiting writes ending with an error, with nothing of it left mapped in dom0.", checks);
    }
}
