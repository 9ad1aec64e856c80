package io.xensim.net.frame;

import io.xensim.xenbus.Decoded;
import java.lang.foreign.MemorySegment;

/**
 * A TCP header (RFC 9293 section 3.1).
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +-------------------------------+-------------------------------+  0
 * |          source port          |       destination port        |
 * +-------------------------------+-------------------------------+  4
 * |                        sequence number                        |
 * +---------------------------------------------------------------+  8
 * |                     acknowledgment number                     |
 * +-------+-------+---------------+-------------------------------+ 12
 * | data  | (res) |C E U A P R S F|            window             |
 * | offset|       |W C R C S S Y I|                               |
 * +-------+-------+---------------+-------------------------------+ 16
 * |           checksum            |        urgent pointer         |
 * +-------------------------------+-------------------------------+ 20
 * |            options (data offset * 4 - 20 bytes)               |
 * </pre>
 * {@code headerLength} is the data offset * 4; {@code flags} the low 8 bits of bytes 12-13 (the reserved bits are
 * written as zero). As for {@link Ipv4Header}, {@link #encode} writes the fixed 20 bytes and options are the
 * caller's bytes.
 *
 * <p><b>What decode checks:</b> 20 bytes within {@code limit} (the end of the IP payload), data offset at least 5
 * and the whole header within {@code limit}.
 *
 * <p><b>Threading:</b> an immutable value.
 *
 * <p><b>Reference:</b> RFC 9293, RFC 3168 (CWR, ECE); Linux {@code struct tcphdr} ({@code check} at offset 16,
 * the {@code csum_offset} that {@code skb_checksum_setup} sets).
 */
public record TcpHeader(int sourcePort, int destinationPort, int sequence, int acknowledgment, int headerLength,
                        int flags, int window, int checksum, int urgentPointer) implements TransportHeader {
    public static final int LENGTH = 20;
    public static final int SEQUENCE_OFFSET = 4;
    public static final int FLAGS_OFFSET = 13;
    /** {@code offsetof(struct tcphdr, check)}. */
    public static final int CHECKSUM_OFFSET = 16;
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    public TcpHeader {
        Wire.requireU16("sourcePort", sourcePort);
        Wire.requireU16("destinationPort", destinationPort);
        if (headerLength < LENGTH || headerLength > 60 || headerLength % 4 != 0) {
            throw new IllegalArgumentException("headerLength: " + headerLength + " (expected: 20..60, a multiple of 4)");
        }
        Wire.requireU8("flags", flags);
        Wire.requireU16("window", window);
        Wire.requireU16("checksum", checksum);
        Wire.requireU16("urgentPointer", urgentPointer);
    }

    public void encode(MemorySegment s, long offset) {
        Wire.putU16(s, offset, sourcePort);
        Wire.putU16(s, offset + 2, destinationPort);
        Wire.putI32(s, offset + SEQUENCE_OFFSET, sequence);
        Wire.putI32(s, offset + 8, acknowledgment);
        Wire.putU8(s, offset + 12, headerLength / 4 << 4);
        Wire.putU8(s, offset + FLAGS_OFFSET, flags);
        Wire.putU16(s, offset + 14, window);
        Wire.putU16(s, offset + CHECKSUM_OFFSET, checksum);
        Wire.putU16(s, offset + 18, urgentPointer);
    }

    public static Decoded<TcpHeader> decode(MemorySegment s, long offset, long limit) {
        if (limit - offset < LENGTH) {
            return Decoded.malformed("TCP length: " + (limit - offset) + " (expected: >= " + LENGTH + ")");
        }
        int headerLength = (Wire.u8(s, offset + 12) >>> 4) * 4;
        if (headerLength < LENGTH || headerLength > limit - offset) {
            return Decoded.malformed("TCP data offset: " + headerLength / 4 + " (expected: >= 5 and within the "
                    + (limit - offset) + " bytes)");
        }
        return Decoded.ok(new TcpHeader(Wire.u16(s, offset), Wire.u16(s, offset + 2), Wire.i32(s, offset + 4),
                Wire.i32(s, offset + 8), headerLength, Wire.u8(s, offset + FLAGS_OFFSET), Wire.u16(s, offset + 14),
                Wire.u16(s, offset + CHECKSUM_OFFSET), Wire.u16(s, offset + 18)));
    }
}
