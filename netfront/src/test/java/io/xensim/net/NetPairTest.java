package io.xensim.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.net.NetPairFrames.Kind;
import io.xensim.net.back.Netback;
import io.xensim.net.back.NetbackConfig;
import io.xensim.net.back.TxPolicy;
import io.xensim.testkit.XenstoreDump;
import io.xensim.net.frame.ArpPacket;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.FrameBuilder;
import io.xensim.net.frame.FrameParser;
import io.xensim.net.frame.IcmpHeader;
import io.xensim.net.frame.InternetChecksum;
import io.xensim.net.frame.Ipv4Header;
import io.xensim.net.frame.ParsedFrame;
import io.xensim.net.front.NetfrontConfig;
import io.xensim.net.guest.GuestNetInterface.LinkState;
import io.xensim.net.guest.GuestNetInterface.SendResult;
import io.xensim.net.guest.GuestResponder;
import io.xensim.net.pcap.PcapWriter;
import io.xensim.testkit.Tshark;
import io.xensim.xenbus.Decoded;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The real netfront against the real netback, two guests on one bridge: connect, ping, unplug, stall, capture. */
@Timeout(60)
class NetPairTest {

    @TempDir
    Path dir;

    @Test
    void bothGuestsReachConnectedWithTheirVifsOnTheBridge() {
        try (var pair = new NetPair()) {
            for (int d = 1; d <= 2; d++) {
                String front = "/local/domain/" + d + "/device/vif/0/";
                String back = "/local/domain/0/backend/vif/" + d + "/0/";
                assertThat(pair.read(front + "state")).as("front %d", d).isEqualTo("4");
                assertThat(pair.read(back + "state")).as("back %d", d).isEqualTo("4");
                assertThat(pair.read(back + "hotplug-status")).isEqualTo("connected");
                assertThat(pair.read(front + "multi-queue-num-queues")).isEqualTo("1");
                assertThat(pair.read(front + "request-rx-copy")).isEqualTo("1");
                assertThat(pair.read(front + "event-channel-tx")).isNotNull();
                int domid = d;
                assertThat(pair.onGuest(d, () -> pair.front(domid).linkState())).isEqualTo(LinkState.UP);
                assertThat(pair.onDom0(() -> pair.back(domid).vif().carrierOk())).isTrue();
                assertThat(pair.onGuest(d, () -> pair.front(domid).mac())).isEqualTo(NetPair.mac(d));
            }
            assertThat(pair.bridge().portNames()).containsExactlyInAnyOrder("vif1.0", "vif2.0");
        }
    }

