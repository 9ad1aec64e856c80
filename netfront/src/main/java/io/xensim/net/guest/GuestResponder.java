package io.xensim.net.guest;

import io.xensim.net.frame.ArpPacket;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.FrameBuilder;
import io.xensim.net.frame.FrameParser;
import io.xensim.net.frame.IcmpHeader;
import io.xensim.net.frame.Ipv4Address;
import io.xensim.net.frame.Ipv4Header;
import io.xensim.net.frame.MacAddress;
import io.xensim.net.frame.ParsedFrame;
import io.xensim.xenbus.Decoded;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The smallest guest network stack that answers ping: on one {@link GuestNetInterface} with one IPv4 address, it
 * answers ARP requests for that address ({@code arp_process}) and ICMP echo requests to it ({@code icmp_echo}),
 * and hands every other frame on to an optional consumer. Replies are real frames with correct checksums, so a
 * capture shows an ordinary ping.
 *
 * <p><b>Threading:</b> runs as the interface's receiver, on the guest domain's executor.
 *
 * <p><b>Reference:</b> RFC 826 (ARP) and RFC 792 (echo, echo reply): the reply carries the request's
 * identifier, sequence number and data; Linux net/ipv4/arp.c and icmp.c for which requests are answered
 * (only those for this address, only ARP requests and ICMP echo requests).
 */
public final class GuestResponder {
    private final GuestNetInterface nic;
    private final Ipv4Address ip;
    private final Consumer<Frame> others;
    private long arpReplies;
    private long echoReplies;

    private GuestResponder(GuestNetInterface nic, Ipv4Address ip, Consumer<Frame> others) {
        this.nic = nic;
        this.ip = ip;
        this.others = others;
    }

    /** Makes {@code nic}'s receiver a responder for {@code ip}; other frames go to {@code others}. */
    public static GuestResponder attach(GuestNetInterface nic, Ipv4Address ip, Consumer<Frame> others) {
        var responder = new GuestResponder(Objects.requireNonNull(nic, "nic"), Objects.requireNonNull(ip, "ip"),
                Objects.requireNonNull(others, "others"));
        nic.setReceiver(responder::onFrame);
        return responder;
    }

    public static GuestResponder attach(GuestNetInterface nic, Ipv4Address ip) {
        return attach(nic, ip, f -> { });
    }

    public Ipv4Address ip() {
        return ip;
    }

    public long arpReplies() {
        return arpReplies;
    }

    public long echoReplies() {
        return echoReplies;
    }

    private void onFrame(Frame frame) {
        if (!(FrameParser.parse(frame.data()) instanceof Decoded.Ok<ParsedFrame>(ParsedFrame p))) {
            others.accept(frame);
            return;
        }
        MacAddress dst = p.ethernet().destination();
        if (!dst.equals(nic.mac()) && !dst.isBroadcast()) {
            others.accept(frame);
            return;
        }
        if (p.network() instanceof ArpPacket arp && arp.operation() == ArpPacket.ARPOP_REQUEST
                && arp.targetIp().equals(ip)) {
            nic.send(FrameBuilder.arpReply(nic.mac(), ip, arp.senderMac(), arp.senderIp()));
            arpReplies++;
            return;
        }
        if (p.network() instanceof Ipv4Header ipv4 && ipv4.destination().equals(ip) && !p.fragment()
                && p.transport() instanceof IcmpHeader icmp && icmp.type() == IcmpHeader.ICMP_ECHO
                && icmp.code() == 0) {
            byte[] data = frame.data().asSlice(p.payloadOffset(), p.payloadLength())
                    .toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
            nic.send(new FrameBuilder(nic.mac(), p.ethernet().source()).ipv4(ip, ipv4.source())
                    .icmpEcho(IcmpHeader.ICMP_ECHOREPLY, icmp.identifier(), icmp.sequence()).payload(data).build());
            echoReplies++;
            return;
        }
        others.accept(frame);
    }
}
