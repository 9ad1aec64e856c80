package io.xensim.net.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.net.frame.ArpPacket;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.FrameBuilder;
import io.xensim.net.frame.FrameParser;
import io.xensim.net.frame.IcmpHeader;
import io.xensim.net.frame.Ipv4Address;
import io.xensim.net.frame.MacAddress;
import io.xensim.net.frame.ParsedFrame;
import io.xensim.net.protocol.NetifExtraInfo;
import io.xensim.xenbus.Decoded;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class GuestResponderTest {
    static final MacAddress ME = MacAddress.of("00:16:3e:00:00:01");
    static final MacAddress PEER = MacAddress.of("00:16:3e:00:00:02");
    static final Ipv4Address MY_IP = Ipv4Address.of("192.168.1.10");
    static final Ipv4Address PEER_IP = Ipv4Address.of("192.168.1.20");

    /** A NIC that only records what is sent. */
    static final class RecordingNic implements GuestNetInterface {
        final List<Frame> sent = new ArrayList<>();
        final NetCounters counters = new NetCounters();
        Consumer<Frame> receiver = f -> { };

        @Override public MacAddress mac() { return ME; }
        @Override public int mtu() { return 1500; }
        @Override public LinkState linkState() { return LinkState.UP; }
        @Override public NetOffloads offloads() { return NetOffloads.NONE; }
        @Override public NetCounters counters() { return counters; }
        @Override public SendResult send(Frame frame) { sent.add(frame); return SendResult.SENT; }
        @Override public void setReceiver(Consumer<Frame> r) { receiver = r; }
        @Override public int txQueued() { return 0; }
        @Override public int txQueueLimit() { return 0; }
    }

    private static ParsedFrame parse(Frame f) {
        return ((Decoded.Ok<ParsedFrame>) FrameParser.parse(f.data())).value();
    }

    @Test
    void answersOnlyWhatIsForItsAddressAndPassesTheRestOn() {
        var nic = new RecordingNic();
        List<Frame> others = new ArrayList<>();
        var responder = GuestResponder.attach(nic, MY_IP, others::add);

        nic.receiver.accept(FrameBuilder.arpRequest(PEER, PEER_IP, MY_IP));
        assertThat(nic.sent).singleElement().satisfies(f -> assertThat(parse(f).network())
                .isEqualTo(new ArpPacket(ArpPacket.ARPOP_REPLY, ME, MY_IP, PEER, PEER_IP)));

        // Not for us: another address, an ARP reply, an echo reply, a ping to another MAC.
        nic.receiver.accept(FrameBuilder.arpRequest(PEER, PEER_IP, Ipv4Address.of("192.168.1.11")));
        nic.receiver.accept(FrameBuilder.arpReply(PEER, PEER_IP, ME, MY_IP));
        nic.receiver.accept(new FrameBuilder(PEER, ME).ipv4(PEER_IP, MY_IP)
                .icmpEcho(IcmpHeader.ICMP_ECHOREPLY, 1, 1).payload(new byte[8]).build());
        nic.receiver.accept(new FrameBuilder(PEER, MacAddress.of("00:16:3e:00:00:09")).ipv4(PEER_IP, MY_IP)
                .icmpEcho(IcmpHeader.ICMP_ECHO, 1, 1).payload(new byte[8]).build());
        assertThat(nic.sent).hasSize(1);
        assertThat(others).hasSize(4);

        nic.receiver.accept(new FrameBuilder(PEER, ME).ipv4(PEER_IP, MY_IP)
                .icmpEcho(IcmpHeader.ICMP_ECHO, 9, 3).payload(new byte[56]).build());
        assertThat(nic.sent).hasSize(2);
        var reply = parse(nic.sent.get(1));
        assertThat(((IcmpHeader) reply.transport()).type()).isEqualTo(IcmpHeader.ICMP_ECHOREPLY);
        assertThat(reply.payloadLength()).isEqualTo(56);
        assertThat(responder.arpReplies()).isEqualTo(1);
        assertThat(responder.echoReplies()).isEqualTo(1);
    }

    @Test
    void offloadsNeedScatterGatherForGso() {
        assertThatThrownBy(() -> new NetOffloads(false, true, true, true, false))
                .isInstanceOf(IllegalArgumentException.class);
        var v4only = new NetOffloads(true, true, false, true, false);
        var gso4 = Frame.copyOf(new byte[60]).withOffload(io.xensim.net.frame.Offload.partial(34, 16)
                .withGso(NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV4, 1448));
        var gso6 = gso4.withOffload(gso4.offload().withGso(NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV6, 1428));
        assertThat(v4only.allowsGso(gso4)).isTrue();
        assertThat(v4only.allowsGso(gso6)).isFalse();
        assertThat(NetOffloads.NONE.allowsGso(Frame.copyOf(new byte[60]))).isTrue();
    }
}
