package io.xensim.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.net.NetPairFrames.Kind;
import io.xensim.net.frame.Frame;
import io.xensim.net.guest.GuestNetInterface.LinkState;
import io.xensim.net.guest.GuestNetInterface.SendResult;
import io.xensim.xenbus.Domain;
import io.xensim.xenbus.bus.XenbusState;
import io.xensim.xenbus.grant.GrantEntryV1;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code netfront_resume} in the real pair: guest 1's backend goes away while both guests exchange traffic (the
 * driver domain restarts: the toolstack removes the backend directory, then writes it afresh) and netfront
 * reconnects with fresh rings, grants and ports; what was in flight at the restart is dropped, never replayed.
 */
@Timeout(60)
class NetPairResumeTest {
    private static final String FE1 = "/local/domain/1/device/vif/0/";
    /** Each sender stops after this many sends refused because the link is down. */
    private static final int DOWN_SENDS = 10;
    /** ... or after this many sends in all. */
    private static final int BURST = 4_000;

    /** One guest sending numbered frames to the other, one send per task, rescheduling itself. */
    private static final class Sender implements Runnable {
        final NetPair pair;
        final int from;
        final List<SendResult> results = new ArrayList<>();
        int downInARow;

        Sender(NetPair pair, int from) {
            this.pair = pair;
            this.from = from;
        }

        @Override
        public void run() {
            SendResult r = pair.front(from).send(numbered(from, results.size()));
            results.add(r);
            downInARow = r == SendResult.DROPPED_LINK_DOWN ? downInARow + 1 : 0;
            if (downInARow < DOWN_SENDS && results.size() < BURST) {
                pair.guest(from).domain().executor().execute(this);
            }
        }

        void start() {
            pair.guest(from).domain().executor().execute(this);
        }

        boolean done() {
            return downInARow >= DOWN_SENDS || results.size() >= BURST;
        }
    }

    /** A UDP frame whose IPv4 identification carries its sequence number. */
    private static Frame numbered(int from, int seq) {
        return NetPairFrames.frame(from, Kind.UDP4, 600 + seq % 900, seq % 2 == 0, seq);
    }

    /** The sequence number of a {@link #numbered} frame: the IPv4 identification (bytes 18 and 19). */
    private static int seq(Frame f) {
        byte[] b = f.toByteArray();
        return (b[18] & 0xff) << 8 | b[19] & 0xff;
    }

    private static List<Integer> seqs(List<Frame> frames) {
        return frames.stream().map(NetPairResumeTest::seq).toList();
    }

