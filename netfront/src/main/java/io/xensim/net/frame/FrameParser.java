package io.xensim.net.frame;

import io.xensim.xenbus.Decoded;
import java.lang.foreign.MemorySegment;

/**
 * Parses a frame's headers: Ethernet (with one 802.1Q tag), then ARP, IPv4 or IPv6 (walking the hop-by-hop,
 * routing, destination-options and fragment extension headers), then TCP, UDP, ICMP or ICMPv6. A frame from a
 * guest is untrusted input: whatever the bytes, the result is {@link Decoded.Ok} or {@link Decoded.Malformed},
 * never an exception. An EtherType or IP protocol this class does not know is not malformed: it decodes as
 * {@link NetworkHeader.Other} or {@link TransportHeader.Other}. A fragment other than the first has no transport
 * header ({@link TransportHeader.None}).
 *
 * <p><b>Threading:</b> stateless.
 *
 * <p><b>Reference:</b> the header walk of Linux's {@code skb_checksum_setup_ipv4}/{@code skb_checksum_setup_ipv6}
 * (net/core/skbuff.c), which netback's {@code checksum_setup} relies on; it walks the same IPv6 extension headers.
 */
public final class FrameParser {
    private FrameParser() {
    }

    /** Parses every header of {@code frame} this package knows. */
    public static Decoded<ParsedFrame> parse(MemorySegment frame) {
        var ethernet = EthernetHeader.decode(frame);
        if (!(ethernet instanceof Decoded.Ok<EthernetHeader>(var eth))) {
            return Decoded.malformed(((Decoded.Malformed<EthernetHeader>) ethernet).reason());
        }
        int l3 = eth.length();
        int end = (int) frame.byteSize();
        return switch (eth.etherType()) {
            case EthernetHeader.ETH_P_ARP -> switch (ArpPacket.decode(frame, l3)) {
                case Decoded.Ok<ArpPacket>(var arp) -> Decoded.ok(new ParsedFrame(eth, l3, arp, false, -1,
                        l3 + ArpPacket.LENGTH, new TransportHeader.None(), l3 + ArpPacket.LENGTH, 0));
                case Decoded.Malformed<ArpPacket>(var reason) -> Decoded.malformed(reason);
            };
            case EthernetHeader.ETH_P_IP -> switch (Ipv4Header.decode(frame, l3)) {
                case Decoded.Ok<Ipv4Header>(var ip) -> {
                    int l4 = l3 + ip.headerLength();
                    int ipEnd = l3 + ip.totalLength();
                    if ((ip.flagsFragment() & Ipv4Header.IP_OFFSET) != 0) {
                        yield Decoded.ok(new ParsedFrame(eth, l3, ip, true, ip.protocol(), l4, new TransportHeader.None(),
                                l4, ipEnd - l4));
                    }
                    yield transport(frame, eth, l3, ip, ip.isFragment(), ip.protocol(), l4, ipEnd);
                }
                case Decoded.Malformed<Ipv4Header>(var reason) -> Decoded.malformed(reason);
            };
            case EthernetHeader.ETH_P_IPV6 -> switch (Ipv6Header.decode(frame, l3)) {
                case Decoded.Ok<Ipv6Header>(var ip) -> ipv6(frame, eth, l3, ip);
                case Decoded.Malformed<Ipv6Header>(var reason) -> Decoded.malformed(reason);
            };
            default -> Decoded.ok(new ParsedFrame(eth, l3, new NetworkHeader.Other(eth.etherType()), false, -1, l3,
                    new TransportHeader.None(), l3, end - l3));
        };
    }

    // The extension-header walk of skb_checksum_setup_ipv6: hop-by-hop, routing and destination options have a
    // length byte in 8-octet units (not counting the first 8), a fragment header is 8 bytes.
    private static Decoded<ParsedFrame> ipv6(MemorySegment frame, EthernetHeader eth, int l3, Ipv6Header ip) {
        int ipEnd = l3 + Ipv6Header.LENGTH + ip.payloadLength();
        int next = ip.nextHeader();
        int off = l3 + Ipv6Header.LENGTH;
        boolean fragment = false;
        boolean laterFragment = false;
        while (next == Ipv6Header.NEXTHDR_HOP || next == Ipv6Header.NEXTHDR_ROUTING
                || next == Ipv6Header.NEXTHDR_DEST || next == Ipv6Header.NEXTHDR_FRAGMENT) {
            if (ipEnd - off < 8) {
                return Decoded.malformed("IPv6 extension header " + next + " at " + off + ": truncated (IPv6 end "
                        + ipEnd + ")");
            }
            int following = Wire.u8(frame, off);
            int length;
            if (next == Ipv6Header.NEXTHDR_FRAGMENT) {
                length = 8;
                int fragOff = Wire.u16(frame, off + 2);
                fragment |= (fragOff & 0xfff9) != 0;   // IP6_OFFSET | IP6_MF
                laterFragment = (fragOff & 0xfff8) != 0;
            } else {
                length = (Wire.u8(frame, off + 1) + 1) * 8;
            }
            if (length > ipEnd - off) {
                return Decoded.malformed("IPv6 extension header " + next + " length: " + length + " (expected: <= "
                        + (ipEnd - off) + ")");
            }
            off += length;
            next = following;
            if (laterFragment) {
                return Decoded.ok(new ParsedFrame(eth, l3, ip, true, next, off, new TransportHeader.None(), off,
                        ipEnd - off));
            }
        }
        return transport(frame, eth, l3, ip, fragment, next, off, ipEnd);
    }

    private static Decoded<ParsedFrame> transport(MemorySegment frame, EthernetHeader eth, int l3,
                                                  NetworkHeader ip, boolean fragment, int protocol, int l4,
                                                  int ipEnd) {
        // The transport decoders read only below ipEnd, which decode already checked is within the frame.
        Decoded<? extends TransportHeader> decoded = switch (protocol) {
            case Ipv4Header.IPPROTO_TCP -> TcpHeader.decode(frame, l4, ipEnd);
            case Ipv4Header.IPPROTO_UDP -> UdpHeader.decode(frame, l4, ipEnd);
            case Ipv4Header.IPPROTO_ICMP, Ipv6Header.NEXTHDR_ICMP -> {
                boolean icmpFits = (protocol == Ipv4Header.IPPROTO_ICMP) == (ip instanceof Ipv4Header);
                yield icmpFits ? IcmpHeader.decode(frame, l4, ipEnd) : Decoded.ok(new TransportHeader.Other(protocol));
            }
            default -> Decoded.ok(new TransportHeader.Other(protocol));
        };
        return switch (decoded) {
            case Decoded.Ok<? extends TransportHeader> ok -> {
                TransportHeader t = ok.value();
                int payload = switch (t) {
                    case TcpHeader tcp -> l4 + tcp.headerLength();
                    case UdpHeader udp -> l4 + UdpHeader.LENGTH;
                    case IcmpHeader icmp -> l4 + IcmpHeader.LENGTH;
                    case TransportHeader.Other other -> l4;
                    case TransportHeader.None none -> l4;
                };
                int payloadEnd = t instanceof UdpHeader udp ? l4 + udp.length() : ipEnd;
                yield Decoded.ok(new ParsedFrame(eth, l3, ip, fragment, protocol, l4, t, payload,
                        payloadEnd - payload));
            }
            case Decoded.Malformed<? extends TransportHeader> bad -> Decoded.malformed(bad.reason());
        };
    }
}