    /**
     * The tree the real netfront and the real netback leave once Connected, as {@code xenstore-ls -p} shows it:
     * libxl's keys, netback_probe's feature keys, talk_to_netback's keys, every permission; nothing else.
     */
    @Test
    void theConnectedTreeHoldsExactlyLibxlsNetbacksAndNetfrontsKeys() {
        String fe = "/local/domain/1/device/vif/0";
        String be = "/local/domain/0/backend/vif/1/0";
        try (var pair = new NetPair()) {
            assertThat(XenstoreDump.dump(pair.fx.toolstack, fe)).containsExactly(
                    fe + " = \"\" (n1,r0)",
                    fe + "/backend = \"/local/domain/0/backend/vif/1/0\" (n1,r0)",
                    fe + "/backend-id = \"0\" (n1,r0)",
                    fe + "/state = \"4\" (n1,r0)",
                    fe + "/handle = \"0\" (n1,r0)",
                    fe + "/mac = \"00:16:3e:00:00:01\" (n1,r0)",
                    fe + "/trusted = \"1\" (n1,r0)",
                    fe + "/mtu = \"1500\" (n0,r1)",
                    fe + "/multi-queue-num-queues = \"1\" (n1,r0)",
                    fe + "/tx-ring-ref = \"8\" (n1,r0)",
                    fe + "/rx-ring-ref = \"9\" (n1,r0)",
                    fe + "/event-channel-tx = \"2\" (n1,r0)",
                    fe + "/event-channel-rx = \"3\" (n1,r0)",
                    fe + "/request-rx-copy = \"1\" (n1,r0)",
                    fe + "/feature-rx-notify = \"1\" (n1,r0)",
                    fe + "/feature-sg = \"1\" (n1,r0)",
                    fe + "/feature-gso-tcpv4 = \"1\" (n1,r0)",
                    fe + "/feature-gso-tcpv6 = \"1\" (n1,r0)",
                    fe + "/feature-ipv6-csum-offload = \"1\" (n1,r0)");
            assertThat(XenstoreDump.dump(pair.fx.toolstack, be)).containsExactly(
                    be + " = \"\" (n0,r1)",
                    be + "/frontend = \"/local/domain/1/device/vif/0\" (n0,r1)",
                    be + "/frontend-id = \"1\" (n0,r1)",
                    be + "/online = \"1\" (n0,r1)",
                    be + "/state = \"4\" (n0,r1)",
                    be + "/script = \"/etc/xen/scripts/vif-bridge\" (n0,r1)",
                    be + "/mac = \"00:16:3e:00:00:01\" (n0,r1)",
                    be + "/bridge = \"xenbr0\" (n0,r1)",
                    be + "/handle = \"0\" (n0,r1)",
                    be + "/type = \"vif\" (n0,r1)",
                    be + "/hotplug-status = \"connected\" (n0,r1)",
                    be + "/feature-sg = \"1\" (n0,r1)",
                    be + "/feature-gso-tcpv4 = \"1\" (n0,r1)",
                    be + "/feature-gso-tcpv6 = \"1\" (n0,r1)",
                    be + "/feature-ipv6-csum-offload = \"1\" (n0,r1)",
                    be + "/feature-rx-copy = \"1\" (n0,r1)",
                    be + "/feature-rx-flip = \"0\" (n0,r1)",
                    be + "/feature-multicast-control = \"1\" (n0,r1)",
                    be + "/feature-dynamic-multicast-control = \"1\" (n0,r1)",
                    be + "/feature-split-event-channels = \"1\" (n0,r1)",
                    be + "/multi-queue-max-queues = \"4\" (n0,r1)");
        }
    }

    /** trusted=0: netfront bounces tx data through fresh zeroed pages; the real netback reads the same bytes. */
    @Test
    void untrustedBackendFramesOfEverySizeStillArriveIntact() {
        try (var pair = new NetPair(NetbackConfig.defaults(), NetfrontConfig.DEFAULT, false)) {
            assertThat(pair.read("/local/domain/1/device/vif/0/trusted")).isEqualTo("0");
            assertThat(pair.onGuest(1, () -> pair.front(1).trusted())).isFalse();
            long seed = 0;
            for (int length : new int[] {60, 1514, 9014, NetPairFrames.MAX_FRAME}) {
                for (int from = 1; from <= 2; from++) {
                    Frame f = NetPairFrames.frame(from, Kind.TCP4, length, true, seed++);
                    pair.received(3 - from).clear();
                    assertThat(pair.send(from, f)).isEqualTo(SendResult.SENT);
                    assertThat(pair.received(3 - from)).hasSize(1);
                    assertThat(pair.received(3 - from).get(0).toByteArray()).isEqualTo(f.toByteArray());
                }
            }
        }
    }

