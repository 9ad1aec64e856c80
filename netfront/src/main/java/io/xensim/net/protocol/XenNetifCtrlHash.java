package io.xensim.net.protocol;

/**
 * The hash types and algorithms set over the control ring and reported in {@link NetifExtraInfo.Hash} extras
 * ({@code XEN_NETIF_CTRL_HASH_*}, xen/io/netif.h). The {@code _XEN_NETIF_CTRL_HASH_TYPE_*} constants are bit numbers
 * (what a hash extra carries), the {@code XEN_NETIF_CTRL_HASH_TYPE_*} ones masks (what SET/GET_HASH_FLAGS carry).
 */
public final class XenNetifCtrlHash {
    /** {@code _XEN_NETIF_CTRL_HASH_TYPE_IPV4}: over the IPv4 source and destination addresses (8 bytes). */
    public static final int _XEN_NETIF_CTRL_HASH_TYPE_IPV4 = 0;
    public static final int XEN_NETIF_CTRL_HASH_TYPE_IPV4 = 1 << _XEN_NETIF_CTRL_HASH_TYPE_IPV4;
    /** {@code _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP}: IPv4 addresses and TCP ports (12 bytes). */
    public static final int _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP = 1;
    public static final int XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP = 1 << _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP;
    /** {@code _XEN_NETIF_CTRL_HASH_TYPE_IPV6}: over the IPv6 source and destination addresses (32 bytes). */
    public static final int _XEN_NETIF_CTRL_HASH_TYPE_IPV6 = 2;
    public static final int XEN_NETIF_CTRL_HASH_TYPE_IPV6 = 1 << _XEN_NETIF_CTRL_HASH_TYPE_IPV6;
    /** {@code _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP}: IPv6 addresses and TCP ports (36 bytes). */
    public static final int _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP = 3;
    public static final int XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP = 1 << _XEN_NETIF_CTRL_HASH_TYPE_IPV6_TCP;

    /** {@code XEN_NETIF_CTRL_HASH_ALGORITHM_NONE}: hashing off; netback steers packets as it likes. */
    public static final int XEN_NETIF_CTRL_HASH_ALGORITHM_NONE = 0;
    /** {@code XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ}: the Toeplitz hash with the key set by SET_HASH_KEY. */
    public static final int XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ = 1;

    private XenNetifCtrlHash() {
    }
}
