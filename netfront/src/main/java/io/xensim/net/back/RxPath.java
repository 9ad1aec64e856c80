package io.xensim.net.back;

import io.xensim.net.frame.Frame;
import io.xensim.net.frame.Offload;
import io.xensim.net.protocol.NetRxFlags;
import io.xensim.net.protocol.NetifExtraInfo;
import io.xensim.net.protocol.NetifRing;
import io.xensim.net.protocol.NetifRxRequest;
import io.xensim.net.protocol.NetifRxResponse;
import io.xensim.net.protocol.NetifStatus;
import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.Domain;
import io.xensim.xenbus.Domid;
import io.xensim.xenbus.grant.GnttabCopy;
import io.xensim.xenbus.grant.GnttabStatus;
import io.xensim.xenbus.memory.Layouts;
import io.xensim.xenbus.ring.BackRing;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

/**
 * The bridge-to-guest half of a queue: frames the bridge hands the vif wait here (bounded in bytes: past
 * {@link #XENVIF_RX_QUEUE_BYTES} the {@link NetdevTxQueue} in front stops and holds them), and go into
 * the pages the guest posted on the rx ring, each page's worth grant-copied in batches of up to
 * {@value #COPY_BATCH_SIZE} {@code GNTTABOP_copy} ops per call. The first slot of a frame carries
 * {@code NETRXF_csum_blank}/{@code NETRXF_data_validated} per the frame's checksum state and, for a GSO frame,
 * {@code NETRXF_extra_info} with the GSO extra in the next slot; {@code NETRXF_more_data} chains slots of a frame
 * longer than a page. A frontend without {@code feature-sg} takes no frame longer than a page: such frames are
 * dropped at the vif (Linux keeps them off by the MTU; its netdev never hands such a vif a non-linear skb). When
 * the posted pages run out, {@code req_event} asks the frontend to notify when it posts more.
 *
 * <p><b>Threading:</b> the backend domain's executor; {@link #enqueue} is called by the bridge on it too.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/net/xen-netback/rx.c ({@code xenvif_rx_queue_tail},
 * {@code xenvif_rx_ring_slots_available}, {@code xenvif_rx_skb}, {@code xenvif_rx_data_slot},
 * {@code xenvif_rx_extra_slot}, {@code xenvif_rx_copy_flush}: a failed copy makes that slot's status
 * {@code NETIF_RSP_ERROR}).
 */
public final class RxPath {
    /** {@code COPY_BATCH_SIZE}: grant-copy ops gathered before one {@code GNTTABOP_copy}. */
    public static final int COPY_BATCH_SIZE = 64;
    /** {@code XENVIF_RX_QUEUE_BYTES}: half a ring of pages waiting; more is dropped. */
    public static final long XENVIF_RX_QUEUE_BYTES = (long) NetifRing.RX_RING_SIZE / 2 * Layouts.XEN_PAGE_SIZE;

    private final NetbackQueue queue;
    private final BackRing<NetifRxRequest, NetifRxResponse> ring;
    private final Domain dom0;
    private final int otherend;
    private final VifFlags flags;
    private final ArrayDeque<Frame> waiting = new ArrayDeque<>();
    private final MemorySegment slot = Arena.ofAuto().allocate(NetifRxRequest.LENGTH, 8);
    private final Staging staging;
    private final long stagingGfn;
    private final GnttabCopy[] ops;
    private final int[] opResponse = new int[COPY_BATCH_SIZE];
    private int nops;
    private long waitingBytes;
    private boolean scheduled;

    private long packets;
    private long bytes;
    private long dropped;
    private long errors;
    private long wakeups;
    private long copyCalls;
    private long notificationsOut;

    RxPath(NetbackQueue queue, BackRing<NetifRxRequest, NetifRxResponse> ring, Domain dom0, int otherend,
            VifFlags flags) {
        this.queue = queue;
        this.ring = ring;
        this.dom0 = dom0;
        this.otherend = otherend;
        this.flags = flags;
        this.staging = Staging.allocate(dom0, COPY_BATCH_SIZE, "rx");
        this.stagingGfn = staging.gfn();
        this.ops = staging.ops();
    }

