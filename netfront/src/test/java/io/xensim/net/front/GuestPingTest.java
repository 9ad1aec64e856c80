package io.xensim.net.front;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.net.frame.ArpPacket;
import io.xensim.net.frame.FrameBuilder;
import io.xensim.net.frame.FrameParser;
import io.xensim.net.frame.IcmpHeader;
import io.xensim.net.frame.InternetChecksum;
import io.xensim.net.frame.Ipv4Address;
import io.xensim.net.frame.Ipv4Header;
import io.xensim.net.frame.ParsedFrame;
import io.xensim.net.guest.GuestResponder;
import io.xensim.net.protocol.NetifStatus;
import io.xensim.xenbus.Decoded;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A guest behind netfront answers ARP and ping, as seen from the backend's side of the rings. */
@Timeout(30)
class GuestPingTest {
    private static final Ipv4Address GUEST_IP = Ipv4Address.of("10.0.0.1");
    private static final Ipv4Address PEER_IP = Ipv4Address.of("10.0.0.2");
    private NetFixture net;
    private NetfrontDevice front;
    private GuestResponder responder;
    private final List<io.xensim.net.frame.Frame> others = new ArrayList<>();

    @BeforeEach
    void connect() {
        net = new NetFixture(NetfrontConfig.DEFAULT, ScriptedNetback.Offer.LINUX);
        net.addVif();
        front = net.front();
        responder = net.onGuest(() -> GuestResponder.attach(front, GUEST_IP, others::add));
    }

    @AfterEach
    void cleanUp() {
        net.close();
    }

    /** What the guest transmitted in answer, read from its granted page, then completed. */
    private ParsedFrame reply() {
        var slots = net.onBack(() -> net.back().takeTxSlots(0));
        assertThat(slots).hasSize(1);
        var req = ScriptedNetback.request(slots.get(0));
        byte[] bytes = net.onBack(() -> net.back().read(req.gref(), req.offset(), req.size()));
        net.onBackRun(() -> net.back().respondTx(0, req.id(), NetifStatus.NETIF_RSP_OKAY));
        var parsed = FrameParser.parse(MemorySegment.ofArray(bytes));
        assertThat(parsed).isInstanceOf(Decoded.Ok.class);
        return ((Decoded.Ok<ParsedFrame>) parsed).value();
    }

    private static byte[] bytesOf(ParsedFrame p, byte[] frame) {
        return java.util.Arrays.copyOfRange(frame, p.payloadOffset(), p.payloadOffset() + p.payloadLength());
    }

    @Test
    void answersArpForItsAddressOnly() {
        var ask = FrameBuilder.arpRequest(NetTxFrames.PEER, PEER_IP, GUEST_IP);
        net.onBackRun(() -> net.back().deliver(0, ask.toByteArray(), 0));
        var p = reply();
        assertThat(p.ethernet().destination()).isEqualTo(NetTxFrames.PEER);
        assertThat(p.network()).isEqualTo(new ArpPacket(ArpPacket.ARPOP_REPLY, front.mac(), GUEST_IP,
                NetTxFrames.PEER, PEER_IP));
        assertThat(responder.arpReplies()).isEqualTo(1);

        var notMe = FrameBuilder.arpRequest(NetTxFrames.PEER, PEER_IP, Ipv4Address.of("10.0.0.9"));
        net.onBackRun(() -> net.back().deliver(0, notMe.toByteArray(), 0));
        assertThat(net.onBack(() -> net.back().takeTxSlots(0))).isEmpty();
        assertThat(others).hasSize(1);
    }

    @Test
    void answersPingWithTheSameIdentifierSequenceAndDataAndValidChecksums() {
        byte[] data = "abcdefghijklmnopqrstuvwabcdefghi".getBytes();
        var ping = new FrameBuilder(NetTxFrames.PEER, front.mac()).ipv4(PEER_IP, GUEST_IP)
                .icmpEcho(IcmpHeader.ICMP_ECHO, 0x1234, 7).payload(data).build();
        net.onBackRun(() -> net.back().deliver(0, ping.toByteArray(), 0));

        var slots = net.onBack(() -> net.back().takeTxSlots(0));
        var req = ScriptedNetback.request(slots.get(0));
        byte[] bytes = net.onBack(() -> net.back().read(req.gref(), req.offset(), req.size()));
        net.onBackRun(() -> net.back().respondTx(0, req.id(), NetifStatus.NETIF_RSP_OKAY));
        var p = ((Decoded.Ok<ParsedFrame>) FrameParser.parse(MemorySegment.ofArray(bytes))).value();

        assertThat(p.ethernet().destination()).isEqualTo(NetTxFrames.PEER);
        var ip = (Ipv4Header) p.network();
        assertThat(ip.source()).isEqualTo(GUEST_IP);
        assertThat(ip.destination()).isEqualTo(PEER_IP);
        var icmp = (IcmpHeader) p.transport();
        assertThat(icmp.type()).isEqualTo(IcmpHeader.ICMP_ECHOREPLY);
        assertThat(icmp.identifier()).isEqualTo(0x1234);
        assertThat(icmp.sequence()).isEqualTo(7);
        assertThat(bytesOf(p, bytes)).isEqualTo(data);
        var seg = MemorySegment.ofArray(bytes);
        // A correct Internet checksum sums (with itself) to zero: the IP header, and ICMP over header and data.
        assertThat(InternetChecksum.checksum(seg, p.networkOffset(), ip.headerLength())).isZero();
        assertThat(InternetChecksum.checksum(seg, p.transportOffset(), p.transportEnd() - p.transportOffset()))
                .isZero();
        assertThat(responder.echoReplies()).isEqualTo(1);
    }
}
