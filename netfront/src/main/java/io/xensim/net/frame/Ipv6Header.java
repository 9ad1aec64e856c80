package io.xensim.net.frame;

import io.xensim.xenbus.Decoded;
import java.lang.foreign.MemorySegment;

/**
 * The fixed IPv6 header (RFC 8200 section 3).
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +-------+---------------+---------------------------------------+  0
 * |version| traffic class |              flow label               |
 * +-------+---------------+-------+---------------+---------------+  4
 * |        payload length         |  next header  |   hop limit   |
 * +-------------------------------+---------------+---------------+  8
 * |                   source address (16 bytes)                   |
 * +---------------------------------------------------------------+ 24
 * |                destination address (16 bytes)                 |
 * +---------------------------------------------------------------+ 40
 * </pre>
 * Extension headers are walked by {@link FrameParser}, not here. Decode checks the version and that
 * {@code payloadLength} fits the bytes after the header.
 *
 * <p><b>Threading:</b> an immutable value.
 *
 * <p><b>Reference:</b> RFC 8200; Linux {@code struct ipv6hdr}, {@code ipv6_rcv}'s length check.
 */
public record Ipv6Header(int trafficClass, int flowLabel, int payloadLength, int nextHeader, int hopLimit,
                         Ipv6Address source, Ipv6Address destination) implements NetworkHeader {
    public static final int LENGTH = 40;
    public static final int PAYLOAD_LENGTH_OFFSET = 4;
    /** {@code NEXTHDR_HOP}: hop-by-hop options. */
    public static final int NEXTHDR_HOP = 0;
    /** {@code NEXTHDR_ROUTING}. */
    public static final int NEXTHDR_ROUTING = 43;
    /** {@code NEXTHDR_FRAGMENT}. */
    public static final int NEXTHDR_FRAGMENT = 44;
    /** {@code NEXTHDR_ICMP}: ICMPv6. */
    public static final int NEXTHDR_ICMP = 58;
    /** {@code NEXTHDR_NONE}. */
    public static final int NEXTHDR_NONE = 59;
    /** {@code NEXTHDR_DEST}: destination options. */
    public static final int NEXTHDR_DEST = 60;

    public Ipv6Header {
        Wire.requireU8("trafficClass", trafficClass);
        if (flowLabel < 0 || flowLabel > 0xfffff) {
            throw new IllegalArgumentException("flowLabel: " + flowLabel + " (expected: 20 bits)");
        }
        Wire.requireU16("payloadLength", payloadLength);
        Wire.requireU8("nextHeader", nextHeader);
        Wire.requireU8("hopLimit", hopLimit);
    }

    public void encode(MemorySegment s, long offset) {
        Wire.putI32(s, offset, 6 << 28 | trafficClass << 20 | flowLabel);
        Wire.putU16(s, offset + PAYLOAD_LENGTH_OFFSET, payloadLength);
        Wire.putU8(s, offset + 6, nextHeader);
        Wire.putU8(s, offset + 7, hopLimit);
        source.write(s, offset + 8);
        destination.write(s, offset + 24);
    }

    public static Decoded<Ipv6Header> decode(MemorySegment s, long offset) {
        long available = s.byteSize() - offset;
        if (available < LENGTH) {
            return Decoded.malformed("IPv6 length: " + available + " (expected: >= " + LENGTH + ")");
        }
        int first = Wire.i32(s, offset);
        if (first >>> 28 != 6) {
            return Decoded.malformed("IPv6 version: " + (first >>> 28) + " (expected: 6)");
        }
        int payloadLength = Wire.u16(s, offset + PAYLOAD_LENGTH_OFFSET);
        if (payloadLength > available - LENGTH) {
            return Decoded.malformed("IPv6 payload length: " + payloadLength + " (expected: <= "
                    + (available - LENGTH) + ")");
        }
        return Decoded.ok(new Ipv6Header(first >>> 20 & 0xff, first & 0xfffff, payloadLength, Wire.u8(s, offset + 6),
                Wire.u8(s, offset + 7), Ipv6Address.read(s, offset + 8), Ipv6Address.read(s, offset + 24)));
    }
}
