package io.xensim.net.frame;

import io.xensim.xenbus.Decoded;
import java.lang.foreign.MemorySegment;

/**
 * An Ethernet II header, optionally with one IEEE 802.1Q tag.
 * <pre>
 *  0                   6                   12        14        16        18
 * +-------------------+-------------------+---------+---------+---------+
 * | destination (6)   | source (6)        | type    |  (802.1Q only:)   |
 * |                   |                   | 0x8100  | TCI     | type    |
 * +-------------------+-------------------+---------+---------+---------+
 * </pre>
 * {@code vlanTci} is {@link #NO_VLAN} for an untagged frame; {@code etherType} is the type after any tag (a value
 * below {@code 0x0600} is an IEEE 802.3 length, kept as it is). The frame check sequence is not part of a frame
 * here: netif carries frames without it, as Linux's skbs do, and pcap's LINKTYPE_ETHERNET omits it too.
 *
 * <p><b>Threading:</b> an immutable value.
 *
 * <p><b>Reference:</b> IEEE 802.3 clause 3, IEEE 802.1Q clause 9; Linux {@code struct ethhdr} and
 * {@code struct vlan_ethhdr} ({@code ETH_HLEN} 14, {@code VLAN_ETH_HLEN} 18).
 */
public record EthernetHeader(MacAddress destination, MacAddress source, int vlanTci, int etherType) {
    /** {@code ETH_HLEN}. */
    public static final int LENGTH = 14;
    /** {@code VLAN_ETH_HLEN}. */
    public static final int VLAN_LENGTH = 18;
    /** {@code ETH_ZLEN}: the shortest frame on the wire without its FCS; shorter frames are padded with zeros. */
    public static final int ETH_ZLEN = 60;
    public static final int DESTINATION_OFFSET = 0;
    public static final int SOURCE_OFFSET = 6;
    public static final int TYPE_OFFSET = 12;
    /** {@code ETH_P_IP}. */
    public static final int ETH_P_IP = 0x0800;
    /** {@code ETH_P_ARP}. */
    public static final int ETH_P_ARP = 0x0806;
    /** {@code ETH_P_8021Q}. */
    public static final int ETH_P_8021Q = 0x8100;
    /** {@code ETH_P_IPV6}. */
    public static final int ETH_P_IPV6 = 0x86dd;
    /** {@link #vlanTci} of an untagged frame. */
    public static final int NO_VLAN = -1;

    public EthernetHeader {
        if (vlanTci != NO_VLAN) {
            Wire.requireU16("vlanTci", vlanTci);
        }
        Wire.requireU16("etherType", etherType);
    }

    /** An untagged header. */
    public EthernetHeader(MacAddress destination, MacAddress source, int etherType) {
        this(destination, source, NO_VLAN, etherType);
    }

    /** 14, or 18 with a tag: where the network header starts. */
    public int length() {
        return vlanTci == NO_VLAN ? LENGTH : VLAN_LENGTH;
    }

    public void encode(MemorySegment s, long offset) {
        destination.write(s, offset + DESTINATION_OFFSET);
        source.write(s, offset + SOURCE_OFFSET);
        if (vlanTci == NO_VLAN) {
            Wire.putU16(s, offset + TYPE_OFFSET, etherType);
        } else {
            Wire.putU16(s, offset + TYPE_OFFSET, ETH_P_8021Q);
            Wire.putU16(s, offset + TYPE_OFFSET + 2, vlanTci);
            Wire.putU16(s, offset + TYPE_OFFSET + 4, etherType);
        }
    }

    /** Decodes the header at the start of {@code frame}; a frame too short for it is malformed. */
    public static Decoded<EthernetHeader> decode(MemorySegment frame) {
        if (frame.byteSize() < LENGTH) {
            return Decoded.malformed("frame length: " + frame.byteSize() + " (expected: >= " + LENGTH + ")");
        }
        var dst = MacAddress.read(frame, DESTINATION_OFFSET);
        var src = MacAddress.read(frame, SOURCE_OFFSET);
        int type = Wire.u16(frame, TYPE_OFFSET);
        if (type != ETH_P_8021Q) {
            return Decoded.ok(new EthernetHeader(dst, src, NO_VLAN, type));
        }
        if (frame.byteSize() < VLAN_LENGTH) {
            return Decoded.malformed("802.1Q frame length: " + frame.byteSize() + " (expected: >= " + VLAN_LENGTH
                    + ")");
        }
        return Decoded.ok(new EthernetHeader(dst, src, Wire.u16(frame, TYPE_OFFSET + 2),
                Wire.u16(frame, TYPE_OFFSET + 4)));
    }

    /** The destination address of a frame of at least 6 bytes, read without decoding the rest. */
    public static MacAddress destination(MemorySegment frame) {
        return MacAddress.read(frame, DESTINATION_OFFSET);
    }

    /** The source address of a frame of at least 12 bytes, read without decoding the rest. */
    public static MacAddress source(MemorySegment frame) {
        return MacAddress.read(frame, SOURCE_OFFSET);
    }

    /** The mutable half of {@link FrameBuilder}: addresses and tag before the EtherType is known. */
    static final class Builder {
        private final MacAddress destination;
        private final MacAddress source;
        int vlanTci = NO_VLAN;

        Builder(MacAddress destination, MacAddress source) {
            this.destination = destination;
            this.source = source;
        }

        EthernetHeader build(int etherType) {
            return new EthernetHeader(destination, source, vlanTci, etherType);
        }
    }
}