    @Test
    void guestOnePingsGuestTwoThroughArpAndIcmpEcho() {
        try (var pair = new NetPair()) {
            var responder = pair.onGuest(2, () -> GuestResponder.attach(pair.front(2), NetPairFrames.IP2));
            var r1 = pair.onGuest(1, () -> GuestResponder.attach(pair.front(1), NetPairFrames.IP1,
                    pair.received1::add));

            assertThat(pair.send(1, FrameBuilder.arpRequest(NetPair.mac(1), NetPairFrames.IP1, NetPairFrames.IP2)))
                    .isEqualTo(SendResult.SENT);
            assertThat(pair.received1).hasSize(1);
            ParsedFrame arp = parse(pair.received1.get(0));
            assertThat(arp.network()).isEqualTo(new ArpPacket(ArpPacket.ARPOP_REPLY, NetPair.mac(2),
                    NetPairFrames.IP2, NetPair.mac(1), NetPairFrames.IP1));
            assertThat(responder.arpReplies()).isEqualTo(1);

            byte[] data = Arrays.copyOf("xensim ping between two guests".getBytes(), 56);
            for (int seq = 1; seq <= 3; seq++) {
                pair.received1.clear();
                var ping = new FrameBuilder(NetPair.mac(1), NetPair.mac(2)).ipv4(NetPairFrames.IP1, NetPairFrames.IP2)
                        .identification(seq).icmpEcho(IcmpHeader.ICMP_ECHO, 0x77, seq).payload(data).build();
                assertThat(pair.send(1, ping)).isEqualTo(SendResult.SENT);
                assertThat(pair.received1).as("echo reply %d", seq).hasSize(1);
                Frame reply = pair.received1.get(0);
                ParsedFrame p = parse(reply);
                assertThat(p.ethernet().source()).isEqualTo(NetPair.mac(2));
                var ip = (Ipv4Header) p.network();
                assertThat(ip.source()).isEqualTo(NetPairFrames.IP2);
                assertThat(ip.destination()).isEqualTo(NetPairFrames.IP1);
                var icmp = (IcmpHeader) p.transport();
                assertThat(icmp.type()).isEqualTo(IcmpHeader.ICMP_ECHOREPLY);
                assertThat(icmp.identifier()).isEqualTo(0x77);
                assertThat(icmp.sequence()).isEqualTo(seq);
                assertThat(Arrays.copyOfRange(reply.toByteArray(), p.payloadOffset(), p.payloadOffset()
                        + p.payloadLength())).isEqualTo(data);
                assertThat(InternetChecksum.checksum(reply.data(), p.networkOffset(), ip.headerLength())).isZero();
                assertThat(InternetChecksum.checksum(reply.data(), p.transportOffset(),
                        p.transportEnd() - p.transportOffset())).isZero();
            }
            assertThat(responder.echoReplies()).isEqualTo(3);
            assertThat(r1.echoReplies()).isZero();
            assertThat(pair.bridge().lookup(NetPair.mac(2), pair.fx.clock.nanoTime())).contains("vif2.0");
            assertThat(pair.bridge().lookup(NetPair.mac(1), pair.fx.clock.nanoTime())).contains("vif1.0");
        }
    }

