package io.xensim.net.frame;

import io.xensim.xenbus.Decoded;
import java.lang.foreign.MemorySegment;

/**
 * What netback and the bridge do with netif's checksum flags: {@link #setup} finds where a TCP or UDP checksum
 * lives and optionally writes the pseudo-header sum there (Linux's {@code skb_checksum_setup}, called by netback's
 * {@code checksum_setup} for every packet the guest sent with {@code csum_blank}); {@link #complete} fills a blank
 * checksum for a receiver that did not negotiate checksum offload ({@code skb_checksum_help}); {@link #verify}
 * checks every checksum of a frame, for tests and for a receiver that has no {@code data_validated} flag to trust.
 *
 * <p>All three take a guest's frame: malformed headers or offsets are a {@link Decoded.Malformed}, never an
 * exception.
 *
 * <p><b>Threading:</b> stateless.
 *
 * <p><b>Reference:</b> Linux 6.1 net/core/skbuff.c {@code skb_checksum_setup}, {@code skb_checksum_setup_ipv4},
 * {@code skb_checksum_setup_ipv6} (TCP and UDP only; an IP fragment is refused with {@code -EPROTO}),
 * net/core/dev.c {@code skb_checksum_help} (sum from {@code csum_start} to the end, fold, complement, a zero result
 * stored as {@code CSUM_MANGLED_0} 0xffff; refused for a GSO skb), drivers/net/xen-netback/netback.c
 * {@code checksum_setup} (a GSO packet without {@code csum_blank} is forced to partial and recalculated).
 */
public final class ChecksumOffload {
    /** {@code CSUM_MANGLED_0}: how a computed zero is stored, since 0 in a UDP checksum means "none". */
    public static final int CSUM_MANGLED_0 = 0xffff;

    private ChecksumOffload() {
    }

    /**
     * {@code skb_checksum_setup}: returns {@code frame} marked {@link Offload.Checksum#PARTIAL} with
     * {@code csum_start} at its TCP or UDP header and {@code csum_offset} at the checksum field. With
     * {@code recalculate}, also writes the folded pseudo-header sum into that field, in {@code frame}'s own bytes:
     * the caller owns them (netback calls it on the packet it has just copied out of the guest). The pseudo-header
     * length is the transport length the IP header gives; Linux uses the skb's length, the same for an unpadded
     * frame.
     */
    public static Decoded<Frame> setup(Frame frame, boolean recalculate) {
        var parsed = FrameParser.parse(frame.data());
        if (!(parsed instanceof Decoded.Ok<ParsedFrame>(var p))) {
            return Decoded.malformed(((Decoded.Malformed<ParsedFrame>) parsed).reason());
        }
        if (p.fragment()) {
            return Decoded.malformed("IP fragment: no checksum offload (EPROTO)");
        }
        int checkOffset;
        switch (p.transport()) {
            case TcpHeader tcp -> checkOffset = TcpHeader.CHECKSUM_OFFSET;
            case UdpHeader udp -> checkOffset = UdpHeader.CHECKSUM_OFFSET;
            default -> {
                return Decoded.malformed(switch (p.network()) {
                    case Ipv4Header ip -> "IPv4 protocol: " + ip.protocol() + " (expected: TCP or UDP)";
                    case Ipv6Header ip -> "IPv6 next header: " + p.transportProtocol() + " (expected: TCP or UDP)";
                    default -> "EtherType: 0x" + Integer.toHexString(p.ethernet().etherType())
                            + " (expected: IPv4 or IPv6)";
                });
            }
        }
        int l4 = p.transportOffset();
        if (recalculate) {
            int length = p.transportEnd() - l4;
            long pseudo = switch (p.network()) {
                case Ipv4Header ip -> InternetChecksum.pseudoHeaderIpv4(ip.source(), ip.destination(),
                        p.transportProtocol(), length);
                case Ipv6Header ip -> InternetChecksum.pseudoHeaderIpv6(ip.source(), ip.destination(),
                        p.transportProtocol(), length);
                default -> throw new AssertionError("TCP/UDP only follow IPv4 or IPv6: " + p.network());
            };
            Wire.putU16(frame.data(), l4 + checkOffset, InternetChecksum.fold(pseudo));
        }
        var o = frame.offload();
        return Decoded.ok(frame.withOffload(new Offload(Offload.Checksum.PARTIAL, l4, checkOffset, o.gsoType(),
                o.gsoSize())));
    }

