package io.xensim.net.frame;

import io.xensim.xenbus.Decoded;
import java.lang.foreign.MemorySegment;

/**
 * An ARP packet for IPv4 over Ethernet (RFC 826), the only kind a vif carries in practice.
 * <pre>
 *  0       2       4   5   6       8              14      18             24      28
 * +-------+-------+---+---+-------+--------------+-------+--------------+-------+
 * | htype | ptype |hln|pln| oper  | sender MAC   | sender| target MAC   | target|
 * |   1   | 0x0800| 6 | 4 |       |              | IPv4  |              | IPv4  |
 * +-------+-------+---+---+-------+--------------+-------+--------------+-------+
 * </pre>
 * Decode refuses any other hardware or protocol type or address length.
 *
 * <p><b>Threading:</b> an immutable value.
 *
 * <p><b>Reference:</b> RFC 826; Linux {@code struct arphdr} ({@code ARPHRD_ETHER} 1, {@code ARPOP_REQUEST} 1,
 * {@code ARPOP_REPLY} 2).
 */
public record ArpPacket(int operation, MacAddress senderMac, Ipv4Address senderIp, MacAddress targetMac,
                        Ipv4Address targetIp) implements NetworkHeader {
    public static final int LENGTH = 28;
    /** {@code ARPHRD_ETHER}. */
    public static final int ARPHRD_ETHER = 1;
    /** {@code ARPOP_REQUEST}. */
    public static final int ARPOP_REQUEST = 1;
    /** {@code ARPOP_REPLY}. */
    public static final int ARPOP_REPLY = 2;

    public ArpPacket {
        Wire.requireU16("operation", operation);
    }

    public void encode(MemorySegment s, long offset) {
        Wire.putU16(s, offset, ARPHRD_ETHER);
        Wire.putU16(s, offset + 2, EthernetHeader.ETH_P_IP);
        Wire.putU8(s, offset + 4, MacAddress.LENGTH);
        Wire.putU8(s, offset + 5, Ipv4Address.LENGTH);
        Wire.putU16(s, offset + 6, operation);
        senderMac.write(s, offset + 8);
        senderIp.write(s, offset + 14);
        targetMac.write(s, offset + 18);
        targetIp.write(s, offset + 24);
    }

    /** Decodes the ARP packet at {@code offset}; anything but Ethernet/IPv4 ARP is malformed. */
    public static Decoded<ArpPacket> decode(MemorySegment s, long offset) {
        long available = s.byteSize() - offset;
        if (available < LENGTH) {
            return Decoded.malformed("ARP length: " + available + " (expected: >= " + LENGTH + ")");
        }
        int htype = Wire.u16(s, offset);
        int ptype = Wire.u16(s, offset + 2);
        int hlen = Wire.u8(s, offset + 4);
        int plen = Wire.u8(s, offset + 5);
        if (htype != ARPHRD_ETHER || ptype != EthernetHeader.ETH_P_IP || hlen != MacAddress.LENGTH
                || plen != Ipv4Address.LENGTH) {
            return Decoded.malformed("ARP htype/ptype/hlen/plen: " + htype + "/0x" + Integer.toHexString(ptype) + "/"
                    + hlen + "/" + plen + " (expected: 1/0x800/6/4)");
        }
        return Decoded.ok(new ArpPacket(Wire.u16(s, offset + 6), MacAddress.read(s, offset + 8),
                Ipv4Address.read(s, offset + 14), MacAddress.read(s, offset + 18), Ipv4Address.read(s, offset + 24)));
    }
}