    @Test
    void backendRestartUnderTrafficBothWaysReconnectsWithFreshRingsAndReplaysNothing() {
        try (var pair = new NetPair()) {
            Domain g1 = pair.guest1.domain();
            Domain dom0 = pair.fx.toolstack.dom0().domain();
            String oldTxRef = pair.read(FE1 + "tx-ring-ref");
            String oldRxRef = pair.read(FE1 + "rx-ring-ref");
            int grantsConnected = g1.grantTable().grantedCount();
            int dom0MapsConnected = dom0.grantOps().activeMappings();
            int dom0PortsConnected = dom0.eventChannels().openPorts();
            int g1PortsConnected = g1.eventChannels().openPorts();
            assertThat(liveGrants(g1)).as("rings and posted rx buffers").isGreaterThan(2);

            var s1 = new Sender(pair, 1);
            var s2 = new Sender(pair, 2);
            s1.start();
            s2.start();
            assertThat(pair.fx.hv.runUntil(() -> pair.received2.size() >= 40 && pair.received1.size() >= 40,
                    1_000_000)).isTrue();

            // The driver domain restarts: the backend directory vanishes under traffic.
            CompletableFuture<Void> gone = pair.fx.toolstack.removeBackend("vif", 1, 0);
            assertThat(pair.fx.hv.runUntil(() -> gone.isDone() && s1.done() && s2.done(), 1_000_000)).isTrue();
            pair.fx.hv.runUntilIdle();
            var front1 = pair.front(1);
            assertThat(pair.onGuest(1, front1::linkState)).isEqualTo(LinkState.DOWN);
            assertThat(pair.onGuest(1, () -> front1.device().state())).isEqualTo(XenbusState.CLOSED);
            assertThat(s1.results.getLast()).isEqualTo(SendResult.DROPPED_LINK_DOWN);
            assertThat(s2.results).as("guest 2's own link stays up").doesNotContain(SendResult.DROPPED_LINK_DOWN);
            assertThat(pair.bridge().portNames()).containsExactly("vif2.0");

            // Everything of the old connection is given back: grants, dom0's mappings, both ends' ports.
            assertThat(pair.onGuest(1, () -> front1.device().heldResources())).isZero();
            assertThat(g1.grantTable().isGranted(Integer.parseInt(oldTxRef))).isFalse();
            assertThat(g1.grantTable().isGranted(Integer.parseInt(oldRxRef))).isFalse();
            assertThat(liveGrants(g1)).as("guest 1's live grants").isZero();
            assertThat(dom0.grantOps().activeMappings()).as("dom0 unmapped guest 1's two rings")
                    .isEqualTo(dom0MapsConnected - 2);
            assertThat(dom0.eventChannels().openPorts()).as("dom0 closed guest 1's tx and rx ports")
                    .isEqualTo(dom0PortsConnected - 2);
            assertThat(g1.eventChannels().openPorts()).as("guest 1 closed its tx and rx ports")
                    .isEqualTo(g1PortsConnected - 2);

            // Guest 2 got guest 1's frames in order, none twice, only ones that were sent; the rest were counted as
            // dropped (refused at the send, or in flight at the restart), none both.
            List<Integer> got2 = seqs(pair.received2);
            int sentOk1 = (int) s1.results.stream().filter(r -> r == SendResult.SENT || r == SendResult.QUEUED).count();
            assertThat(got2).isSorted().doesNotHaveDuplicates();
            assertThat(got2).hasSizeLessThanOrEqualTo(sentOk1);
            for (int seq : got2) {
                assertThat(s1.results.get(seq)).as("frame %d", seq).isIn(SendResult.SENT, SendResult.QUEUED);
            }
            long dropped1 = pair.onGuest(1, () -> front1.counters().txDropped());
            long refused1 = s1.results.stream().filter(r -> r == SendResult.DROPPED_LINK_DOWN).count();
            assertThat(dropped1).as("refused sends plus what was in flight")
                    .isEqualTo(s1.results.size() - got2.size())
                    .isGreaterThan(refused1);
            List<Integer> got1 = seqs(pair.received1);
            assertThat(got1).isSorted().doesNotHaveDuplicates();

            // The backend comes back: netfront reconnects on fresh rings, grants and ports.
            int received2Before = pair.received2.size();
            int received1Before = pair.received1.size();
            pair.fx.toolstack.await(pair.fx.toolstack.restoreBackend("vif", 1, 0));
            pair.fx.hv.runUntilIdle();
            assertThat(pair.onGuest(1, front1::linkState)).isEqualTo(LinkState.UP);
            assertThat(pair.onGuest(1, front1::connectionCount)).isEqualTo(2);
            assertThat(pair.read("/local/domain/0/backend/vif/1/0/state")).isEqualTo("4");
            assertThat(pair.read("/local/domain/0/backend/vif/1/0/hotplug-status")).isEqualTo("connected");
            assertThat(pair.bridge().portNames()).containsExactlyInAnyOrder("vif1.0", "vif2.0");
            assertThat(pair.read(FE1 + "tx-ring-ref")).isNotEqualTo(oldTxRef);
            assertThat(pair.read(FE1 + "rx-ring-ref")).isNotEqualTo(oldRxRef);
            assertThat(g1.grantTable().grantedCount()).isEqualTo(grantsConnected);
            assertThat(dom0.grantOps().activeMappings()).isEqualTo(dom0MapsConnected);
            assertThat(dom0.eventChannels().openPorts()).isEqualTo(dom0PortsConnected);
            assertThat(g1.eventChannels().openPorts()).isEqualTo(g1PortsConnected);
            // Nothing of the old connection replayed on the new rings, in either direction.
            assertThat(pair.received2).hasSize(received2Before);
            assertThat(pair.received1).hasSize(received1Before);
            assertThat(pair.onDom0(() -> pair.back(1).vif().queues().getFirst().tx().packets())).isZero();

            // Traffic works again, both ways, on the new connection.
            for (int i = 0; i < 20; i++) {
                Frame to2 = NetPairFrames.frame(1, Kind.TCP4, NetPairFrames.MAX_FRAME, true, 10_000 + i);
                Frame to1 = NetPairFrames.frame(2, Kind.TCP6, 9014, true, 20_000 + i);
                assertThat(pair.send(1, to2)).isEqualTo(SendResult.SENT);
                assertThat(pair.send(2, to1)).isEqualTo(SendResult.SENT);
                assertThat(pair.received2.getLast().toByteArray()).isEqualTo(to2.toByteArray());
                assertThat(pair.received1.getLast().toByteArray()).isEqualTo(to1.toByteArray());
            }
            assertThat(pair.received2).hasSize(received2Before + 20);
            assertThat(pair.received1).hasSize(received1Before + 20);
        }
    }

    /** {@code domain}'s live grants outside the reserved entries (what {@code Hypervisor.leftovers} counts). */
    private static int liveGrants(Domain domain) {
        int reserved = 0;
        for (int ref = 0; ref < GrantEntryV1.GNTTAB_NR_RESERVED_ENTRIES; ref++) {
            reserved += domain.grantTable().isGranted(ref) ? 1 : 0;
        }
        return domain.grantTable().grantedCount() - reserved;
    }
}
