package io.xensim.net.frame;

import java.lang.foreign.MemorySegment;

/**
 * The internet checksum of RFC 1071: the ones' complement of the ones' complement sum of 16-bit big-endian words,
 * an odd last byte padded with a zero byte. IPv4 headers, ICMP, ICMPv6, UDP and TCP all use it; UDP, TCP and
 * ICMPv6 add a pseudo-header (RFC 768, RFC 9293 section 3.1, RFC 8200 section 8.1).
 *
 * <p>{@link #sum} returns an unfolded partial sum that can be continued ({@code csum_partial} in Linux, whose
 * {@code __wsum} is the same idea); {@link #fold} reduces it to 16 bits without complementing ({@code csum_fold}
 * complements, this does not: the pseudo-header value written for {@code CHECKSUM_PARTIAL} is the uncomplemented
 * fold). The sum is taken over 32-bit words, which RFC 1071 section 2(B) shows gives the same folded result.
 *
 * <p><b>Threading:</b> stateless.
 *
 * <p><b>Reference:</b> RFC 1071; Linux {@code csum_partial}, {@code csum_fold}, {@code csum_tcpudp_magic} and
 * {@code csum_ipv6_magic} for which pseudo-header fields enter the sum.
 */
public final class InternetChecksum {
    private InternetChecksum() {
    }

    /** Adds the bytes {@code [offset, offset + length)} of {@code s} to the partial sum {@code initial}. */
    public static long sum(MemorySegment s, long offset, long length, long initial) {
        long acc = initial;
        long i = offset;
        long end = offset + length;
        // Fewer than 2^32 words of 32 bits each fit in a long without overflow: any frame is far smaller.
        for (; i + 4 <= end; i += 4) {
            acc += Integer.toUnsignedLong(s.get(Wire.BE32, i));
        }
        if (i + 2 <= end) {
            acc += (long) Wire.u16(s, i) << 16;
            i += 2;
            if (i < end) {
                acc += (long) Wire.u8(s, i) << 8;
            }
        } else if (i < end) {
            acc += (long) Wire.u8(s, i) << 24;
        }
        return acc;
    }

    /** The ones' complement sum of the partial sum, folded to 16 bits (not complemented). */
    public static int fold(long sum) {
        long s = sum;
        while ((s >>> 16) != 0) {
            s = (s & 0xffff) + (s >>> 16);
        }
        return (int) s;
    }

    /** The checksum of the bytes: {@code ~fold(sum)} in 16 bits. A region that holds a correct checksum gives 0. */
    public static int checksum(MemorySegment s, long offset, long length) {
        return ~fold(sum(s, offset, length, 0)) & 0xffff;
    }

    /** The partial sum of the IPv4 pseudo-header: addresses, zero, protocol, and the TCP/UDP length. */
    public static long pseudoHeaderIpv4(Ipv4Address src, Ipv4Address dst, int protocol, int length) {
        return Integer.toUnsignedLong(src.bits()) + Integer.toUnsignedLong(dst.bits()) + protocol + length;
    }

    /** The partial sum of the IPv6 pseudo-header: addresses, the upper-layer length (32 bits), next header. */
    public static long pseudoHeaderIpv6(Ipv6Address src, Ipv6Address dst, int nextHeader, long length) {
        return words(src.high()) + words(src.low()) + words(dst.high()) + words(dst.low()) + length + nextHeader;
    }

    private static long words(long v) {
        return (v >>> 32) + (v & 0xffff_ffffL);
    }
}
