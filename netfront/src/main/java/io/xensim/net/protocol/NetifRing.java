package io.xensim.net.protocol;

import io.xensim.xenbus.memory.Layouts;
import io.xensim.xenbus.ring.RingSize;
import io.xensim.xenbus.ring.RingType;
import io.xensim.xenbus.ring.SlotLayout;

/**
 * The geometry of the three netif rings ({@code DEFINE_RING_TYPES(netif_tx, ...)}, {@code (netif_rx, ...)} and
 * {@code (xen_netif_ctrl, ...)} in xen/io/netif.h) and the packet limits that apply on them.
 *
 * <p>A ring entry is a union of the request and the response, so its size is the larger of the two; the number of
 * entries in one 4096-byte page follows ring.h's {@code __CONST_RING_SIZE} ({@link RingSize}). Netif rings are
 * always one page. (The entry sizes are written as conditionals, not {@code Math.max}, so that they stay compile-time
 * constants.)
 */
public final class NetifRing {
    /**
     * {@code XEN_NETIF_NR_SLOTS_MIN}: the number of data slots per packet a backend must at least accept (a floor
     * for backends, not a negotiated maximum; Linux netfront never sends more, Linux netback tolerates a few more).
     */
    public static final int XEN_NETIF_NR_SLOTS_MIN = 18;
    /** {@code XEN_NETIF_MAX_TX_SIZE}: the largest packet a tx request's {@code size} can announce. */
    public static final int XEN_NETIF_MAX_TX_SIZE = 0xFFFF;

    /** {@code sizeof(union netif_tx_sring_entry)}: max(12, 4). */
    public static final int TX_ENTRY_LENGTH =
            NetifTxRequest.LENGTH > NetifTxResponse.LENGTH ? NetifTxRequest.LENGTH : NetifTxResponse.LENGTH;
    /** {@code sizeof(union netif_rx_sring_entry)}: max(8, 8). */
    public static final int RX_ENTRY_LENGTH =
            NetifRxRequest.LENGTH > NetifRxResponse.LENGTH ? NetifRxRequest.LENGTH : NetifRxResponse.LENGTH;
    /** {@code sizeof(union xen_netif_ctrl_sring_entry)}: max(16, 12). */
    public static final int CTRL_ENTRY_LENGTH =
            XenNetifCtrlRequest.LENGTH > XenNetifCtrlResponse.LENGTH
                    ? XenNetifCtrlRequest.LENGTH : XenNetifCtrlResponse.LENGTH;

    /** {@code __CONST_RING_SIZE(netif_tx, 4096)}. */
    public static final int TX_RING_SIZE = RingSize.entries(Layouts.XEN_PAGE_SIZE, TX_ENTRY_LENGTH);
    /** {@code __CONST_RING_SIZE(netif_rx, 4096)}. */
    public static final int RX_RING_SIZE = RingSize.entries(Layouts.XEN_PAGE_SIZE, RX_ENTRY_LENGTH);
    /** {@code __CONST_RING_SIZE(xen_netif_ctrl, 4096)}. */
    public static final int CTRL_RING_SIZE = RingSize.entries(Layouts.XEN_PAGE_SIZE, CTRL_ENTRY_LENGTH);

    /** {@code DEFINE_RING_TYPES(netif_tx, struct netif_tx_request, struct netif_tx_response)}. */
    public static final RingType<NetifTxRequest, NetifTxResponse> TX = RingType.of("netif_tx",
            SlotLayout.of("netif_tx_request", NetifTxRequest.LENGTH, NetifTxRequest::encode, NetifTxRequest::decode),
            SlotLayout.of("netif_tx_response", NetifTxResponse.LENGTH, NetifTxResponse::encode,
                    NetifTxResponse::decode));
    /** {@code DEFINE_RING_TYPES(netif_rx, struct netif_rx_request, struct netif_rx_response)}. */
    public static final RingType<NetifRxRequest, NetifRxResponse> RX = RingType.of("netif_rx",
            SlotLayout.of("netif_rx_request", NetifRxRequest.LENGTH, NetifRxRequest::encode, NetifRxRequest::decode),
            SlotLayout.of("netif_rx_response", NetifRxResponse.LENGTH, NetifRxResponse::encode,
                    NetifRxResponse::decode));
    /** {@code DEFINE_RING_TYPES(xen_netif_ctrl, struct xen_netif_ctrl_request, struct xen_netif_ctrl_response)}. */
    public static final RingType<XenNetifCtrlRequest, XenNetifCtrlResponse> CTRL = RingType.of("xen_netif_ctrl",
            SlotLayout.of("xen_netif_ctrl_request", XenNetifCtrlRequest.LENGTH, XenNetifCtrlRequest::encode,
                    XenNetifCtrlRequest::decode),
            SlotLayout.of("xen_netif_ctrl_response", XenNetifCtrlResponse.LENGTH, XenNetifCtrlResponse::encode,
                    XenNetifCtrlResponse::decode));

    /** {@code struct xen_netif_gref} entries in one grant list page for ADD/DEL_GREF_MAPPING. */
    public static final int GREFS_PER_PAGE = Layouts.XEN_PAGE_SIZE / XenNetifGref.LENGTH;

    private NetifRing() {
    }
}
