package io.xensim.net.frame;

import io.xensim.net.protocol.NetifExtraInfo;
import io.xensim.xenbus.Decoded;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Software TCP segmentation: cuts a GSO frame ({@code XEN_NETIF_GSO_TYPE_TCPV4} or {@code _TCPV6}) into frames of
 * at most {@code gsoSize} payload bytes each, for a receiver that did not negotiate that GSO type, as Linux's
 * {@code skb_gso_segment} does on the way to a device without the feature.
 *
 * <p>Each segment repeats the frame's Ethernet, IP (with any IPv6 extension headers) and TCP headers, options
 * included, with:
 * <ul>
 *   <li>the IPv4 total length or IPv6 payload length of that segment;</li>
 *   <li>IPv4: identification incremented by one per segment from the frame's own (no fixed-id GSO), header
 *       checksum recomputed;</li>
 *   <li>TCP sequence number advanced by the payload before it;</li>
 *   <li>FIN and PSH only on the last segment, CWR only on the first;</li>
 *   <li>a complete TCP checksum (the segments carry {@link Offload#NONE}).</li>
 * </ul>
 * A frame whose payload already fits one MSS becomes one segment with complete checksums. The urgent pointer is
 * copied unchanged (Linux adjusts URG per segment; no guest here sends urgent data).
 *
 * <p>The frame comes from a guest: a GSO type that does not match the IP version, a non-TCP datagram, a fragment,
 * or malformed headers are a {@link Decoded.Malformed}, never an exception.
 *
 * <p><b>Threading:</b> stateless.
 *
 * <p><b>Reference:</b> Linux 6.1 net/ipv4/tcp_offload.c {@code tcp_gso_segment} (seq, FIN/PSH, CWR),
 * net/ipv4/af_inet.c {@code inet_gso_segment} (id, tot_len, {@code ip_send_check}), net/ipv6/ip6_offload.c
 * {@code ipv6_gso_segment} (payload_len).
 */
public final class TcpSegmentation {
    private TcpSegmentation() {
    }

    /** The segments of {@code frame}, in order; see the class comment. */
    public static Decoded<List<Frame>> segment(Frame frame) {
        var o = frame.offload();
        if (!o.isGso()) {
            return Decoded.malformed("gso type: NONE (expected: a GSO frame)");
        }
        var parsed = FrameParser.parse(frame.data());
        if (!(parsed instanceof Decoded.Ok<ParsedFrame>(var p))) {
            return Decoded.malformed(((Decoded.Malformed<ParsedFrame>) parsed).reason());
        }
        boolean v4 = p.network() instanceof Ipv4Header;
        int expectedType = v4 ? NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV4 : NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV6;
        if (!(p.network() instanceof Ipv4Header || p.network() instanceof Ipv6Header) || o.gsoType() != expectedType) {
            return Decoded.malformed("gso type " + o.gsoType() + " on " + p.network().getClass().getSimpleName()
                    + " (expected: TCPV4 on IPv4, TCPV6 on IPv6)");
        }
        if (p.fragment() || !(p.transport() instanceof TcpHeader tcp)) {
            return Decoded.malformed("GSO frame: protocol " + p.transportProtocol() + (p.fragment() ? " fragment" : "")
                    + " (expected: an unfragmented TCP segment)");
        }
        MemorySegment src = frame.data();
        int l3 = p.networkOffset();
        int l4 = p.transportOffset();
        int headers = p.payloadOffset();
        int payload = p.payloadLength();
        int mss = o.gsoSize();
        int count = Math.max(1, (payload + mss - 1) / mss);
        int id = v4 ? ((Ipv4Header) p.network()).identification() : 0;
        var segments = new ArrayList<Frame>(count);
        for (int i = 0; i < count; i++) {
            int from = i * mss;
            int chunk = Math.min(mss, payload - from);
            var seg = MemorySegment.ofArray(new byte[headers + chunk]);
            MemorySegment.copy(src, 0, seg, 0, headers);
            MemorySegment.copy(src, headers + (long) from, seg, headers, chunk);
            int l4Length = headers - l4 + chunk;
            long pseudo;
            if (v4) {
                var ip = (Ipv4Header) p.network();
                Wire.putU16(seg, l3 + Ipv4Header.TOTAL_LENGTH_OFFSET, headers - l3 + chunk);
                Wire.putU16(seg, l3 + Ipv4Header.IDENTIFICATION_OFFSET, (id + i) & 0xffff);
                Ipv4Header.fillChecksum(seg, l3, ip.headerLength());
                pseudo = InternetChecksum.pseudoHeaderIpv4(ip.source(), ip.destination(), Ipv4Header.IPPROTO_TCP,
                        l4Length);
            } else {
                var ip = (Ipv6Header) p.network();
                Wire.putU16(seg, l3 + Ipv6Header.PAYLOAD_LENGTH_OFFSET, headers - l3 - Ipv6Header.LENGTH + chunk);
                pseudo = InternetChecksum.pseudoHeaderIpv6(ip.source(), ip.destination(), Ipv4Header.IPPROTO_TCP,
                        l4Length);
            }
            Wire.putI32(seg, l4 + TcpHeader.SEQUENCE_OFFSET, tcp.sequence() + from);
            int flags = tcp.flags();
            if (i != count - 1) {
                flags &= ~(TcpHeader.FIN | TcpHeader.PSH);
            }
            if (i != 0) {
                flags &= ~TcpHeader.CWR;
            }
            Wire.putU8(seg, l4 + TcpHeader.FLAGS_OFFSET, flags);
            Wire.putU16(seg, l4 + TcpHeader.CHECKSUM_OFFSET, 0);
            Wire.putU16(seg, l4 + TcpHeader.CHECKSUM_OFFSET, ChecksumOffload.finish(seg, l4, l4Length, pseudo, false));
            segments.add(Frame.of(seg));
        }
        return Decoded.ok(List.copyOf(segments));
    }
}
