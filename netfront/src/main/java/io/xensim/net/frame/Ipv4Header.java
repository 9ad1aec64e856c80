package io.xensim.net.frame;

import io.xensim.xenbus.Decoded;
import java.lang.foreign.MemorySegment;

/**
 * An IPv4 header (RFC 791).
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +-------+-------+---------------+-------------------------------+  0
 * |version|  IHL  |   DSCP/ECN    |         total length          |
 * +-------+-------+---------------+-----+-------------------------+  4
 * |        identification         |flags|    fragment offset      |
 * +---------------+---------------+-----+-------------------------+  8
 * |      TTL      |   protocol    |        header checksum        |
 * +---------------+---------------+-------------------------------+ 12
 * |                        source address                         |
 * +---------------------------------------------------------------+ 16
 * |                      destination address                      |
 * +---------------------------------------------------------------+ 20
 * |                 options (IHL * 4 - 20 bytes)                  |
 * </pre>
 * {@code headerLength} is IHL * 4. {@link #encode} writes the 20 fixed bytes only: options, if any, are the
 * caller's bytes between 20 and {@code headerLength}, so re-encoding a decoded header over its own bytes changes
 * nothing. {@code flagsFragment} is the raw 16 bits (flags {@link #IP_DF}, {@link #IP_MF} and the offset in
 * 8-byte units).
 *
 * <p><b>What decode checks</b> (as Linux's {@code ip_rcv_core} does): version 4, IHL at least 5, the header and
 * {@code totalLength} within the bytes (bytes after {@code totalLength}, e.g. Ethernet padding, are allowed) and
 * {@code totalLength >= headerLength}. It does not check the header checksum: {@link #checksumValid} does.
 *
 * <p><b>Threading:</b> an immutable value.
 *
 * <p><b>Reference:</b> RFC 791; Linux {@code struct iphdr}, {@code ip_rcv_core}, {@code ip_is_fragment}.
 */
public record Ipv4Header(int headerLength, int dscpEcn, int totalLength, int identification, int flagsFragment,
                         int ttl, int protocol, int headerChecksum, Ipv4Address source, Ipv4Address destination)
        implements NetworkHeader {
    public static final int LENGTH = 20;
    public static final int TOTAL_LENGTH_OFFSET = 2;
    public static final int IDENTIFICATION_OFFSET = 4;
    public static final int CHECKSUM_OFFSET = 10;
    /** {@code IP_DF}: don't fragment. */
    public static final int IP_DF = 0x4000;
    /** {@code IP_MF}: more fragments. */
    public static final int IP_MF = 0x2000;
    /** {@code IP_OFFSET}: the fragment offset bits. */
    public static final int IP_OFFSET = 0x1fff;
    /** {@code IPPROTO_ICMP}. */
    public static final int IPPROTO_ICMP = 1;
    /** {@code IPPROTO_TCP}. */
    public static final int IPPROTO_TCP = 6;
    /** {@code IPPROTO_UDP}. */
    public static final int IPPROTO_UDP = 17;

    public Ipv4Header {
        if (headerLength < LENGTH || headerLength > 60 || headerLength % 4 != 0) {
            throw new IllegalArgumentException("headerLength: " + headerLength + " (expected: 20..60, a multiple of 4)");
        }
        Wire.requireU8("dscpEcn", dscpEcn);
        Wire.requireU16("totalLength", totalLength);
        Wire.requireU16("identification", identification);
        Wire.requireU16("flagsFragment", flagsFragment);
        Wire.requireU8("ttl", ttl);
        Wire.requireU8("protocol", protocol);
        Wire.requireU16("headerChecksum", headerChecksum);
    }

    /** {@code ip_is_fragment}: MF set or a non-zero offset. */
    public boolean isFragment() {
        return (flagsFragment & (IP_MF | IP_OFFSET)) != 0;
    }

    /** Writes the fixed 20 bytes at {@code offset}, the checksum field as given. */
    public void encode(MemorySegment s, long offset) {
        Wire.putU8(s, offset, 0x40 | headerLength / 4);
        Wire.putU8(s, offset + 1, dscpEcn);
        Wire.putU16(s, offset + TOTAL_LENGTH_OFFSET, totalLength);
        Wire.putU16(s, offset + IDENTIFICATION_OFFSET, identification);
        Wire.putU16(s, offset + 6, flagsFragment);
        Wire.putU8(s, offset + 8, ttl);
        Wire.putU8(s, offset + 9, protocol);
        Wire.putU16(s, offset + CHECKSUM_OFFSET, headerChecksum);
        source.write(s, offset + 12);
        destination.write(s, offset + 16);
    }

    public static Decoded<Ipv4Header> decode(MemorySegment s, long offset) {
        long available = s.byteSize() - offset;
        if (available < LENGTH) {
            return Decoded.malformed("IPv4 length: " + available + " (expected: >= " + LENGTH + ")");
        }
        int versionIhl = Wire.u8(s, offset);
        if (versionIhl >>> 4 != 4) {
            return Decoded.malformed("IPv4 version: " + (versionIhl >>> 4) + " (expected: 4)");
        }
        int headerLength = (versionIhl & 0xf) * 4;
        if (headerLength < LENGTH || headerLength > available) {
            return Decoded.malformed("IPv4 IHL: " + (versionIhl & 0xf) + " (expected: >= 5 and within the "
                    + available + " bytes)");
        }
        int totalLength = Wire.u16(s, offset + TOTAL_LENGTH_OFFSET);
        if (totalLength < headerLength || totalLength > available) {
            return Decoded.malformed("IPv4 total length: " + totalLength + " (expected: " + headerLength + ".."
                    + available + ")");
        }
        return Decoded.ok(new Ipv4Header(headerLength, Wire.u8(s, offset + 1), totalLength,
                Wire.u16(s, offset + IDENTIFICATION_OFFSET), Wire.u16(s, offset + 6), Wire.u8(s, offset + 8),
                Wire.u8(s, offset + 9), Wire.u16(s, offset + CHECKSUM_OFFSET), Ipv4Address.read(s, offset + 12),
                Ipv4Address.read(s, offset + 16)));
    }

    /** Whether the header at {@code offset}, {@code headerLength} bytes long, carries a correct checksum. */
    public static boolean checksumValid(MemorySegment s, long offset, int headerLength) {
        return InternetChecksum.checksum(s, offset, headerLength) == 0;
    }

    /** Computes and writes the header checksum of the header at {@code offset}. */
    public static void fillChecksum(MemorySegment s, long offset, int headerLength) {
        Wire.putU16(s, offset + CHECKSUM_OFFSET, 0);
        Wire.putU16(s, offset + CHECKSUM_OFFSET, InternetChecksum.checksum(s, offset, headerLength));
    }
}
