package io.xensim.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.net.NetPairFrames.Kind;
import io.xensim.net.back.NetbackConfig;
import io.xensim.net.back.NetbackOffer;
import io.xensim.net.frame.ChecksumOffload;
import io.xensim.net.frame.EthernetHeader;
import io.xensim.net.frame.Frame;
import io.xensim.net.front.NetfrontConfig;
import io.xensim.net.guest.GuestNetInterface.SendResult;
import io.xensim.net.guest.NetOffloads;
import io.xensim.xenbus.Decoded;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Frames from 60 B to 64 KiB GSO between the two guests, real netfront to real netback to the bridge and back, over
 * every feature combination netback can offer (sg, GSO TCPv4/TCPv6, split or shared event channels, 1 to 4
 * queues) and with the guests' checksum offload on or off; each frame compared by content at the other guest.
 */
@Timeout(120)
class NetPairFeaturesTest {
    /** Frame lengths, headers included: the Ethernet minimum, small, MTU-sized, and GSO up to the wire limit. */
    private static final int[] LENGTHS = {60, 61, 128, 591, 1514, 1515, 1519, 4097, 9014, 32768, NetPairFrames.MAX_FRAME};

    enum Gso { V4_AND_V6, V4_ONLY, V6_ONLY }

    static Stream<Arguments> combinations() {
        List<Arguments> all = new ArrayList<>();
        for (boolean sg : new boolean[] {true, false}) {
            for (Gso gso : Gso.values()) {
                for (boolean csum : new boolean[] {true, false}) {
                    for (int queues = 1; queues <= 4; queues++) {
                        for (boolean split : new boolean[] {true, false}) {
                            all.add(Arguments.of(sg, gso, csum, queues, split));
                        }
                    }
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "sg={0} gso={1} csumOffload={2} queues={3} split={4}")
    @MethodSource("combinations")
    void framesOfEverySizeArriveIntact(boolean sg, Gso gso, boolean csumOffload, int queues, boolean split) {
        var offer = NetbackOffer.LINUX.withSg(sg).withGsoTcpv4(gso != Gso.V6_ONLY).withGsoTcpv6(gso != Gso.V4_ONLY)
                .withSplitEventChannels(split);
        try (var pair = new NetPair(NetbackConfig.defaults().withOffer(offer), NetfrontConfig.DEFAULT
                .withMaxQueues(queues))) {
            for (int d = 1; d <= 2; d++) {
                int domid = d;
                assertThat(pair.onGuest(d, () -> pair.front(domid).queueCount())).isEqualTo(queues);
                String dir = "/local/domain/" + d + "/device/vif/0/" + (queues > 1 ? "queue-0/" : "");
                assertThat(pair.read(dir + "event-channel-tx") != null).as("split keys").isEqualTo(split);
                assertThat(pair.read(dir + "event-channel") != null).as("shared key").isEqualTo(!split);
            }
            NetOffloads offloads = pair.onGuest(1, () -> pair.front(1).offloads());
            assertThat(offloads.sg()).isEqualTo(sg);
            assertThat(offloads.gsoTcpv4()).isEqualTo(sg && gso != Gso.V6_ONLY);
            assertThat(offloads.gsoTcpv6()).isEqualTo(sg && gso != Gso.V4_ONLY);

            long seed = 0;
            int delivered = 0;
            for (Kind kind : Kind.values()) {
                for (int wanted : LENGTHS) {
                    int length = Math.max(wanted, NetPairFrames.headers(kind)); // IPv6/TCP headers alone pass 60 B
                    int from = (int) (seed % 2) + 1;
                    int to = 3 - from;
                    // The guest's stack asks for checksum offload only where the NIC has it (NETIF_F_IPV6_CSUM).
                    boolean partial = csumOffload && (!NetPairFrames.v6(kind) || offloads.ipv6Csum());
                    Frame frame = NetPairFrames.frame(from, kind, length, partial || length > 1514, seed++);
                    byte[] sent = frame.toByteArray();
                    var received = pair.received(to);
                    received.clear();
                    SendResult result = pair.send(from, frame);
                    String what = kind + " " + length + " B from guest " + from;
                    SendResult expected = expected(frame, offloads);
                    assertThat(result).as(what).isEqualTo(expected);
                    if (expected != SendResult.SENT) {
                        assertThat(received).as(what).isEmpty();
                        continue;
                    }
                    assertThat(received).as(what).hasSize(1);
                    Frame got = received.get(0);
                    assertThat(got.toByteArray()).as(what).isEqualTo(sent);
                    assertThat(got.offload().gsoType()).as(what).isEqualTo(frame.offload().gsoType());
                    assertThat(got.offload().gsoSize()).as(what).isEqualTo(frame.offload().gsoSize());
                    if (!got.offload().isGso()) {
                        var done = ChecksumOffload.complete(got);
                        assertThat(done).as(what).isInstanceOf(Decoded.Ok.class);
                        var complete = ((Decoded.Ok<Frame>) done).value();
                        assertThat(ChecksumOffload.verify(complete.data())).as(what)
                                .isEqualTo(Decoded.ok(true));
                    }
                    delivered++;
                }
            }
            assertThat(delivered).isGreaterThanOrEqualTo(Kind.values().length * 5);
            for (int d = 1; d <= 2; d++) {
                int domid = d;
                var perQueue = pair.onDom0(() -> pair.back(domid).vif().queues().stream()
                        .mapToLong(q -> q.tx().packets()).toArray());
                assertThat(perQueue).as("netback queues of vif%d.0", d).hasSize(queues);
                // Flows (ports) differ frame to frame: with several queues, more than one carries traffic.
                assertThat(Arrays.stream(perQueue).filter(n -> n > 0).count()).as("busy queues of vif%d.0", d)
                        .isGreaterThanOrEqualTo(Math.min(queues, 2));
            }
            for (int d = 1; d <= 2; d++) {
                int domid = d;
                assertThat(pair.onGuest(d, () -> pair.front(domid).counters().txErrors())).isZero();
                assertThat(pair.onGuest(d, () -> pair.front(domid).counters().rxErrors())).isZero();
            }
        }
    }

    /** What netfront must say to {@code frame}: too big without GSO past the MTU (plus a VLAN tag), refused GSO not negotiated. */
    private static SendResult expected(Frame frame, NetOffloads offloads) {
        if (!frame.offload().isGso()) {
            return frame.length() <= 1500 + EthernetHeader.VLAN_LENGTH ? SendResult.SENT : SendResult.DROPPED_TOO_BIG;
        }
        return offloads.allowsGso(frame) ? SendResult.SENT : SendResult.DROPPED_OFFLOAD_NOT_NEGOTIATED;
    }

}
