package io.xensim.net.frame;

/**
 * What follows the Ethernet header of a parsed frame.
 *
 * <p><b>Threading:</b> implementations are immutable values.
 */
public sealed interface NetworkHeader permits ArpPacket, Ipv4Header, Ipv6Header, NetworkHeader.Other {
    /** An EtherType this package does not decode; its bytes are left as they are. */
    record Other(int etherType) implements NetworkHeader {
    }
}
