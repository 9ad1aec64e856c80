package io.xensim.net.back;

import io.xensim.net.frame.ChecksumOffload;
import io.xensim.net.frame.EthernetHeader;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.MacAddress;
import io.xensim.net.frame.Offload;
import io.xensim.net.protocol.NetTxFlags;
import io.xensim.net.protocol.NetifExtraInfo;
import io.xensim.net.protocol.NetifStatus;
import io.xensim.net.protocol.NetifTxRequest;
import io.xensim.net.protocol.NetifTxResponse;
import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.Domain;
import io.xensim.xenbus.Domid;
import io.xensim.xenbus.grant.GnttabCopy;
import io.xensim.xenbus.grant.GnttabStatus;
import io.xensim.xenbus.memory.Layouts;
import io.xensim.xenbus.ring.BackRing;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * The guest-to-bridge half of a queue: reads the frontend's tx requests (each slot copied out of the ring before
 * it is looked at), counts a packet's slots and extras as Linux does, grant-copies the data of a batch of packets
 * out of the guest in one {@code GNTTABOP_copy} call, builds each {@link Frame} with the {@link Offload} its flags
 * and GSO extra give, sends it into the vif's bridge, and answers every slot ({@code NETIF_RSP_OKAY},
 * {@code NETIF_RSP_ERROR}, {@code NETIF_RSP_NULL} for extra slots), pushing responses and notifying per ring.h.
 * A request with a multicast extra updates the vif's {@link VifMcastFilter} instead of carrying a packet.
 *
 * <p>A frontend's bad requests end as Linux 6.1 ends them. Fatal (the vif is disabled, nothing more is read):
 * {@code req_prod} more than a ring ahead, a {@code more_data} chain past {@code req_prod}, a missing or invalid
 * extra, {@code fatal_skb_slots} ({@value #FATAL_SKB_SLOTS}) slots, a slot crossing its page's end, a GSO extra
 * with size 0 or an unknown type. Dropped with {@code NETIF_RSP_ERROR} for each of the packet's slots (the vif
 * stays up): more than {@code XEN_NETBK_LEGACY_SLOTS_MAX} ({@value #XEN_NETBK_LEGACY_SLOTS_MAX}) slots, a
 * follow-on slot larger than what remains of the packet, a first slot shorter than an Ethernet header, a grant
 * that does not copy.
 *
 * <p><b>Threading:</b> the backend domain's executor, including a {@code tx=timer} window's expiry: with real
 * threads {@link TxTimers} hands it over to that executor; in INVOKER mode {@link #doWork} runs it there.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/net/xen-netback/netback.c ({@code xenvif_tx_build_gops},
 * {@code xenvif_count_requests}, {@code xenvif_get_extras}, {@code xenvif_set_skb_gso}, {@code xenvif_tx_err},
 * {@code make_tx_response}, {@code xenvif_tx_check_gop}, {@code xenvif_tx_submit}, {@code checksum_setup}).
 */
public final class TxPath {
    /** {@code XEN_NETBK_LEGACY_SLOTS_MAX}: packets with more slots are dropped. */
    public static final int XEN_NETBK_LEGACY_SLOTS_MAX = 18;
    /** {@code fatal_skb_slots}' default ({@code FATAL_SKB_SLOTS_DEFAULT}): this many slots is malicious. */
    public static final int FATAL_SKB_SLOTS = 20;
    /** Pages of dom0 memory the data of one batch is copied into (one per slot). */
    static final int STAGING_PAGES = 64;

    private final NetbackQueue queue;
    private final BackRing<NetifTxRequest, NetifTxResponse> ring;
    private final Domain dom0;
    private final int otherend;
    private final MemorySegment slot = Arena.ofAuto().allocate(NetifTxRequest.LENGTH, 8);
    private final Staging staging;
    private final long stagingGfn;
    private final GnttabCopy[] ops;
    private final List<Packet> batch = new ArrayList<>();
    private int pagesUsed;

    private final TxPolicy policy;
    /** {@link TxPolicy.Mode#TIMER}: when the armed timer fires, and when it was armed; {@code NO_TIMER} if not. */
    private long timerDeadlineNs = NO_TIMER;
    private long wokenAtNs;
    static final long NO_TIMER = Long.MIN_VALUE;
    /** With real threads: who closes the window (null in INVOKER mode, where {@link #doWork} does). */
    private final TxTimers timers;
    /** The armed expiry with real threads, and the window it belongs to (a cancelled one may still run). */
    private java.util.concurrent.Future<?> timerTask;
    private long windowSeq;
    private long windows;
    private long expiries;

    private long packets;
    private long bytes;
    private long errors;
    private long dropped;
    private long wakeups;
    private long copyCalls;
    private long notificationsIn;
    private long notificationsOut;
    private final LatencyHistogram latency = new LatencyHistogram();

    /** One packet of a batch: its requests (first with its own data size), extras, and where its data went. */
    private record Packet(NetifTxRequest first, int totalSize, List<NetifTxRequest> slots, int extraCount,
                          int gsoType, int gsoSize, int firstOp) {
    }

    TxPath(NetbackQueue queue, BackRing<NetifTxRequest, NetifTxResponse> ring, Domain dom0, int otherend,
            TxPolicy policy, TxTimers timers) {
        this.queue = queue;
        this.timers = timers;
        this.policy = policy;
        this.ring = ring;
        this.dom0 = dom0;
        this.otherend = otherend;
        this.staging = Staging.allocate(dom0, STAGING_PAGES, "tx");
        this.stagingGfn = staging.gfn();
        this.ops = staging.ops();
    }

    /** Packets sent into the bridge. */
    public long packets() {
        return packets;
    }

    public long bytes() {
        return bytes;
    }

    /** Packets answered with {@code NETIF_RSP_ERROR} (dropped, the vif up). */
    public long errors() {
        return errors;
    }

    /** Packets copied but dropped afterwards (checksum setup failed, no bridge). */
    public long dropped() {
        return dropped;
    }

    /** Runs of the tx path that served the ring (per notification, or per timer expiry). */
    public long wakeups() {
        return wakeups;
    }

    /** Notifications received on the tx channel. */
    public long notificationsIn() {
        return notificationsIn;
    }

    /** Notifications sent to the frontend for tx responses. */
    public long notificationsOut() {
        return notificationsOut;
    }

    /** Packets sent into the bridge per wake-up. */
    public double packetsPerWakeup() {
        return wakeups == 0 ? 0 : (double) packets / wakeups;
    }

    /**
     * Per packet, from the notification that woke the tx path (that armed the timer) to the packet's delivery into
     * the bridge, on the hypervisor's clock. A packet pushed without a notification (the frontend saw no need)
     * counts from that earlier wake-up: an upper bound.
     */
    public LatencyHistogram latency() {
        return latency;
    }

    public TxPolicy policy() {
        return policy;
    }

    /** True while a {@link TxPolicy.Mode#TIMER} window is open. */
    public boolean timerArmed() {
        return timerDeadlineNs != NO_TIMER;
    }

    /**
     * A notification on the tx channel: serve now ({@code IMMEDIATE}); or arm the window, leaving notifications
     * off ({@code TIMER}); a notification while the window is open flushes at once, as QEMU's does.
     */
    void onNotify(long nowNs) {
        notificationsIn++;
        if (policy.mode() == TxPolicy.Mode.IMMEDIATE) {
            wokenAtNs = nowNs;
            run();
        } else if (timerArmed()) {
            cancelTimer();
            run();
        } else {
            timerDeadlineNs = nowNs + policy.windowNs();
            wokenAtNs = nowNs;
            windows++;
            if (timers != null) {
                // virtio_net_handle_tx_timer: timer_mod on the first kick; the expiry runs on this executor.
                long seq = ++windowSeq;
                timerTask = timers.arm(dom0.executor(), policy.windowNs(), () -> expire(seq));
            }
        }
    }

    /** With real threads, {@code virtio_net_tx_timer}: window {@code seq} closed; serve unless it was cancelled. */
    private void expire(long seq) {
        if (seq != windowSeq || !timerArmed() || !queue.running()) {
            return;
        }
        timerDeadlineNs = NO_TIMER;
        timerTask = null;
        expiries++;
        run();
    }

    /** Closes the window without serving ({@code timer_del}); the ring is served by the caller or not at all. */
    void cancelTimer() {
        timerDeadlineNs = NO_TIMER;
        windowSeq++;
        if (timerTask != null) {
            timerTask.cancel(false);
            timerTask = null;
        }
    }

    /** With real threads: the open window's expiry is scheduled on netback's timer thread and has not run. */
    public boolean timerPending() {
        return timerTask != null && !timerTask.isDone();
    }

    /** {@link TxPolicy.Mode#TIMER}: windows opened (one per notification that found no window open). */
    public long windows() {
        return windows;
    }

    /** {@link TxPolicy.Mode#TIMER}: windows that closed by expiry and served the ring (doWork or the timer thread). */
    public long expiries() {
        return expiries;
    }

    /** The timer: serves the ring if the window has closed. Returns 1 if it did. */
    int doWork(long nowNs) {
        if (!timerArmed() || nowNs - timerDeadlineNs < 0 || !queue.running()) {
            return 0;
        }
        timerDeadlineNs = NO_TIMER;
        expiries++;
        run();
        return 1;
    }

    /** {@code GNTTABOP_copy} calls made. */
    public long copyCalls() {
        return copyCalls;
    }

    void release() {
        cancelTimer();
        staging.release();
    }

    /** {@code xenvif_tx_action} until the ring is empty, then {@code RING_FINAL_CHECK_FOR_REQUESTS}. */
    void run() {
        wakeups++;
        do {
            while (queue.running() && buildBatch()) {
                submitBatch();
            }
            submitBatch();
            if (!queue.running()) {
                return;
            }
        } while (ring.finalCheckForRequests());
    }

    /**
     * {@code xenvif_fatal_tx_err}: the packets built before the bad one still go out ({@code xenvif_tx_action}
     * copies and submits what {@code xenvif_tx_build_gops} built before it broke off); then the vif is disabled
     * and the ring is not touched again. The bad packet gets no response.
     */
    private void fatal(String cause) {
        submitBatch();
        queue.fatal(cause);
    }

    /** Reads packets while there are requests and staging pages; true if it stopped for want of pages. */
    private boolean buildBatch() {
        while (true) {
            if (STAGING_PAGES - pagesUsed < XEN_NETBK_LEGACY_SLOTS_MAX + 1) { // room for the largest packet kept
                return true;
            }
            int reqProd = ring.reqProd();
            int reqCons = ring.reqCons();
            if (Integer.compareUnsigned(reqProd - reqCons, ring.size()) > 0) {
                fatal("Impossible number of requests. req_prod " + Integer.toUnsignedString(reqProd)
                        + ", req_cons " + Integer.toUnsignedString(reqCons) + ", size " + ring.size());
                return false;
            }
            int workToDo = ring.unconsumedRequests();
            if (workToDo <= 0) {
                return false;
            }
            NetifTxRequest txreq = copySlot(reqCons);
            ring.consumeRequest();
            workToDo--;
            int extraCount = 0;
            int gsoType = NetifExtraInfo.XEN_NETIF_GSO_TYPE_NONE;
            int gsoSize = 0;
            boolean gso = false;
            MacAddress mcastAdd = null;
            MacAddress mcastDel = null;
            if ((txreq.flags() & NetTxFlags.NETTXF_EXTRA_INFO) != 0) {
                // xenvif_get_extras
                int more;
                do {
                    if (workToDo <= 0) {
                        fatal("Missing extra info");
                        return false;
                    }
                    ring.copyRequest(ring.reqCons(), slot);
                    int type = NetifExtraInfo.type(slot);
                    more = NetifExtraInfo.flags(slot) & NetifExtraInfo.XEN_NETIF_EXTRA_FLAG_MORE;
                    if (type == NetifExtraInfo.XEN_NETIF_EXTRA_TYPE_NONE
                            || type >= NetifExtraInfo.XEN_NETIF_EXTRA_TYPE_MAX) {
                        ring.consumeRequest();
                        fatal("Invalid extra type: " + type);
                        return false;
                    }
                    if (type == NetifExtraInfo.XEN_NETIF_EXTRA_TYPE_GSO) {
                        gso = true;
                        gsoSize = Layouts.u16(slot.get(Layouts.U16, NetifExtraInfo.GSO_SIZE_OFFSET));
                        gsoType = Layouts.u8(slot.get(Layouts.U8, NetifExtraInfo.GSO_TYPE_OFFSET));
                    } else if (type == NetifExtraInfo.XEN_NETIF_EXTRA_TYPE_MCAST_ADD
                            || type == NetifExtraInfo.XEN_NETIF_EXTRA_TYPE_MCAST_DEL) {
                        // extras[type - 1]: a later extra of the same type replaces an earlier one.
                        if (NetifExtraInfo.decode(slot) instanceof Decoded.Ok<NetifExtraInfo>(var extra)) {
                            switch (extra) {
                                case NetifExtraInfo.McastAdd a -> mcastAdd = new MacAddress(a.addr());
                                case NetifExtraInfo.McastDel d -> mcastDel = new MacAddress(d.addr());
                                default -> throw new AssertionError(extra);
                            }
                        }
                    }
                    ring.consumeRequest();
                    workToDo--;
                    extraCount++;
                } while (more != 0);
            }
            if (mcastAdd != null || mcastDel != null) {
                // xenvif_tx_build_gops: a request carrying a multicast extra is a filter update, not a packet.
                multicastUpdate(txreq, extraCount, mcastAdd, mcastDel);
                continue;
            }
            // xenvif_count_requests: the follow-on slots, read without consuming them.
            int totalSize = txreq.size();
            int remaining = totalSize;
            List<NetifTxRequest> slots = new ArrayList<>();
            int cons = ring.reqCons();
            int counted = 0;
            String dropReason = null;
            boolean moreData = (txreq.flags() & NetTxFlags.NETTXF_MORE_DATA) != 0;
            while (moreData) {
                if (counted >= workToDo) {
                    fatal("Asked for " + workToDo + " slots but exceeds this limit");
                    return false;
                }
                if (counted >= FATAL_SKB_SLOTS) {
                    fatal("Malicious frontend using " + counted + " slots, threshold " + FATAL_SKB_SLOTS);
                    return false;
                }
                if (dropReason == null && counted >= XEN_NETBK_LEGACY_SLOTS_MAX) {
                    dropReason = "Too many slots (" + counted + ") exceeding limit (" + XEN_NETBK_LEGACY_SLOTS_MAX
                            + "), dropping packet";
                }
                NetifTxRequest txp = copySlot(cons + counted);
                if (dropReason == null && txp.size() > remaining) {
                    dropReason = "Invalid tx request, slot size " + txp.size() + " > remaining size " + remaining;
                }
                remaining = (remaining - txp.size()) & 0xffff; // first->size -= txp->size, a u16
                counted++;
                if (txp.offset() + txp.size() > Layouts.XEN_PAGE_SIZE) {
                    fatal("Cross page boundary, txp->offset: " + txp.offset() + ", size: " + txp.size());
                    return false;
                }
                moreData = (txp.flags() & NetTxFlags.NETTXF_MORE_DATA) != 0;
                slots.add(txp);
            }
            NetifTxRequest first = new NetifTxRequest(txreq.gref(), txreq.offset(), txreq.flags(), txreq.id(),
                    remaining);
            if (dropReason != null) {
                dropWithErrors(first, extraCount, slots, dropReason);
                continue;
            }
            if (first.size() < EthernetHeader.LENGTH) {
                dropWithErrors(first, extraCount, slots, "Bad packet size: " + first.size());
                continue;
            }
            if (first.offset() + first.size() > Layouts.XEN_PAGE_SIZE) {
                fatal("Cross page boundary, txreq.offset: " + first.offset() + ", size: " + first.size());
                return false;
            }
            if (gso) {
                // xenvif_set_skb_gso
                if (gsoSize == 0) {
                    fatal("GSO size must not be zero.");
                    return false;
                }
                if (gsoType != NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV4
                        && gsoType != NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV6) {
                    fatal("Bad GSO type " + gsoType + ".");
                    return false;
                }
            }
            for (int i = 0; i < counted; i++) {
                ring.consumeRequest();
            }
            slots.addFirst(first);
            int firstOp = pagesUsed;
            for (NetifTxRequest s : slots) {
                ops[pagesUsed].set(Integer.toUnsignedLong(s.gref()), otherend, s.offset(), stagingGfn + pagesUsed,
                        Domid.DOMID_SELF, 0, s.size(), GnttabCopy.GNTCOPY_source_gref);
                pagesUsed++;
            }
            batch.add(new Packet(first, totalSize, slots, extraCount, gsoType, gsoSize, firstOp));
        }
    }

    private NetifTxRequest copySlot(int index) {
        ring.copyRequest(index, slot);
        return switch (NetifTxRequest.decode(slot)) {
            case Decoded.Ok<NetifTxRequest>(NetifTxRequest r) -> r;
            case Decoded.Malformed<NetifTxRequest>(String reason) ->
                    throw new AssertionError("every 12-byte netif_tx_request decodes: " + reason);
        };
    }

    /**
     * An {@code XEN_NETIF_EXTRA_TYPE_MCAST_ADD} (checked first, as Linux does) or {@code _MCAST_DEL} on the vif's
     * filter ({@link VifMcastFilter}): the request is answered {@code NETIF_RSP_OKAY}, or {@code NETIF_RSP_ERROR} for
     * an add past {@code XEN_NETBK_MCAST_MAX}, and its extras {@code NETIF_RSP_NULL}; its data is not read.
     */
    private void multicastUpdate(NetifTxRequest txreq, int extraCount, MacAddress add, MacAddress del) {
        submitBatch(); // responses go out in request order
        int status = NetifStatus.NETIF_RSP_OKAY;
        if (add != null) {
            if (!queue.vif().mcast().add(add)) {
                queue.trace("Too many multicast addresses (adding " + add + ")"); // netdev_err, rate-limited
                status = NetifStatus.NETIF_RSP_ERROR;
            }
        } else {
            queue.vif().mcast().delete(del);
        }
        makeResponse(txreq, extraCount, status);
        pushResponses();
    }

    /** {@code xenvif_tx_err}: {@code NETIF_RSP_ERROR} for the first slot (NULL for its extras) and each follow-on. */
    private void dropWithErrors(NetifTxRequest first, int extraCount, List<NetifTxRequest> slots, String reason) {
        submitBatch(); // responses go out in request order
        queue.trace("dropping packet id " + first.id() + ": " + reason); // netdev_dbg in Linux
        makeResponse(first, extraCount, NetifStatus.NETIF_RSP_ERROR);
        for (NetifTxRequest s : slots) {
            ring.consumeRequest();
            makeResponse(s, 0, NetifStatus.NETIF_RSP_ERROR);
        }
        errors++;
        pushResponses();
    }

    /** {@code make_tx_response}: the slot's status, then {@code NETIF_RSP_NULL} for each extra slot after it. */
    private void makeResponse(NetifTxRequest req, int extraCount, int status) {
        ring.putResponse(new NetifTxResponse(req.id(), status));
        for (int i = 0; i < extraCount; i++) {
            ring.putResponse(new NetifTxResponse(0, NetifStatus.NETIF_RSP_NULL));
        }
    }

    private void pushResponses() {
        if (ring.pushResponsesAndCheckNotify()) {
            notificationsOut++;
            queue.notifyTx("tx rsp_prod " + Integer.toUnsignedString(ring.rspProd()));
        }
    }

    /** One {@code GNTTABOP_copy} for the batch, then {@code xenvif_tx_check_gop} and {@code xenvif_tx_submit}. */
    private void submitBatch() {
        if (batch.isEmpty()) {
            return;
        }
        dom0.grantOps().copy(ops, pagesUsed);
        copyCalls++;
        long now = queue.nowNs();
        for (Packet p : batch) {
            boolean ok = true;
            for (int i = 0; i < p.slots().size(); i++) {
                if (ops[p.firstOp() + i].status != GnttabStatus.GNTST_okay) {
                    queue.trace("Grant copy failed status " + GnttabStatus.name(ops[p.firstOp() + i].status)
                            + " (slot " + i + " of packet id " + p.first().id() + ")");
                    ok = false;
                }
            }
            int status = ok ? NetifStatus.NETIF_RSP_OKAY : NetifStatus.NETIF_RSP_ERROR;
            makeResponse(p.slots().getFirst(), p.extraCount(), status);
            for (int i = 1; i < p.slots().size(); i++) {
                makeResponse(p.slots().get(i), 0, status);
            }
            if (!ok) {
                errors++;
                continue;
            }
            deliver(p, now);
        }
        batch.clear();
        pagesUsed = 0;
        pushResponses();
    }

    /** {@code xenvif_tx_submit}: the frame, its checksum state and GSO, {@code checksum_setup}, into the bridge. */
    private void deliver(Packet p, long now) {
        int length = 0;
        for (NetifTxRequest s : p.slots()) {
            length += s.size();
        }
        byte[] bytes = new byte[length];
        MemorySegment data = MemorySegment.ofArray(bytes);
        int at = 0;
        for (int i = 0; i < p.slots().size(); i++) {
            int n = p.slots().get(i).size();
            MemorySegment.copy(dom0.memory().frame(stagingGfn + p.firstOp() + i), 0, data, at, n);
            at += n;
        }
        int flags = p.first().flags();
        Offload offload = Offload.NONE;
        if ((flags & NetTxFlags.NETTXF_CSUM_BLANK) != 0) {
            offload = new Offload(Offload.Checksum.PARTIAL, 0, 0, NetifExtraInfo.XEN_NETIF_GSO_TYPE_NONE, 0);
        } else if ((flags & NetTxFlags.NETTXF_DATA_VALIDATED) != 0) {
            offload = new Offload(Offload.Checksum.UNNECESSARY, 0, 0, NetifExtraInfo.XEN_NETIF_GSO_TYPE_NONE, 0);
        }
        if (p.gsoType() != NetifExtraInfo.XEN_NETIF_GSO_TYPE_NONE) {
            offload = offload.withGso(p.gsoType(), p.gsoSize());
        }
        Frame frame = new Frame(data, offload);
        // checksum_setup: a GSO packet without csum_blank is made partial and its pseudo-header recalculated.
        if (offload.checksum() == Offload.Checksum.PARTIAL || offload.isGso()) {
            boolean recalculate = offload.checksum() != Offload.Checksum.PARTIAL;
            switch (ChecksumOffload.setup(frame, recalculate)) {
                case Decoded.Ok<Frame>(Frame f) -> frame = f;
                case Decoded.Malformed<Frame>(String reason) -> {
                    queue.trace("Can't setup checksum in net_tx_action: " + reason);
                    dropped++;
                    return;
                }
            }
        }
        var bridge = queue.vif().bridge();
        if (bridge.isEmpty()) {
            dropped++;
            return;
        }
        packets++;
        this.bytes += length;
        latency.record(now - wokenAtNs);
        bridge.get().receive(queue.vif(), frame, now);
    }
}
