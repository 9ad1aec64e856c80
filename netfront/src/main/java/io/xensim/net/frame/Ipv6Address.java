package io.xensim.net.frame;

import java.lang.foreign.MemorySegment;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IPv6 address as two 64-bit halves in network order ({@code high} holds the first eight octets).
 *
 * <p><b>Threading:</b> an immutable value.
 */
public record Ipv6Address(long high, long low) {
    public static final int LENGTH = 16;

    /** Parses an IPv6 literal such as {@code fd00::1} (no name lookup). */
    public static Ipv6Address of(String literal) {
        InetAddress a = InetAddress.ofLiteral(literal);
        if (!(a instanceof Inet6Address)) {
            throw new IllegalArgumentException("literal: " + literal + " (expected: an IPv6 address)");
        }
        return read(MemorySegment.ofArray(a.getAddress()), 0);
    }

    static Ipv6Address read(MemorySegment s, long offset) {
        return new Ipv6Address(s.get(Wire.BE64, offset), s.get(Wire.BE64, offset + 8));
    }

    void write(MemorySegment s, long offset) {
        s.set(Wire.BE64, offset, high);
        s.set(Wire.BE64, offset + 8, low);
    }

    @Override
    public String toString() {
        byte[] b = new byte[LENGTH];
        write(MemorySegment.ofArray(b), 0);
        try {
            return Inet6Address.getByAddress(null, b, -1).getHostAddress();
        } catch (UnknownHostException e) {
            throw new AssertionError("sixteen bytes are always an IPv6 address", e);
        }
    }
}