    @Test
    void hotUnplugOfTheSenderWhileTrafficFlowsLeavesNothingBehindAndAFreshVifWorks() {
        try (var pair = new NetPair()) {
            int burst = 2_000;
            List<Frame> frames = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                frames.add(i % 2 == 0 ? NetPairFrames.frame(1, Kind.UDP4, 1200, true, i)
                        : NetPairFrames.frame(1, Kind.TCP4, 9014, true, i));
            }
            List<SendResult> results = new ArrayList<>();
            var front = pair.front(1);
            var removed = new CompletableFuture<Boolean>();
            // The guest sends one frame per task, rescheduling itself, until the unplug is done (at most burst).
            var executor = pair.guest1.domain().executor();
            Runnable sender = new Runnable() {
                @Override
                public void run() {
                    results.add(front.send(frames.get(results.size() % frames.size())));
                    if (!removed.isDone() && results.size() < burst) {
                        executor.execute(this);
                    }
                }
            };
            executor.execute(sender);
            // Once 50 frames have arrived the toolstack removes the vif while the burst goes on.
            assertThat(pair.fx.hv.runUntil(() -> pair.received2.size() >= 50, 1_000_000)).isTrue();
            pair.fx.toolstack.removeDevice("vif", 1, 0).whenComplete((ok, e) -> removed.complete(ok));
            pair.fx.hv.runUntilIdle();
            assertThat(removed).isCompletedWithValue(true);

            assertThat(results.size()).isLessThan(burst);
            assertThat(results.getLast()).as("the last sends find the link down").isEqualTo(SendResult.DROPPED_LINK_DOWN);
            assertThat(results).doesNotContain(SendResult.DROPPED_NO_BUFFERS, SendResult.DROPPED_TOO_BIG);
            assertThat(pair.received2.size()).isBetween(50, results.size() - 1);
            assertThat(pair.guest1.frontends().device("vif", 1, 0)).isEmpty();
            assertThat(pair.bridge().portNames()).containsExactly("vif2.0");
            assertThat(pair.read("/local/domain/0/backend/vif/1/0")).isNull();
            // What arrived is a prefix of what was sent (one queue), each frame intact: nothing replayed or torn.
            for (int i = 0; i < pair.received2.size(); i++) {
                assertThat(pair.received2.get(i).toByteArray()).as("frame %d", i)
                        .isEqualTo(frames.get(i % frames.size()).toByteArray());
            }

            // The guest plugs a new vif in: fresh rings and grants, traffic flows again.
            pair.addVif(1);
            pair.fx.onDomainRun(pair.guest1, () -> pair.front(1).setReceiver(pair.received1::add));
            pair.received2.clear();
            Frame again = NetPairFrames.frame(1, Kind.TCP4, NetPairFrames.MAX_FRAME, true, 4242);
            assertThat(pair.send(1, again)).isEqualTo(SendResult.SENT);
            assertThat(pair.received2).hasSize(1);
            assertThat(pair.received2.get(0).toByteArray()).isEqualTo(again.toByteArray());
            Frame back = NetPairFrames.frame(2, Kind.UDP6, 1514, false, 4343);
            assertThat(pair.send(2, back)).isEqualTo(SendResult.SENT);
            assertThat(pair.received1).hasSize(1);
            assertThat(pair.received1.get(0).toByteArray()).isEqualTo(back.toByteArray());
        }
    }

    /**
     * Dom0 closes guest 1's backend (netback goes Closing, as on a driver unbind): netfront follows to Closed,
     * drops what it had in flight, gives back its grants and ports, and refuses sends with DROPPED_LINK_DOWN; the
     * other guest is untouched; after the toolstack re-creates the vif, traffic flows on fresh rings.
     */
    @Test
    void backendClosingUnderTrafficTakesTheLinkDownCleanlyAndARecreatedVifWorks() {
        try (var pair = new NetPair()) {
            var front = pair.front(1);
            pair.guest1.domain().executor().execute(() -> {
                for (int i = 0; i < 20; i++) {
                    front.send(NetPairFrames.frame(1, Kind.TCP4, 9014, true, i));
                }
            });
            pair.fx.toolstack.dom0().domain().executor().execute(() -> pair.back(1).close());
            pair.fx.hv.runUntilIdle();
            assertThat(pair.read("/local/domain/0/backend/vif/1/0/state")).isEqualTo("6");
            assertThat(pair.read("/local/domain/1/device/vif/0/state")).isEqualTo("6");
            assertThat(pair.onGuest(1, front::linkState)).isEqualTo(LinkState.DOWN);
            assertThat(pair.onGuest(1, () -> front.send(NetPairFrames.frame(1, Kind.UDP4, 100, true, 99))))
                    .isEqualTo(SendResult.DROPPED_LINK_DOWN);
            assertThat(pair.onGuest(1, () -> pair.guest1.frontends().device("vif", 1, 0).orElseThrow().heldResources())).isZero();
            assertThat(pair.onDom0(() -> pair.back(1).vif().carrierOk())).isFalse();
            // Guest 2 is untouched.
            assertThat(pair.onGuest(2, () -> pair.front(2).linkState())).isEqualTo(LinkState.UP);

            pair.removeVif(1);
            pair.addVif(1);
            pair.fx.onDomainRun(pair.guest1, () -> pair.front(1).setReceiver(pair.received1::add));
            pair.received2.clear();
            Frame f = NetPairFrames.frame(1, Kind.TCP6, NetPairFrames.MAX_FRAME, true, 7);
            assertThat(pair.send(1, f)).isEqualTo(SendResult.SENT);
            assertThat(pair.received2).hasSize(1);
            assertThat(pair.received2.get(0).toByteArray()).isEqualTo(f.toByteArray());
        }
    }

    @Test
    void hotUnplugOfTheReceiverWhileTrafficFlowsKeepsTheSenderUp() {
        try (var pair = new NetPair()) {
            List<SendResult> results = new ArrayList<>();
            pair.guest1.domain().executor().execute(() -> {
                for (int i = 0; i < 100; i++) {
                    results.add(pair.front(1).send(NetPairFrames.frame(1, Kind.UDP4, 1514, true, i)));
                }
            });
            var removed = pair.fx.toolstack.removeDevice("vif", 2, 0);
            pair.fx.hv.runUntilIdle();
            assertThat(pair.fx.toolstack.await(removed)).isTrue();
            assertThat(results).hasSize(100).doesNotContain(SendResult.DROPPED_LINK_DOWN);
            assertThat(pair.onGuest(1, () -> pair.front(1).linkState())).isEqualTo(LinkState.UP);
            assertThat(pair.onGuest(1, () -> pair.front(1).txQueued())).isZero();
            assertThat(pair.bridge().portNames()).containsExactly("vif1.0");
        }
    }

    /**
     * A netback that stops consuming: {@code tx=timer} whose window never ends because dom0's timer work is not
     * run. The guest's sends fill the ring, then the transmit queue, then are refused with DROPPED_QUEUE_FULL:
     * every send returns at once, nothing spins. When the backend runs again the queued frames go out in order.
     */
    @Test
    void aStalledNetbackMakesTheGuestQueueThenRefuseAndTheQueueDrainsWhenItResumes() {
        int limit = 32;
        var backConfig = NetbackConfig.defaults().withTxPolicy(TxPolicy.timer(1_000));
        try (var pair = new NetPair(backConfig, NetfrontConfig.DEFAULT.withTxQueueLimit(limit))) {
            List<Frame> sent = new ArrayList<>();
            List<SendResult> results = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                Frame f = NetPairFrames.frame(1, Kind.UDP4, 1514, true, i);
                SendResult r = pair.send(1, f);
                results.add(r);
                if (r == SendResult.SENT || r == SendResult.QUEUED) {
                    sent.add(f);
                }
            }
            assertThat(pair.received2).as("netback consumed nothing").isEmpty();
            assertThat(results).contains(SendResult.SENT, SendResult.QUEUED, SendResult.DROPPED_QUEUE_FULL);
            int firstQueued = results.indexOf(SendResult.QUEUED);
            int firstRefused = results.indexOf(SendResult.DROPPED_QUEUE_FULL);
            assertThat(results.subList(0, firstQueued)).containsOnly(SendResult.SENT);
            assertThat(results.subList(firstQueued, firstRefused)).hasSize(limit).containsOnly(SendResult.QUEUED);
            assertThat(results.subList(firstRefused, results.size())).containsOnly(SendResult.DROPPED_QUEUE_FULL);
            assertThat(pair.onGuest(1, () -> pair.front(1).txQueued())).isEqualTo(limit);
            assertThat(pair.onGuest(1, () -> pair.front(1).counters().txDropped()))
                    .isEqualTo(results.size() - firstRefused);
            assertThat(pair.onGuest(1, () -> pair.front(1).linkState())).isEqualTo(LinkState.UP);

            // The backend resumes: the timer windows fire until the ring and the queue are drained.
            for (int round = 0; round < 50 && pair.received2.size() < sent.size(); round++) {
                pair.fx.clock.advanceNanos(TimeUnit.MILLISECONDS.toNanos(1) + 1);
                pair.onDom0(() -> Netback.doWork(pair.fx.toolstack, pair.fx.clock.nanoTime()));
            }
            assertThat(pair.received2).hasSize(sent.size());
            for (int i = 0; i < sent.size(); i++) {
                assertThat(pair.received2.get(i).toByteArray()).as("frame %d", i).isEqualTo(sent.get(i).toByteArray());
            }
            assertThat(pair.onGuest(1, () -> pair.front(1).txQueued())).isZero();
        }
    }

    @Test
    void tsharkReadsACaptureOfTheBridgeDuringAPairExchange() throws Exception {
        Tshark.require();
        Path file = dir.resolve("xenbr0.pcap");
        try (var pair = new NetPair()) {
            pair.fx.clock.advanceNanos(TimeUnit.SECONDS.toNanos(1_704_067_200L));
            var capture = PcapWriter.create(file, pair.fx.clock);
            pair.onDom0(() -> {
                pair.bridge().addTap(capture);
                return null;
            });
            pair.onGuest(2, () -> GuestResponder.attach(pair.front(2), NetPairFrames.IP2, pair.received2::add));
            pair.send(1, FrameBuilder.arpRequest(NetPair.mac(1), NetPairFrames.IP1, NetPairFrames.IP2));
            pair.fx.clock.advanceNanos(100_000);
            pair.send(1, new FrameBuilder(NetPair.mac(1), NetPair.mac(2)).ipv4(NetPairFrames.IP1, NetPairFrames.IP2)
                    .identification(1).icmpEcho(IcmpHeader.ICMP_ECHO, 0x4242, 1).payload(new byte[56]).build());
            pair.fx.clock.advanceNanos(100_000);
            pair.send(1, NetPairFrames.frame(1, Kind.UDP4, 200, false, 1));
            pair.fx.clock.advanceNanos(100_000);
            Frame gso = NetPairFrames.frame(1, Kind.TCP4, NetPairFrames.MAX_FRAME, true, 2);
            pair.send(1, gso);
            pair.onDom0(() -> pair.bridge().removeTap(capture));
            capture.close();
            assertThat(capture.frames()).isEqualTo(6);
            assertThat(pair.received2).as("the datagram and the GSO send; ARP and ping were answered").hasSize(2);
            assertThat(pair.received2.get(1).toByteArray()).isEqualTo(gso.toByteArray());
        }
        var rows = tshark(file, "-e", "frame.len", "-e", "eth.src", "-e", "eth.dst", "-e", "_ws.col.Protocol",
                "-e", "_ws.col.Info", "-e", "ip.checksum.status", "-e", "icmp.checksum.status",
                "-e", "udp.checksum.status", "-e", "tcp.len", "-e", "_ws.malformed");
        String m1 = NetPair.mac(1).toString();
        String m2 = NetPair.mac(2).toString();
        assertThat(rows).hasSize(6);
        assertThat(rows.get(0).subList(1, 5)).containsExactly(m1, "ff:ff:ff:ff:ff:ff", "ARP",
                "Who has 10.0.0.2? Tell 10.0.0.1");
        assertThat(rows.get(1).subList(1, 5)).containsExactly(m2, m1, "ARP", "10.0.0.2 is at " + m2);
        assertThat(rows.get(2).subList(1, 5)).containsExactly(m1, m2, "ICMP",
                "Echo (ping) request  id=0x4242, seq=1/256, ttl=64");
        assertThat(rows.get(3).subList(1, 5)).containsExactly(m2, m1, "ICMP",
                "Echo (ping) reply    id=0x4242, seq=1/256, ttl=64 (request in 3)");
        assertThat(rows.get(2).subList(5, 7)).containsExactly("1", "1");
        assertThat(rows.get(3).subList(5, 7)).containsExactly("1", "1");
        assertThat(rows.get(4).get(3)).isEqualTo("UDP");
        assertThat(rows.get(4).get(7)).as("udp.checksum.status").isEqualTo("1");
        assertThat(rows.get(5).get(0)).isEqualTo(Integer.toString(NetPairFrames.MAX_FRAME));
        assertThat(rows.get(5).get(3)).isEqualTo("TCP");
        assertThat(rows.get(5).get(8)).isEqualTo(Integer.toString(NetPairFrames.MAX_FRAME
                - NetPairFrames.headers(Kind.TCP4)));
        assertThat(rows).allSatisfy(r -> assertThat(r.get(9)).as("_ws.malformed %s", r).isEmpty());
    }

    private static ParsedFrame parse(Frame frame) {
        var parsed = FrameParser.parse(frame.data());
        assertThat(parsed).isInstanceOf(Decoded.Ok.class);
        return ((Decoded.Ok<ParsedFrame>) parsed).value();
    }

    /** tshark's fields for each frame, tab-separated, checksum validation on, with a private HOME. */
    private List<List<String>> tshark(Path file, String... fields) throws IOException, InterruptedException {
        return Tshark.fields(file, dir, List.of("udp", "ip"), fields);
    }
}
