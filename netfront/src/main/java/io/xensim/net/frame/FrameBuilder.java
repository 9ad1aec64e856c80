package io.xensim.net.frame;

import io.xensim.net.protocol.NetifExtraInfo;
import java.lang.foreign.MemorySegment;

/**
 * Builds the frames tests and demos send: ARP, and IPv4 or IPv6 carrying TCP, UDP or ICMP/ICMPv6 echo, with every
 * length and checksum filled in, or with the transport checksum left blank ({@code csum_blank}) and GSO set, as a
 * guest's stack hands a frame to netfront when those offloads are negotiated.
 *
 * <pre>{@code
 * Frame syn = new FrameBuilder(macA, macB).ipv4(ipA, ipB).identification(1)
 *         .tcp(40000, 80, iss, 0, TcpHeader.SYN, 64240).tcpOptions(mssOption).build();
 * }</pre>
 * Frames are not padded to {@link EthernetHeader#ETH_ZLEN}: a vif carries them unpadded, as tcpdump on a real vif
 * shows.
 *
 * <p><b>Threading:</b> a one-use builder for one thread.
 *
 * <p><b>Reference:</b> the checksum rules of RFC 768, RFC 792, RFC 4443, RFC 8200 section 8.1 and RFC 9293; for a
 * blank checksum, the pseudo-header value Linux's {@code tcp_v4_send_check}/{@code udp4_hwcsum} leave for
 * {@code CHECKSUM_PARTIAL}.
 */
public final class FrameBuilder {
    private enum Ip { NONE, V4, V6 }

    private final EthernetHeader.Builder eth;
    private Ip ip = Ip.NONE;
    private Ipv4Address src4;
    private Ipv4Address dst4;
    private Ipv6Address src6;
    private Ipv6Address dst6;
    private int identification;
    private int ttl = 64;
    private int flagsFragment = Ipv4Header.IP_DF;
    private int protocol = -1;
    private TcpHeader tcp;
    private UdpHeader udp;
    private IcmpHeader icmp;
    private byte[] tcpOptions = new byte[0];
    private MemorySegment payload = MemorySegment.ofArray(new byte[0]);
    private boolean partial;
    private int gsoSize;

    public FrameBuilder(MacAddress source, MacAddress destination) {
        this.eth = new EthernetHeader.Builder(destination, source);
    }

    /** An ARP frame; the Ethernet destination of a request is broadcast. */
    public static Frame arp(MacAddress source, MacAddress destination, ArpPacket arp) {
        var header = new EthernetHeader(destination, source, EthernetHeader.ETH_P_ARP);
        var data = MemorySegment.ofArray(new byte[EthernetHeader.LENGTH + ArpPacket.LENGTH]);
        header.encode(data, 0);
        arp.encode(data, EthernetHeader.LENGTH);
        return Frame.of(data);
    }

    /** "Who has {@code targetIp}? Tell {@code senderIp}", broadcast. */
    public static Frame arpRequest(MacAddress senderMac, Ipv4Address senderIp, Ipv4Address targetIp) {
        return arp(senderMac, MacAddress.BROADCAST,
                new ArpPacket(ArpPacket.ARPOP_REQUEST, senderMac, senderIp, MacAddress.ZERO, targetIp));
    }

    /** "{@code senderIp} is at {@code senderMac}", unicast to the asker. */
    public static Frame arpReply(MacAddress senderMac, Ipv4Address senderIp, MacAddress targetMac,
                                 Ipv4Address targetIp) {
        return arp(senderMac, targetMac,
                new ArpPacket(ArpPacket.ARPOP_REPLY, senderMac, senderIp, targetMac, targetIp));
    }

    /** Tags the frame with 802.1Q {@code tci}. */
    public FrameBuilder vlan(int tci) {
        eth.vlanTci = tci;
        return this;
    }

    public FrameBuilder ipv4(Ipv4Address source, Ipv4Address destination) {
        ip = Ip.V4;
        src4 = source;
        dst4 = destination;
        return this;
    }

    public FrameBuilder ipv6(Ipv6Address source, Ipv6Address destination) {
        ip = Ip.V6;
        src6 = source;
        dst6 = destination;
        return this;
    }

    /** The IPv4 identification (the first segment's, for a GSO frame). */
    public FrameBuilder identification(int id) {
        Wire.requireU16("identification", id);
        identification = id;
        return this;
    }

    /** TTL (IPv4) or hop limit (IPv6); 64 unless set. */
    public FrameBuilder ttl(int hops) {
        Wire.requireU8("ttl", hops);
        ttl = hops;
        return this;
    }

    /** The IPv4 flags and fragment offset; {@code IP_DF} unless set. */
    public FrameBuilder flagsFragment(int raw) {
        Wire.requireU16("flagsFragment", raw);
        flagsFragment = raw;
        return this;
    }

    public FrameBuilder tcp(int sourcePort, int destinationPort, int sequence, int acknowledgment, int flags,
                            int window) {
        protocol = Ipv4Header.IPPROTO_TCP;
        tcp = new TcpHeader(sourcePort, destinationPort, sequence, acknowledgment, TcpHeader.LENGTH, flags, window, 0,
                0);
        return this;
    }

    /** TCP options, padded by the caller to a multiple of 4 bytes (at most 40). */
    public FrameBuilder tcpOptions(byte[] options) {
        if (options.length % 4 != 0 || options.length > 40) {
            throw new IllegalArgumentException("options: " + options.length + " bytes (expected: a multiple of 4, "
                    + "<= 40)");
        }
        tcpOptions = options.clone();
        return this;
    }

    public FrameBuilder udp(int sourcePort, int destinationPort) {
        protocol = Ipv4Header.IPPROTO_UDP;
        udp = new UdpHeader(sourcePort, destinationPort, UdpHeader.LENGTH, 0);
        return this;
    }

