package io.xensim.net.frame;

import io.xensim.xenbus.Decoded;
import java.lang.foreign.MemorySegment;

/**
 * A UDP header (RFC 768): source port, destination port, length (header plus data), checksum; 8 bytes, each
 * field 16 bits. A zero checksum over IPv4 means "none"; a computed zero is sent as {@code 0xffff}.
 *
 * <p><b>What decode checks:</b> the 8 bytes are there, {@code length >= 8} and within {@code limit}, the end of
 * the IP payload.
 *
 * <p><b>Threading:</b> an immutable value.
 *
 * <p><b>Reference:</b> RFC 768; Linux {@code struct udphdr} ({@code check} at offset 6, the
 * {@code csum_offset} that {@code skb_checksum_setup} sets).
 */
public record UdpHeader(int sourcePort, int destinationPort, int length, int checksum) implements TransportHeader {
    public static final int LENGTH = 8;
    public static final int LENGTH_OFFSET = 4;
    /** {@code offsetof(struct udphdr, check)}. */
    public static final int CHECKSUM_OFFSET = 6;

    public UdpHeader {
        Wire.requireU16("sourcePort", sourcePort);
        Wire.requireU16("destinationPort", destinationPort);
        Wire.requireU16("length", length);
        Wire.requireU16("checksum", checksum);
    }

    public void encode(MemorySegment s, long offset) {
        Wire.putU16(s, offset, sourcePort);
        Wire.putU16(s, offset + 2, destinationPort);
        Wire.putU16(s, offset + LENGTH_OFFSET, length);
        Wire.putU16(s, offset + CHECKSUM_OFFSET, checksum);
    }

    /** Decodes the header at {@code offset}; {@code limit} is the end of the IP payload. */
    public static Decoded<UdpHeader> decode(MemorySegment s, long offset, long limit) {
        if (limit - offset < LENGTH) {
            return Decoded.malformed("UDP length: " + (limit - offset) + " bytes (expected: >= " + LENGTH + ")");
        }
        int length = Wire.u16(s, offset + LENGTH_OFFSET);
        if (length < LENGTH || length > limit - offset) {
            return Decoded.malformed("UDP length field: " + length + " (expected: 8.." + (limit - offset) + ")");
        }
        return Decoded.ok(new UdpHeader(Wire.u16(s, offset), Wire.u16(s, offset + 2), length,
                Wire.u16(s, offset + CHECKSUM_OFFSET)));
    }
}
