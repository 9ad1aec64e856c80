package io.xensim.net.bridge;

/**
 * The offloads a port's device accepts on the frames the bridge transmits to it: for a vif, what the frontend
 * negotiated ({@code feature-gso-tcpv4}, {@code feature-gso-tcpv6}, and checksum offload, which netback always
 * offers for IPv4 and with {@code feature-ipv6-csum-offload} for IPv6). A frame needing an offload the port lacks
 * is segmented ({@code skb_gso_segment}) or has its checksum completed ({@code skb_checksum_help}) on the way out,
 * as Linux's {@code validate_xmit_skb} does.
 *
 * <p><b>Threading:</b> an immutable value.
 */
public record PortOffloads(boolean checksumPartial, boolean gsoTcpv4, boolean gsoTcpv6) {
    /** A port that takes only complete, MTU-sized frames (an emulated RTL8139, a guest without offloads). */
    public static final PortOffloads NONE = new PortOffloads(false, false, false);
    /** A port that takes partial checksums and TCP GSO of both versions. */
    public static final PortOffloads ALL = new PortOffloads(true, true, true);
}