    /** An ICMP echo (over IPv4: {@code ICMP_ECHO}/{@code ICMP_ECHOREPLY}; over IPv6 the ICMPv6 types). */
    public FrameBuilder icmpEcho(int type, int identifier, int sequence) {
        protocol = -2;   // resolved at build(): 1 over IPv4, 58 over IPv6
        icmp = IcmpHeader.echo(type, identifier, sequence);
        return this;
    }

    public FrameBuilder payload(byte[] bytes) {
        return payload(MemorySegment.ofArray(bytes.clone()));
    }

    public FrameBuilder payload(MemorySegment bytes) {
        payload = bytes;
        return this;
    }

    /** Leaves the TCP/UDP checksum blank for the receiver to complete ({@code NETTXF_csum_blank}). */
    public FrameBuilder checksumPartial() {
        partial = true;
        return this;
    }

    /** Makes a TCP frame a GSO frame with MSS {@code mss} (TCPV4 or TCPV6 by the IP version); implies partial. */
    public FrameBuilder gso(int mss) {
        if (mss <= 0 || mss > 0xffff) {
            throw new IllegalArgumentException("mss: " + mss + " (expected: 1..65535)");
        }
        gsoSize = mss;
        partial = true;
        return this;
    }

    public Frame build() {
        if (ip == Ip.NONE || protocol == -1) {
            throw new IllegalStateException("build: needs ipv4()/ipv6() and tcp()/udp()/icmpEcho()");
        }
        int proto = protocol == -2 ? (ip == Ip.V4 ? Ipv4Header.IPPROTO_ICMP : Ipv6Header.NEXTHDR_ICMP) : protocol;
        if (gsoSize != 0 && proto != Ipv4Header.IPPROTO_TCP) {
            throw new IllegalStateException("gso: only TCP frames (protocol " + proto + ")");
        }
        if (partial && proto != Ipv4Header.IPPROTO_TCP && proto != Ipv4Header.IPPROTO_UDP) {
            throw new IllegalStateException("checksumPartial: only TCP and UDP (protocol " + proto + ")");
        }
        var ethernet = eth.build(ip == Ip.V4 ? EthernetHeader.ETH_P_IP : EthernetHeader.ETH_P_IPV6);
        int l3 = ethernet.length();
        int ipHeader = ip == Ip.V4 ? Ipv4Header.LENGTH : Ipv6Header.LENGTH;
        int l4 = l3 + ipHeader;
        int l4Header = switch (proto) {
            case Ipv4Header.IPPROTO_TCP -> TcpHeader.LENGTH + tcpOptions.length;
            case Ipv4Header.IPPROTO_UDP -> UdpHeader.LENGTH;
            default -> IcmpHeader.LENGTH;
        };
        int l4Length = l4Header + (int) payload.byteSize();
        if (ipHeader + l4Length > 0xffff + (ip == Ip.V6 ? Ipv6Header.LENGTH : 0)) {
            throw new IllegalStateException("payload: " + payload.byteSize() + " bytes (expected: the datagram fits "
                    + "the 16-bit IP length)");
        }
        var data = MemorySegment.ofArray(new byte[l4 + l4Length]);
        ethernet.encode(data, 0);
        if (ip == Ip.V4) {
            new Ipv4Header(Ipv4Header.LENGTH, 0, ipHeader + l4Length, identification, flagsFragment, ttl, proto, 0,
                    src4, dst4).encode(data, l3);
            Ipv4Header.fillChecksum(data, l3, Ipv4Header.LENGTH);
        } else {
            new Ipv6Header(0, 0, l4Length, proto, ttl, src6, dst6).encode(data, l3);
        }
        int checkOffset;
        switch (proto) {
            case Ipv4Header.IPPROTO_TCP -> {
                new TcpHeader(tcp.sourcePort(), tcp.destinationPort(), tcp.sequence(), tcp.acknowledgment(),
                        l4Header, tcp.flags(), tcp.window(), 0, 0).encode(data, l4);
                MemorySegment.copy(MemorySegment.ofArray(tcpOptions), 0, data, l4 + TcpHeader.LENGTH,
                        tcpOptions.length);
                checkOffset = TcpHeader.CHECKSUM_OFFSET;
            }
            case Ipv4Header.IPPROTO_UDP -> {
                new UdpHeader(udp.sourcePort(), udp.destinationPort(), l4Length, 0).encode(data, l4);
                checkOffset = UdpHeader.CHECKSUM_OFFSET;
            }
            default -> {
                icmp.encode(data, l4);
                checkOffset = IcmpHeader.CHECKSUM_OFFSET;
            }
        }
        MemorySegment.copy(payload, 0, data, l4 + l4Header, payload.byteSize());
        long pseudo = proto == Ipv4Header.IPPROTO_ICMP ? 0
                : ip == Ip.V4 ? InternetChecksum.pseudoHeaderIpv4(src4, dst4, proto, l4Length)
                : InternetChecksum.pseudoHeaderIpv6(src6, dst6, proto, l4Length);
        if (partial) {
            Wire.putU16(data, l4 + checkOffset, InternetChecksum.fold(pseudo));
            var offload = Offload.partial(l4, checkOffset);
            if (gsoSize != 0) {
                offload = offload.withGso(ip == Ip.V4 ? NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV4
                        : NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV6, gsoSize);
            }
            return new Frame(data, offload);
        }
        Wire.putU16(data, l4 + checkOffset, ChecksumOffload.finish(data, l4, l4Length, pseudo,
                proto == Ipv4Header.IPPROTO_UDP));
        return Frame.of(data);
    }
}
