package io.xensim.net.frame;

/**
 * The headers of one frame as {@link FrameParser} found them, with the offsets of each layer in the frame.
 * {@code fragment} says the datagram is an IP fragment (IPv4 MF or offset, or an IPv6 fragment header with
 * either), as {@code ip_is_fragment} and {@code skb_checksum_setup_ipv6} decide it. {@code transportProtocol} is the IP protocol or the IPv6 next header after the extension headers (-1 without
 * IP); {@code payloadOffset} and {@code payloadLength} delimit the transport payload (or, without a transport
 * header, whatever follows the last header decoded); they end at the UDP length or the IP length rather than at the
 * frame's end, so that Ethernet padding is not payload.
 *
 * <p><b>Threading:</b> an immutable value.
 */
public record ParsedFrame(EthernetHeader ethernet, int networkOffset, NetworkHeader network, boolean fragment,
                          int transportProtocol, int transportOffset, TransportHeader transport, int payloadOffset,
                          int payloadLength) {

    /** The end of the transport data (the UDP length, else the IP length): where a transport checksum stops. */
    public int transportEnd() {
        return payloadOffset + payloadLength;
    }
}
