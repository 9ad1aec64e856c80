package io.xensim.net.frame;

import java.lang.foreign.MemorySegment;
import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * An IPv4 address, {@code bits} in network order as an int (the first octet most significant).
 *
 * <p><b>Threading:</b> an immutable value.
 */
public record Ipv4Address(int bits) {
    public static final int LENGTH = 4;

    /** Parses a dotted-quad literal such as {@code 10.0.0.1} (no name lookup). */
    public static Ipv4Address of(String literal) {
        return new Ipv4Address(Wire.i32(MemorySegment.ofArray(Inet4Address.ofLiteral(literal).getAddress()), 0));
    }

    static Ipv4Address read(MemorySegment s, long offset) {
        return new Ipv4Address(Wire.i32(s, offset));
    }

    void write(MemorySegment s, long offset) {
        Wire.putI32(s, offset, bits);
    }

    @Override
    public String toString() {
        return (bits >>> 24) + "." + (bits >>> 16 & 0xff) + "." + (bits >>> 8 & 0xff) + "." + (bits & 0xff);
    }

    /** For tests and logs: the same address as a JDK value. */
    public InetAddress toInetAddress() {
        byte[] a = {(byte) (bits >>> 24), (byte) (bits >>> 16), (byte) (bits >>> 8), (byte) bits};
        try {
            return InetAddress.getByAddress(a);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError("four bytes are always an IPv4 address", e);
        }
    }
}