    /**
     * {@code skb_checksum_help}: a frame that is not {@link Offload.Checksum#PARTIAL} is returned as it is; a
     * partial one comes back as a new frame (copied: the original may be shared) whose checksum is complete, with
     * {@link Offload#NONE}. Ethernet padding after the datagram, as the sum runs to the frame's end, must be
     * zeros, which leave the sum unchanged. A GSO frame must be segmented first ({@link TcpSegmentation}).
     */
    public static Decoded<Frame> complete(Frame frame) {
        var o = frame.offload();
        if (o.checksum() != Offload.Checksum.PARTIAL) {
            return Decoded.ok(frame);
        }
        if (o.isGso()) {
            return Decoded.malformed("GSO frame (type " + o.gsoType() + "): segment it before completing checksums");
        }
        int length = frame.length();
        if (o.csumStart() >= length || (long) o.csumStart() + o.csumOffset() + 2 > length) {
            return Decoded.malformed("csum_start/csum_offset: " + o.csumStart() + "/" + o.csumOffset()
                    + " (expected: a 2-byte field inside the " + length + "-byte frame)");
        }
        var copy = MemorySegment.ofArray(frame.toByteArray());
        int at = o.csumStart() + o.csumOffset();
        int folded = InternetChecksum.fold(InternetChecksum.sum(copy, o.csumStart(), length - o.csumStart(), 0));
        int check = ~folded & 0xffff;
        Wire.putU16(copy, at, check == 0 ? CSUM_MANGLED_0 : check);
        return Decoded.ok(new Frame(copy, Offload.NONE));
    }

    /**
     * Whether every checksum in the frame is right: the IPv4 header's, and the TCP, UDP (zero over IPv4 is "no
     * checksum" and passes), ICMP or ICMPv6 checksum with its pseudo-header. A frame with nothing to check (ARP,
     * other EtherTypes, fragments' transport checksums) passes.
     */
    public static Decoded<Boolean> verify(MemorySegment frame) {
        var parsed = FrameParser.parse(frame);
        if (!(parsed instanceof Decoded.Ok<ParsedFrame>(var p))) {
            return Decoded.malformed(((Decoded.Malformed<ParsedFrame>) parsed).reason());
        }
        if (p.network() instanceof Ipv4Header ip && !Ipv4Header.checksumValid(frame, p.networkOffset(),
                ip.headerLength())) {
            return Decoded.ok(false);
        }
        if (p.fragment()) {
            return Decoded.ok(true);   // the transport checksum covers the reassembled datagram
        }
        int l4 = p.transportOffset();
        int length = p.transportEnd() - l4;
        long pseudo = switch (p.network()) {
            case Ipv4Header ip -> InternetChecksum.pseudoHeaderIpv4(ip.source(), ip.destination(),
                    p.transportProtocol(), length);
            case Ipv6Header ip -> InternetChecksum.pseudoHeaderIpv6(ip.source(), ip.destination(),
                    p.transportProtocol(), length);
            default -> 0;
        };
        boolean ok = switch (p.transport()) {
            case TcpHeader t -> InternetChecksum.fold(InternetChecksum.sum(frame, l4, length, pseudo)) == 0xffff;
            case UdpHeader u -> (u.checksum() == 0 && p.network() instanceof Ipv4Header)
                    || InternetChecksum.fold(InternetChecksum.sum(frame, l4, length, pseudo)) == 0xffff;
            case IcmpHeader i -> InternetChecksum.fold(InternetChecksum.sum(frame, l4, length,
                    p.network() instanceof Ipv6Header ? pseudo : 0)) == 0xffff;
            case TransportHeader.None n -> true;
            case TransportHeader.Other other -> true;
        };
        return Decoded.ok(ok);
    }

    /** The checksum to store for a transport region whose field is zero: {@code ~fold}, zero mangled for UDP. */
    static int finish(MemorySegment data, int offset, int length, long pseudo, boolean udp) {
        int check = ~InternetChecksum.fold(InternetChecksum.sum(data, offset, length, pseudo)) & 0xffff;
        return udp && check == 0 ? CSUM_MANGLED_0 : check;
    }
}
