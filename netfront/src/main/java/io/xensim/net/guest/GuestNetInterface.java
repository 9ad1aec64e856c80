package io.xensim.net.guest;

import io.xensim.net.frame.Frame;
import io.xensim.net.frame.MacAddress;
import java.util.function.Consumer;

/**
 * The guest's network interface: what the guest's network stack sees of a NIC, the same whether the NIC is
 * netfront (a Xen PV vif) or an emulated card. It sends and receives whole Ethernet frames, with the
 * {@link io.xensim.net.frame.Offload} state the NIC negotiated ({@link #offloads()}): a guest may hand a 64 KiB
 * TCP segment marked GSO to a NIC that negotiated it, or a frame whose checksum is left blank.
 *
 * <p><b>Sending</b> never blocks and never spins. A frame the NIC cannot put on its ring at once (the ring is short
 * of slots: the backend is slow or stalled) waits in a transmit queue of at most {@link #txQueueLimit()} frames,
 * as Linux's qdisc holds packets while a driver has stopped its queue; it leaves that queue when the backend
 * completes earlier frames. When the queue is full the frame is refused with
 * {@link SendResult#DROPPED_QUEUE_FULL} and counted in {@link NetCounters#txDropped()}: a stalled backend costs
 * the guest dropped frames, never a hang. {@link #send} says which of these happened.
 *
 * <p><b>Threading:</b> every method runs on the guest domain's executor; the receiver is called there too.
 *
 * <p><b>Reference:</b> Linux's {@code net_device} as a driver exposes it ({@code ndo_start_xmit},
 * {@code netif_receive_skb}, {@code dev_addr}, {@code mtu}, {@code netif_carrier_ok}, {@code ndo_get_stats64},
 * {@code dev->features}) and {@code netif_tx_stop_queue}/{@code netif_tx_wake_queue} for the transmit queue.
 */
public interface GuestNetInterface {
    /** What {@link #send} did with a frame. */
    enum SendResult {
        /** Written to the ring: the backend has it (or will, on its next look at the ring). */
        SENT,
        /** The ring is short of slots: waiting in the transmit queue for the backend to complete frames. */
        QUEUED,
        /** The transmit queue holds {@link #txQueueLimit()} frames already (a stalled backend): dropped. */
        DROPPED_QUEUE_FULL,
        /** The link is down or the NIC disabled itself (see {@link #linkState()}): dropped. */
        DROPPED_LINK_DOWN,
        /** Longer than the MTU allows (or than the wire format can carry) without GSO: dropped. */
        DROPPED_TOO_BIG,
        /** Guest memory or grant entries ran out while copying the frame for the backend: dropped. */
        DROPPED_NO_BUFFERS,
        /** Asks for an offload the NIC did not negotiate (e.g. GSO TCPv6 without it): dropped. */
        DROPPED_OFFLOAD_NOT_NEGOTIATED
    }

    /** The link as the guest sees it ({@code netif_carrier_ok}, plus netfront's "disabled for further use"). */
    enum LinkState {
        /** Not connected (yet, or any more). */
        DOWN,
        UP,
        /**
         * The backend broke the protocol in a way that makes the device untrustworthy: it neither sends nor
         * receives until it reconnects (Linux netfront's {@code info->broken}).
         */
        BROKEN
    }

    MacAddress mac();

    /** The MTU: the largest IP packet without GSO (the Ethernet header comes on top). */
    int mtu();

    LinkState linkState();

    /** The offloads negotiated with the other end; {@link NetOffloads#NONE} while not connected. */
    NetOffloads offloads();

    NetCounters counters();

    /** Sends one frame; the frame's bytes are copied before this returns. */
    SendResult send(Frame frame);

    /** Sets who receives the frames that arrive (replacing the previous receiver). */
    void setReceiver(Consumer<Frame> receiver);

    /** Frames waiting in the transmit queue. */
    int txQueued();

    /** The most frames the transmit queue holds ({@code txqueuelen}). */
    int txQueueLimit();
}
