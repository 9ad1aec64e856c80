package io.xensim.net.protocol;

/**
 * The {@code status} values of tx and rx responses ({@code NETIF_RSP_*}, xen/io/netif.h; 4.17 has no
 * {@code XEN_NETIF_RSP_*} spelling). On the rx ring a non-negative status is instead the byte count of the
 * fragment.
 */
public final class NetifStatus {
    /** {@code NETIF_RSP_DROPPED}: the packet was dropped (e.g. too many slots, or no room). */
    public static final int NETIF_RSP_DROPPED = -2;
    /** {@code NETIF_RSP_ERROR}: the request was invalid or could not be carried out. */
    public static final int NETIF_RSP_ERROR = -1;
    /** {@code NETIF_RSP_OKAY}. */
    public static final int NETIF_RSP_OKAY = 0;
    /** {@code NETIF_RSP_NULL}: the answer to a slot that carried a {@link NetifExtraInfo}; no real response. */
    public static final int NETIF_RSP_NULL = 1;

    private NetifStatus() {
    }
}
