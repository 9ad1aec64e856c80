package io.xensim.net.frame;

/**
 * What follows the IP header(s) of a parsed frame.
 *
 * <p><b>Threading:</b> implementations are immutable values.
 */
public sealed interface TransportHeader permits TcpHeader, UdpHeader, IcmpHeader, TransportHeader.None,
        TransportHeader.Other {
    /** No transport header: an ARP or unknown frame, or an IP fragment other than the first. */
    record None() implements TransportHeader {
    }

    /** An IP protocol this package does not decode (an IPv6 next header after the extension headers). */
    record Other(int protocol) implements TransportHeader {
    }
}
