package io.xensim.net.front;

import io.xensim.net.frame.Frame;
import io.xensim.net.frame.Offload;
import io.xensim.net.guest.GuestNetInterface.SendResult;
import io.xensim.net.protocol.NetTxFlags;
import io.xensim.net.protocol.NetifExtraInfo;
import io.xensim.net.protocol.NetifRing;
import io.xensim.net.protocol.NetifStatus;
import io.xensim.net.protocol.NetifTxRequest;
import io.xensim.net.protocol.NetifTxResponse;
import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.bus.GrantPool;
import io.xensim.xenbus.bus.XenbusDeviceException;
import io.xensim.xenbus.memory.Layouts;
import io.xensim.xenbus.ring.FrontRing;
import io.xensim.xenbus.trace.TraceEvent;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The transmit half of one netfront queue: the guest's frames become {@code netif_tx_request} slots on the TX
 * ring, and the backend's {@code netif_tx_response}s give the pages back.
 *
 * <p>Each frame is copied into fresh zeroed pages granted read-only to the backend, one slot per page; the backend
 * sees nothing of guest memory but the frame (what Linux does for an untrusted backend, XSA-403's bounce, and
 * here for every backend, since a frame handed to netfront does not live in guest memory). Requests are built as
 * values and encoded into the slots; netfront never reads a request slot back. Slot rules of io/netif.h: the
 * first slot carries the whole frame's size, {@code NETTXF_more_data} chains the rest, a GSO frame's first slot
 * has {@code NETTXF_extra_info} and is followed by its {@code XEN_NETIF_EXTRA_TYPE_GSO} slot, the checksum state
 * becomes {@code NETTXF_csum_blank}/{@code NETTXF_data_validated}, and offset+size stays inside the page. A frame
 * of at most {@code XEN_NETIF_MAX_TX_SIZE} bytes takes at most 16 pages, within
 * {@code XEN_NETIF_NR_SLOTS_MIN}, so no frame needs linearising.
 *
 * <p>While fewer than {@code XEN_NETIF_NR_SLOTS_MIN + 2} request slots are free (Linux's
 * {@code netfront_tx_slot_available}) frames wait in a bounded queue, drained as responses free slots.
 *
 * <p>Responses are copied once out of the ring ({@link FrontRing#takeResponse}). An impossible {@code rsp_prod},
 * an id out of range, a response for an id not in flight, or a grant the backend still has mapped when its
 * response came, mark the device broken.
 *
 * <p><b>Threading:</b> the guest domain's executor drives this end of the ring, and only it.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/net/xen-netfront.c ({@code xennet_start_xmit},
 * {@code xennet_make_txreqs}, {@code xennet_tx_setup_grant}, {@code xennet_tx_buf_gc},
 * {@code netfront_tx_slot_available}, {@code xennet_release_tx_bufs}).
 */
final class TxPath {
    /** {@code MAX_XEN_SKB_FRAGS + 1}: the most slots (plus one extra) a frame may need, for the ring check. */
    static final int SLOTS_RESERVED = NetifRing.XEN_NETIF_NR_SLOTS_MIN + 1;

    private final QueueOwner owner;
    private final int queueIndex;
    private final FrontRing<NetifTxRequest, NetifTxResponse> ring;
    private final Runnable kick;
    private final int txQueueLimit;
    /** {@code tx_skbs[id]}: the page of request {@code id} while it is in flight, null when the id is free. */
    private final GrantPool.DataPage[] inFlight;
    /** Whether request {@code id} is the first slot of its frame (so in-flight frames can be counted). */
    private final boolean[] frameHead;
    private final ArrayDeque<Integer> freeIds = new ArrayDeque<>();
    private final ArrayDeque<Frame> queued = new ArrayDeque<>();

    TxPath(QueueOwner owner, int queueIndex, FrontRing<NetifTxRequest, NetifTxResponse> ring, Runnable kick,
           int txQueueLimit) {
        this.owner = owner;
        this.queueIndex = queueIndex;
        this.ring = ring;
        this.kick = kick;
        this.txQueueLimit = txQueueLimit;
        this.inFlight = new GrantPool.DataPage[ring.size()];
        this.frameHead = new boolean[ring.size()];
        for (int id = 0; id < ring.size(); id++) {
            freeIds.add(id);
        }
    }

    /** {@code netfront_tx_slot_available}: room for the largest frame. */
    private boolean slotAvailable() {
        return ring.freeRequests() > SLOTS_RESERVED;
    }

    /** Sends {@code frame} now, or queues it while the ring is short of slots. */
    SendResult send(Frame frame) {
        if (queued.isEmpty() && slotAvailable()) {
            return transmit(frame) ? SendResult.SENT : SendResult.DROPPED_NO_BUFFERS;
        }
        if (queued.size() >= txQueueLimit) {
            owner.counters().countTxDropped(1);
            return SendResult.DROPPED_QUEUE_FULL;
        }
        // Copy now: the caller may reuse its buffer once send returns.
        queued.add(new Frame(MemorySegment.ofArray(frame.toByteArray()), frame.offload()));
        return SendResult.QUEUED;
    }

    int queuedFrames() {
        return queued.size();
    }

    /** Requests in flight (slots the backend has not answered). */
    int inFlightIds() {
        return ring.size() - freeIds.size();
    }

    /**
     * {@code xennet_start_xmit}: copies the frame into granted pages and puts its requests on the ring.
     * Returns false, counting a drop, if guest memory or grant entries ran out.
     */
    private boolean transmit(Frame frame) {
        int len = frame.length();
        int pages = Math.max(1, (len + Layouts.XEN_PAGE_SIZE - 1) / Layouts.XEN_PAGE_SIZE);
        Offload offload = frame.offload();
        // Grant all pages first, so that a shortage leaves nothing half on the ring.
        List<GrantPool.DataPage> granted = new ArrayList<>(pages);
        try {
            for (int i = 0; i < pages; i++) {
                granted.add(owner.device().grantPool().allocate(true));
            }
        } catch (XenbusDeviceException e) {
            granted.forEach(owner.device().grantPool()::free);
            owner.device().trace(TraceEvent.Kind.RING, "tx queue " + queueIndex + ": dropping a frame: "
                    + e.getMessage());
            owner.counters().countTxDropped(1);
            return false;
        }
        for (int i = 0; i < pages; i++) {
            int at = i * Layouts.XEN_PAGE_SIZE;
            int chunk = Math.min(Layouts.XEN_PAGE_SIZE, len - at);
            GrantPool.DataPage page = granted.get(i);
            MemorySegment.copy(frame.data(), at, page.page(), 0, chunk);
            int id = freeIds.poll();
            inFlight[id] = page;
            frameHead[id] = i == 0;
            int flags = i + 1 < pages ? NetTxFlags.NETTXF_MORE_DATA : 0;
            int size = chunk;
            if (i == 0) {
                // xennet_start_xmit(): the first slot's size is the whole packet's.
                size = len;
                flags |= switch (offload.checksum()) {
                    case PARTIAL -> NetTxFlags.NETTXF_CSUM_BLANK | NetTxFlags.NETTXF_DATA_VALIDATED;
                    case UNNECESSARY -> NetTxFlags.NETTXF_DATA_VALIDATED;
                    case NONE -> 0;
                };
                if (offload.isGso()) {
                    flags |= NetTxFlags.NETTXF_EXTRA_INFO;
                }
            }
            ring.putRequest(new NetifTxRequest(page.ref(), 0, flags, id, size));
            if (i == 0 && offload.isGso()) {
                // The GSO extra takes the next slot, with no id of its own; the backend answers it NETIF_RSP_NULL.
                var gso = new NetifExtraInfo.Gso(0, offload.gsoSize(), offload.gsoType(), 0);
                gso.encode(ring.sring().asSlice(ring.produceRequest(), ring.entrySize()));
            }
        }
        owner.counters().countTx(len);
        kick.run();
        return true;
    }

    /** {@code xennet_tx_buf_gc}: takes the responses, ends the grants and frees the ids; then sends queued frames. */
    void onEvent() {
        if (collectResponses()) {
            drainQueue();
        }
    }

    /** The response half of {@code xennet_tx_buf_gc}; false if the device is (or just became) broken. */
    private boolean collectResponses() {
        if (owner.broken()) {
            return false;
        }
        do {
            int rspProd = ring.rspProd();
            if (ring.responseProdOverflow(rspProd)) {
                owner.markBroken("Illegal number of responses " + Integer.toUnsignedString(rspProd - ring.rspCons())
                        + " (tx queue " + queueIndex + ")");
                return false;
            }
            int n = ring.unconsumedResponses();
            for (int k = 0; k < n; k++) {
                NetifTxResponse rsp = switch (ring.takeResponse()) {
                    case Decoded.Ok<NetifTxResponse>(NetifTxResponse r) -> r;
                    case Decoded.Malformed<NetifTxResponse>(String reason) -> null;
                };
                if (rsp == null) {
                    owner.markBroken("malformed tx response (tx queue " + queueIndex + ")");
                    return false;
                }
                if (!complete(rsp)) {
                    return false;
                }
            }
        } while (ring.finalCheckForResponses());
        return true;
    }

    /** One response of {@code xennet_tx_buf_gc}; false when it broke the device. */
    private boolean complete(NetifTxResponse rsp) {
        if (rsp.status() == NetifStatus.NETIF_RSP_NULL) {
            return true; // the answer to an extra-info slot
        }
        int id = rsp.id();
        if (id >= inFlight.length) {
            owner.markBroken("Response has incorrect id (" + id + ") (tx queue " + queueIndex + ")");
            return false;
        }
        GrantPool.DataPage page = inFlight[id];
        if (page == null) {
            owner.markBroken("Response for inactive request (id " + id + ", tx queue " + queueIndex + ")");
            return false;
        }
        inFlight[id] = null;
        // gnttab_end_foreign_access_ref() fails while the backend maps the page: it still reads (or writes) it.
        boolean stillMapped = owner.device().domain().grantTable().isInUse(page.ref());
        // The page goes back either way: if still mapped, it is revoked and freed once the backend unmaps it.
        owner.device().grantPool().free(page);
        if (stillMapped) {
            owner.markBroken("Grant still in use by backend domain (ref " + page.ref() + ", tx queue "
                    + queueIndex + ")");
            return false;
        }
        freeIds.add(id);
        if (rsp.status() != NetifStatus.NETIF_RSP_OKAY) {
            owner.counters().countTxError();
        }
        return true;
    }

    /** {@code xennet_maybe_wake_tx_queue}: sends what waited while slots are free. */
    void drainQueue() {
        while (!queued.isEmpty() && slotAvailable() && !owner.broken()) {
            transmit(queued.poll());
        }
    }

    /**
     * {@code xennet_release_tx_bufs}: the connection is going away; in-flight and queued frames are dropped and
     * counted, never replayed. Their pages go back with the device's grant pool. Responses the backend had already
     * written are collected first (the ring is our own page, still readable), so that a frame the backend answered
     * counts as sent, and only those it never answered count as dropped; nothing is sent meanwhile.
     */
    int dropAll() {
        collectResponses();
        int dropped = queued.size();
        queued.clear();
        for (int id = 0; id < inFlight.length; id++) {
            if (inFlight[id] != null && frameHead[id]) {
                dropped++;
            }
            inFlight[id] = null;
        }
        return dropped;
    }
}
