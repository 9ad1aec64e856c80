package io.xensim.net.guest;

import io.xensim.net.frame.Frame;
import io.xensim.net.protocol.NetifExtraInfo;

/**
 * The offloads a guest's NIC negotiated with the other end, as Linux netfront turns the backend's features into
 * {@code dev->features} ({@code xennet_fix_features}): scatter-gather, IPv4 and IPv6 checksum offload, and TCP
 * segmentation for IPv4 and IPv6 (which need scatter-gather).
 *
 * <p><b>Threading:</b> an immutable value.
 *
 * <p><b>Reference:</b> Linux drivers/net/xen-netfront.c ({@code xennet_fix_features}).
 */
public record NetOffloads(boolean sg, boolean ipv4Csum, boolean ipv6Csum, boolean gsoTcpv4, boolean gsoTcpv6) {
    /** Nothing negotiated (not connected). */
    public static final NetOffloads NONE = new NetOffloads(false, false, false, false, false);

    public NetOffloads {
        if ((gsoTcpv4 || gsoTcpv6) && !sg) {
            throw new IllegalArgumentException("gso without sg: " + gsoTcpv4 + "/" + gsoTcpv6
                    + " (expected: TSO only with scatter-gather, as NETIF_F_TSO depends on NETIF_F_SG)");
        }
    }

    /** Whether {@code frame}'s GSO type, if any, was negotiated. */
    public boolean allowsGso(Frame frame) {
        return switch (frame.offload().gsoType()) {
            case NetifExtraInfo.XEN_NETIF_GSO_TYPE_NONE -> true;
            case NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV4 -> gsoTcpv4;
            case NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV6 -> gsoTcpv6;
            default -> false;
        };
    }
}
