package io.xensim.net.frame;

import io.xensim.xenbus.Decoded;
import java.lang.foreign.MemorySegment;

/**
 * The first 8 bytes of an ICMP (RFC 792) or ICMPv6 (RFC 4443) message: type, code, checksum and the 32-bit
 * rest of header, which for echo request/reply is identifier and sequence number. ICMP's checksum covers the
 * message; ICMPv6's also covers the IPv6 pseudo-header.
 *
 * <p><b>Threading:</b> an immutable value.
 *
 * <p><b>Reference:</b> RFC 792, RFC 4443 section 4.1-4.2; Linux {@code struct icmphdr}/{@code struct icmp6hdr}.
 */
public record IcmpHeader(int type, int code, int checksum, int restOfHeader) implements TransportHeader {
    public static final int LENGTH = 8;
    public static final int CHECKSUM_OFFSET = 2;
    /** {@code ICMP_ECHOREPLY}. */
    public static final int ICMP_ECHOREPLY = 0;
    /** {@code ICMP_ECHO}. */
    public static final int ICMP_ECHO = 8;
    /** {@code ICMPV6_ECHO_REQUEST}. */
    public static final int ICMPV6_ECHO_REQUEST = 128;
    /** {@code ICMPV6_ECHO_REPLY}. */
    public static final int ICMPV6_ECHO_REPLY = 129;

    public IcmpHeader {
        Wire.requireU8("type", type);
        Wire.requireU8("code", code);
        Wire.requireU16("checksum", checksum);
    }

    /** An echo request or reply header (code 0) with its identifier and sequence number. */
    public static IcmpHeader echo(int type, int identifier, int sequence) {
        Wire.requireU16("identifier", identifier);
        Wire.requireU16("sequence", sequence);
        return new IcmpHeader(type, 0, 0, identifier << 16 | sequence);
    }

    public int identifier() {
        return restOfHeader >>> 16;
    }

    public int sequence() {
        return restOfHeader & 0xffff;
    }

    public void encode(MemorySegment s, long offset) {
        Wire.putU8(s, offset, type);
        Wire.putU8(s, offset + 1, code);
        Wire.putU16(s, offset + CHECKSUM_OFFSET, checksum);
        Wire.putI32(s, offset + 4, restOfHeader);
    }

    public static Decoded<IcmpHeader> decode(MemorySegment s, long offset, long limit) {
        if (limit - offset < LENGTH) {
            return Decoded.malformed("ICMP length: " + (limit - offset) + " (expected: >= " + LENGTH + ")");
        }
        return Decoded.ok(new IcmpHeader(Wire.u8(s, offset), Wire.u8(s, offset + 1),
                Wire.u16(s, offset + CHECKSUM_OFFSET), Wire.i32(s, offset + 4)));
    }
}
