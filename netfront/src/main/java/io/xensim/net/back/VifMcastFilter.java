package io.xensim.net.back;

import io.xensim.net.frame.EthernetHeader;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.MacAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The multicast filter of one vif ({@code feature-multicast-control}): while the frontend asks for it
 * ({@code request-multicast-control} = 1, watched, so it may change while connected:
 * {@code feature-dynamic-multicast-control}), a frame for a multicast group (not broadcast) reaches the guest only
 * if the frontend added the group with an {@code XEN_NETIF_EXTRA_TYPE_MCAST_ADD} extra on its tx ring; the others
 * are dropped at {@code xenvif_start_xmit} and counted in the vif's {@code tx_dropped}. At most
 * {@value #XEN_NETBK_MCAST_MAX} groups: one more is refused ({@code NETIF_RSP_ERROR}). Adding a group twice
 * lists it twice and a delete removes one entry, as Linux's list does. The list is emptied when the data rings go
 * ({@code xenvif_mcast_addr_list_free} in {@code xenvif_disconnect_data}).
 *
 * <p>Linux's netfront never asks for filtering; a frontend that does (the Windows PV drivers, a scripted one in
 * tests) gets it.
 *
 * <p><b>Threading:</b> the backend domain's executor (the tx path adds and deletes, the bridge's transmit matches,
 * the xenstore watch switches it on and off).
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/net/xen-netback/interface.c ({@code xenvif_start_xmit}: the
 * {@code PACKET_MULTICAST} check), netback.c ({@code xenvif_mcast_add}, {@code xenvif_mcast_del},
 * {@code xenvif_mcast_match}, {@code xenvif_mcast_addr_list_free}), xenbus.c ({@code xen_mcast_ctrl_changed},
 * {@code xen_register_mcast_ctrl_watch}), common.h ({@code XEN_NETBK_MCAST_MAX}).
 */
public final class VifMcastFilter {
    /** {@code XEN_NETBK_MCAST_MAX}: groups a frontend may add. */
    public static final int XEN_NETBK_MCAST_MAX = 64;

    private final List<MacAddress> feMcastAddr = new ArrayList<>();
    private boolean multicastControl;

    /** {@code vif->multicast_control}: whether the frontend asked for filtering. */
    public boolean enabled() {
        return multicastControl;
    }

    void setEnabled(boolean on) {
        multicastControl = on;
    }

    /** The groups added, in order (a group added twice appears twice). */
    public List<MacAddress> groups() {
        return List.copyOf(feMcastAddr);
    }

    /** {@code xenvif_mcast_add}: false when {@value #XEN_NETBK_MCAST_MAX} groups are already listed. */
    boolean add(MacAddress addr) {
        if (feMcastAddr.size() >= XEN_NETBK_MCAST_MAX) {
            return false;
        }
        feMcastAddr.add(addr);
        return true;
    }

    /** {@code xenvif_mcast_del}: removes one entry of {@code addr}, if listed. */
    void delete(MacAddress addr) {
        feMcastAddr.remove(addr);
    }

    /** {@code xenvif_mcast_addr_list_free}. */
    void clear() {
        feMcastAddr.clear();
    }

    /**
     * {@code xenvif_start_xmit}'s check: true if {@code frame} must be dropped, i.e. filtering is on, the frame is
     * for a multicast group ({@code PACKET_MULTICAST}: the I/G bit, but not broadcast) and the group is not listed.
     */
    boolean filters(Frame frame) {
        if (!multicastControl || frame.length() < EthernetHeader.LENGTH) {
            return false;
        }
        MacAddress dst = EthernetHeader.destination(frame.data());
        return dst.isMulticast() && !dst.isBroadcast() && !feMcastAddr.contains(dst);
    }
}