    /** Frames copied into the guest. */
    public long packets() {
        return packets;
    }

    public long bytes() {
        return bytes;
    }

    /**
     * Frames dropped here (too long for a frontend without sg, queue not running, purged when the device goes
     * down); those refused because the queue was full are the vif's {@link Vif#txDropped}.
     */
    public long dropped() {
        return dropped;
    }

    /** Slots answered with {@code NETIF_RSP_ERROR} because their grant did not copy. */
    public long errors() {
        return errors;
    }

    public long wakeups() {
        return wakeups;
    }

    public long copyCalls() {
        return copyCalls;
    }

    /** Notifications sent to the frontend for rx responses. */
    public long notificationsOut() {
        return notificationsOut;
    }

    /** Frames waiting for posted pages. */
    public int waiting() {
        return waiting.size();
    }

    void release() {
        staging.release();
    }

    void purge() {
        dropped += waiting.size();
        waiting.clear();
        waitingBytes = 0;
    }

    /** What {@link #queueTail} did with a frame. */
    enum Tail {
        /** Queued for the guest. */
        QUEUED,
        /** Refused: the queue already holds {@link #XENVIF_RX_QUEUE_BYTES} or more; the caller stops its queue. */
        FULL,
        /** Dropped and counted here: the queue is not running, or the frame is too long for a frontend without sg. */
        DROPPED
    }

    /**
     * {@code xenvif_rx_queue_tail}, then a kick of the rx work. A full queue refuses the frame without counting it:
     * {@link NetdevTxQueue} (xenvif_start_xmit) stops the netdev queue and counts the drop in the vif.
     */
    Tail queueTail(Frame frame) {
        if (!queue.running() || (!flags.sg() && frame.length() > Layouts.XEN_PAGE_SIZE)) {
            dropped++;
            return Tail.DROPPED;
        }
        if (waitingBytes >= XENVIF_RX_QUEUE_BYTES) {
            return Tail.FULL;
        }
        waiting.add(frame);
        waitingBytes += frame.length();
        if (!scheduled) {
            scheduled = true;
            dom0.executor().execute(() -> {
                scheduled = false;
                if (queue.running()) {
                    run();
                }
            });
        }
        return Tail.QUEUED;
    }

    private boolean gsoExtra(Frame f) {
        int t = f.offload().gsoType();
        return (t == NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV4 && flags.gsoTcpv4())
                || (t == NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV6 && flags.gsoTcpv6());
    }

    /** {@code xenvif_rx_action}: as many waiting frames as posted pages allow, then push and notify. */
    void run() {
        wakeups++;
        while (!waiting.isEmpty() && queue.running()) {
            Frame f = waiting.peekFirst();
            int needed = (f.length() + Layouts.XEN_PAGE_SIZE - 1) / Layouts.XEN_PAGE_SIZE + (gsoExtra(f) ? 1 : 0);
            if (!slotsAvailable(Math.max(needed, 1))) {
                break;
            }
            waiting.pollFirst();
            waitingBytes -= f.length();
            if (waitingBytes < XENVIF_RX_QUEUE_BYTES) {
                queue.netdev().wake(); // xenvif_rx_dequeue: netif_tx_wake_queue below the limit
            }
            put(f);
        }
        flush();
    }

    /** {@code xenvif_rx_ring_slots_available}: else {@code req_event = req_prod + 1}, checked once more. */
    private boolean slotsAvailable(int needed) {
        while (true) {
            int prod = ring.reqProd();
            if (Math.min(prod - ring.reqCons(), ring.unconsumedRequests()) >= needed) {
                return true;
            }
            ring.sring().set(Layouts.U32, io.xensim.xenbus.ring.SringDescriptor.REQ_EVENT_OFFSET, prod + 1); // req_event
            java.lang.invoke.VarHandle.fullFence(); // mb(): req_event before re-reading req_prod
            if (ring.reqProd() == prod) {
                return false;
            }
        }
    }

