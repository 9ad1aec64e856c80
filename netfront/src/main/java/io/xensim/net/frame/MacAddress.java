package io.xensim.net.frame;

import java.lang.foreign.MemorySegment;
import java.util.HexFormat;

/**
 * A 48-bit Ethernet (IEEE 802) address, {@code bits} holding the six octets with the first on the wire as the most
 * significant. The vif's {@code mac} xenstore key and the bridge's forwarding database use it.
 *
 * <p><b>Threading:</b> an immutable value.
 *
 * <p><b>Reference:</b> Linux {@code is_multicast_ether_addr} (the I/G bit, bit 0 of the first octet),
 * {@code is_valid_ether_addr} (not multicast, not all zeros).
 */
public record MacAddress(long bits) {
    /** {@code ff:ff:ff:ff:ff:ff}. */
    public static final MacAddress BROADCAST = new MacAddress(0xffff_ffff_ffffL);
    /** {@code 00:00:00:00:00:00}, e.g. ARP's unknown target hardware address. */
    public static final MacAddress ZERO = new MacAddress(0);
    /** Octets on the wire. */
    public static final int LENGTH = 6;

    public MacAddress {
        if ((bits >>> 48) != 0) {
            throw new IllegalArgumentException("bits: 0x" + Long.toHexString(bits) + " (expected: 48 bits)");
        }
    }

    /** Parses {@code aa:bb:cc:dd:ee:ff} (the form of the vif's {@code mac} key). */
    public static MacAddress of(String text) {
        String[] parts = text.split(":", -1);
        if (parts.length != LENGTH) {
            throw new IllegalArgumentException("mac: " + text + " (expected: six colon-separated octets)");
        }
        long v = 0;
        for (String part : parts) {
            if (part.length() != 2 || !HexFormat.isHexDigit(part.charAt(0)) || !HexFormat.isHexDigit(part.charAt(1))) {
                throw new IllegalArgumentException("mac: " + text + " (expected: two hex digits per octet)");
            }
            v = v << 8 | HexFormat.fromHexDigits(part);
        }
        return new MacAddress(v);
    }

    static MacAddress read(MemorySegment s, long offset) {
        long v = (long) Wire.u16(s, offset) << 32 | Integer.toUnsignedLong(Wire.i32(s, offset + 2));
        return new MacAddress(v);
    }

    void write(MemorySegment s, long offset) {
        Wire.putU16(s, offset, (int) (bits >>> 32));
        Wire.putI32(s, offset + 2, (int) bits);
    }

    /** The I/G bit: multicast, including broadcast. */
    public boolean isMulticast() {
        return (bits & 0x0100_0000_0000L) != 0;
    }

    public boolean isBroadcast() {
        return bits == BROADCAST.bits;
    }

    /** A unicast address other than all zeros: what a bridge may learn as a source. */
    public boolean isValidUnicast() {
        return !isMulticast() && bits != 0;
    }

    @Override
    public String toString() {
        var sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8) {
            if (shift != 40) {
                sb.append(':');
            }
            sb.append(HexFormat.of().toHexDigits((byte) (bits >>> shift)));
        }
        return sb.toString();
    }
}