    private NetifRxRequest takeRequest() {
        ring.copyRequest(ring.reqCons(), slot);
        ring.consumeRequest();
        return switch (NetifRxRequest.decode(slot)) {
            case Decoded.Ok<NetifRxRequest>(NetifRxRequest r) -> r;
            case Decoded.Malformed<NetifRxRequest>(String reason) ->
                    throw new AssertionError("every 8-byte netif_rx_request decodes: " + reason);
        };
    }

    /** {@code xenvif_rx_skb}: the data slots, the GSO extra after the first. */
    private void put(Frame f) {
        int length = f.length();
        int done = 0;
        boolean extraDue = gsoExtra(f);
        int slotNo = 0;
        do {
            NetifRxRequest req = takeRequest();
            if (slotNo != 0 && extraDue) {
                extraDue = false;
                long off = ring.produceResponse();
                var extra = new NetifExtraInfo.Gso(0, f.offload().gsoSize(), f.offload().gsoType(), 0);
                extra.encode(ring.sring().asSlice(off, NetifRxResponse.LENGTH));
            } else {
                int chunk = Math.min(Layouts.XEN_PAGE_SIZE, length - done);
                int rspFlags = 0;
                if (slotNo == 0) {
                    if (f.offload().checksum() == Offload.Checksum.PARTIAL) {
                        rspFlags |= NetRxFlags.NETRXF_CSUM_BLANK | NetRxFlags.NETRXF_DATA_VALIDATED;
                    } else if (f.offload().checksum() == Offload.Checksum.UNNECESSARY) {
                        rspFlags |= NetRxFlags.NETRXF_DATA_VALIDATED;
                    }
                    if (extraDue) {
                        rspFlags |= NetRxFlags.NETRXF_EXTRA_INFO;
                    }
                }
                if (done + chunk < length) {
                    rspFlags |= NetRxFlags.NETRXF_MORE_DATA;
                }
                int rspIndex = ring.rspProdPvt();
                ring.putResponse(new NetifRxResponse(req.id(), 0, rspFlags, chunk));
                if (nops == COPY_BATCH_SIZE) {
                    flushCopies();
                }
                MemorySegment.copy(f.data(), done, dom0.memory().frame(stagingGfn + nops), 0, chunk);
                ops[nops].set(stagingGfn + nops, Domid.DOMID_SELF, 0, Integer.toUnsignedLong(req.gref()), otherend,
                        0, chunk, GnttabCopy.GNTCOPY_dest_gref);
                opResponse[nops++] = rspIndex;
                done += chunk;
            }
            slotNo++;
        } while (done < length || extraDue);
        packets++;
        bytes += length;
    }

    /** {@code xenvif_rx_copy_flush}: one copy call; a failed op makes its slot {@code NETIF_RSP_ERROR}. */
    private void flushCopies() {
        if (nops == 0) {
            return;
        }
        dom0.grantOps().copy(ops, nops);
        copyCalls++;
        for (int i = 0; i < nops; i++) {
            if (ops[i].status != GnttabStatus.GNTST_okay) {
                errors++;
                queue.trace("rx grant copy to ref " + Long.toUnsignedString(ops[i].destU) + " failed: "
                        + GnttabStatus.name(ops[i].status));
                MemorySegment rsp = ring.getResponse(opResponse[i]);
                rsp.set(Layouts.U16, NetifRxResponse.STATUS_OFFSET, (short) NetifStatus.NETIF_RSP_ERROR);
            }
        }
        nops = 0;
    }

    private void flush() {
        flushCopies();
        if (ring.pushResponsesAndCheckNotify()) {
            notificationsOut++;
            queue.notifyRx("rx rsp_prod " + Integer.toUnsignedString(ring.rspProd()));
        }
    }
}
