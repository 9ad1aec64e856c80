package io.xensim.net.front;

import io.xensim.net.frame.ChecksumOffload;
import io.xensim.net.frame.EthernetHeader;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.Offload;
import io.xensim.net.protocol.NetRxFlags;
import io.xensim.net.protocol.NetifExtraInfo;
import io.xensim.net.protocol.NetifRing;
import io.xensim.net.protocol.NetifRxRequest;
import io.xensim.net.protocol.NetifRxResponse;
import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.bus.GrantPool;
import io.xensim.xenbus.bus.XenbusDeviceException;
import io.xensim.xenbus.memory.Layouts;
import io.xensim.xenbus.ring.FrontRing;
import io.xensim.xenbus.trace.TraceEvent;
import java.util.Arrays;
import java.lang.foreign.MemorySegment;

/**
 * The receive half of one netfront queue: the RX ring kept full of zeroed pages granted to the backend, and the
 * backend's {@code netif_rx_response}s turned back into frames.
 *
 * <p>A received packet is one response, optionally followed by extra-info slots ({@code NETRXF_extra_info}, e.g.
 * the GSO extra) and by more data slots ({@code NETRXF_more_data}). Each slot is copied once out of the ring;
 * a data slot's bytes are copied out of its page after the grant has ended, so the backend cannot change them
 * afterwards, and the page is freed (a fresh zeroed page is posted in its place). The slots' bytes are copied once,
 * straight into the packet's buffer, sized from the first slot's size and grown only for a multi-slot packet. A buffer is found by its ring
 * position, as Linux's {@code xennet_get_rx_skb} does, never by the id the backend answered.
 *
 * <p>Drops (the packet only, counted in {@code rx_errors}): a missing or invalid extra, a bad GSO extra, an
 * offset+size outside the page or a negative status, a chain running past {@code rsp_prod}, too many slots, a
 * {@code csum_blank} packet whose checksum cannot be set up, a packet shorter than an Ethernet header.
 * Device-breaking: an impossible {@code rsp_prod}, {@code rsp_prod} going backwards, a page the backend still has
 * mapped when its response came.
 *
 * <p><b>Threading:</b> the guest domain's executor drives this end of the ring, and only it.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/net/xen-netfront.c ({@code xennet_alloc_rx_buffers},
 * {@code xennet_handle_rx}, {@code xennet_poll}, {@code xennet_get_responses}, {@code xennet_get_extras},
 * {@code xennet_move_rx_slot}, {@code xennet_set_skb_gso}, {@code xennet_fill_frags},
 * {@code handle_incoming_queue}).
 */
final class RxPath {
    /** {@code RX_COPY_THRESHOLD}: a first slot this short allows one more slot. */
    static final int RX_COPY_THRESHOLD = 256;
    /** {@code NET_RX_SLOTS_MIN}: refill only when at least this many requests would be outstanding. */
    static final int NET_RX_SLOTS_MIN = NetifRing.XEN_NETIF_NR_SLOTS_MIN + 1;

    private final QueueOwner owner;
    private final int queueIndex;
    private final FrontRing<NetifRxRequest, NetifRxResponse> ring;
    private final Runnable kick;
    /** {@code rx_skbs[i]}/{@code grant_rx_ref[i]}: the page posted in ring position {@code i}. */
    private final GrantPool.DataPage[] buffers;
    /** The last {@code rsp_prod} seen: it may only move forward. */
    private int lastRspProd;

    RxPath(QueueOwner owner, int queueIndex, FrontRing<NetifRxRequest, NetifRxResponse> ring, Runnable kick) {
        this.owner = owner;
        this.queueIndex = queueIndex;
        this.ring = ring;
        this.kick = kick;
        this.buffers = new GrantPool.DataPage[ring.size()];
        this.lastRspProd = ring.rspCons();
    }

    /** Pages posted and not yet answered. */
    int posted() {
        return ring.reqProdPvt() - ring.rspCons();
    }

    /**
     * {@code xennet_alloc_rx_buffers}: posts a zeroed, granted page in every free slot; publishes (and notifies if
     * the backend asked) only when at least {@code NET_RX_SLOTS_MIN} are then outstanding. Running out of guest
     * memory or grants stops the refill; the next poll tries again.
     */
    void refill(boolean publish) {
        try {
            while (ring.freeRequests() > 0) {
                GrantPool.DataPage page = owner.device().grantPool().allocate(false);
                post(page);
            }
        } catch (XenbusDeviceException e) {
            owner.device().trace(TraceEvent.Kind.RING, "rx queue " + queueIndex + ": refill stopped: "
                    + e.getMessage());
        }
        if (publish && posted() >= NET_RX_SLOTS_MIN) {
            kick.run();
        }
    }

    private void post(GrantPool.DataPage page) {
        int index = ring.reqProdPvt() & (ring.size() - 1);
        buffers[index] = page;
        ring.putRequest(new NetifRxRequest(index, page.ref()));
    }

    /** {@code xennet_get_rx_skb}/{@code xennet_get_rx_ref}: takes the buffer out of ring position {@code index}. */
    private GrantPool.DataPage detach(int index) {
        GrantPool.DataPage page = buffers[index];
        buffers[index] = null;
        return page;
    }

    /** {@code xennet_move_rx_slot}: re-posts the buffer of a slot that carried no data (zeroed again). */
    private void moveSlot(GrantPool.DataPage page) {
        if (page == null) {
            return;
        }
        page.page().fill((byte) 0);
        post(page);
    }

    /** {@code xennet_handle_rx} then {@code xennet_poll}. */
    void onEvent() {
        if (owner.broken()) {
            return;
        }
        do {
            int rp = ring.rspProd();
            if (rp - lastRspProd < 0) {
                owner.markBroken("RX producer index going backwards (" + Integer.toUnsignedString(lastRspProd)
                        + " -> " + Integer.toUnsignedString(rp) + ", rx queue " + queueIndex + ")");
                return;
            }
            lastRspProd = rp;
            if (ring.responseProdOverflow(rp)) {
                owner.markBroken("Illegal number of responses " + Integer.toUnsignedString(rp - ring.rspCons())
                        + " (rx queue " + queueIndex + ")");
                return;
            }
            // Where this batch ends: never past the requests actually posted (unconsumedResponses bounds it).
            int end = ring.rspCons() + ring.unconsumedResponses();
            while (ring.rspCons() != end) {
                if (!takePacket(end)) {
                    return; // broken
                }
            }
        } while (ring.finalCheckForResponses());
        refill(true);
    }

    /** One packet of {@code xennet_poll}: {@code xennet_get_responses} and delivery. False when broken. */
    private boolean takePacket(int rp) {
        // The first buffer comes out before the extras are walked: re-posting an extra's buffer may reuse its slot.
        GrantPool.DataPage firstPage = detach(ring.rspCons() & (ring.size() - 1));
        MemorySegment firstCopy = takeSlot();
        int firstFlags = NetifRxResponse.flags(firstCopy);
        int firstStatus = firstCopy.get(Layouts.U16, NetifRxResponse.STATUS_OFFSET);
        String error = null;
        NetifExtraInfo.Gso gso = null;

        if ((firstFlags & NetRxFlags.NETRXF_EXTRA_INFO) != 0) {
            // xennet_get_extras(): each extra takes a slot whose buffer is re-posted.
            int extraFlags;
            do {
                if (ring.rspCons() == rp) {
                    error = "Missing extra info";
                    break;
                }
                GrantPool.DataPage extraPage = detach(ring.rspCons() & (ring.size() - 1));
                MemorySegment extra = takeSlot();
                extraFlags = NetifExtraInfo.flags(extra);
                switch (NetifExtraInfo.decode(extra)) {
                    case Decoded.Ok<NetifExtraInfo>(NetifExtraInfo.Gso g) -> gso = g;
                    case Decoded.Ok<NetifExtraInfo>(NetifExtraInfo other) -> {
                        // Known, not used on rx here (hash): ignored, as netfront ignores what it did not ask for.
                    }
                    case Decoded.Malformed<NetifExtraInfo>(String reason) -> error = "Invalid extra: " + reason;
                }
                moveSlot(extraPage);
            } while ((extraFlags & NetifExtraInfo.XEN_NETIF_EXTRA_FLAG_MORE) != 0);
        }

        // The data slots: the first response, then the more_data chain.
        var bytes = new Assembly(Math.max(firstStatus, 0));
        int max = NetifRing.XEN_NETIF_NR_SLOTS_MIN + (firstStatus <= RX_COPY_THRESHOLD ? 1 : 0);
        int slots = 1;
        MemorySegment rsp = firstCopy;
        GrantPool.DataPage page = firstPage;
        while (true) {
            String slotError = dataSlot(page, rsp, error == null ? bytes : null);
            if (slotError == BROKEN) {
                return false;
            }
            if (error == null) {
                error = slotError;
            }
            if ((NetifRxResponse.flags(rsp) & NetRxFlags.NETRXF_MORE_DATA) == 0) {
                break;
            }
            if (ring.rspCons() == rp) {
                error = error != null ? error : "Need more slots";
                break;
            }
            page = detach(ring.rspCons() & (ring.size() - 1));
            rsp = takeSlot();
            slots++;
        }
        if (slots > max && error == null) {
            error = "Too many slots (" + slots + ", at most " + max + ")";
        }
        if (error == null) {
            error = deliver(bytes.toByteArray(), firstFlags, gso);
        }
        if (error != null) {
            owner.device().trace(TraceEvent.Kind.RING, "rx queue " + queueIndex + ": dropping a packet: " + error);
            owner.counters().countRxError();
        }
        return true;
    }

    /** Sentinel of {@link #dataSlot}: the device is now broken. */
    private static final String BROKEN = "broken";

    /**
     * One data slot of {@code xennet_get_responses}: checks it, ends the page's grant, copies the bytes into
     * {@code into} (null: the packet is being dropped), frees the page. Returns an error, {@link #BROKEN}, or null.
     */
    private String dataSlot(GrantPool.DataPage page, MemorySegment rsp, Assembly into) {
        if (page == null) {
            return "Bad rx response id " + Layouts.u16(rsp.get(Layouts.U16, NetifRxResponse.ID_OFFSET));
        }
        int offset = Layouts.u16(rsp.get(Layouts.U16, NetifRxResponse.OFFSET_OFFSET));
        int status = rsp.get(Layouts.U16, NetifRxResponse.STATUS_OFFSET);
        if (status < 0 || offset + status > Layouts.XEN_PAGE_SIZE) {
            moveSlot(page);
            return "rx->offset: " + offset + ", size: " + status;
        }
        boolean stillMapped = owner.device().domain().grantTable().isInUse(page.ref());
        if (stillMapped) {
            // Linux keeps the page; here it is freed once the backend unmaps it (the pool defers the end of access).
            owner.device().grantPool().free(page);
            owner.markBroken("Grant still in use by backend domain (ref " + page.ref() + ", rx queue "
                    + queueIndex + ")");
            return BROKEN;
        }
        // The grant is about to end: from here on the backend can no longer write these bytes.
        // The grant ends first, so that the copy below reads bytes the backend can no longer change.
        owner.device().grantPool().free(page);
        if (into != null) {
            into.append(page.page(), offset, status);
        }
        return null;
    }

    /**
     * The bytes of one packet, gathered straight from its slots' pages: one copy per slot. The first slot's size
     * sizes the buffer, so a one-slot packet is delivered in the array it was copied into.
     */
    private static final class Assembly {
        private byte[] data;
        private int length;

        Assembly(int firstSize) {
            data = new byte[firstSize];
        }

        void append(MemorySegment page, int offset, int size) {
            if (length + size > data.length) {
                data = Arrays.copyOf(data, Math.max(length + size, Math.min(2 * data.length, Frame.MAX_LENGTH + 1)));
            }
            MemorySegment.copy(page, Layouts.U8, offset, data, length, size);
            length += size;
        }

        /** The packet: the buffer itself when it is exactly full (every one-slot packet), else a trimmed copy. */
        byte[] toByteArray() {
            return length == data.length ? data : Arrays.copyOf(data, length);
        }
    }

    /** The slot at {@code rsp_cons}, copied out of the ring and consumed ({@code RING_COPY_RESPONSE}). */
    private MemorySegment takeSlot() {
        ring.takeResponse(); // copies into the ring's private copy; decoded again below from that copy
        MemorySegment copy = MemorySegment.ofArray(new byte[ring.entrySize()]);
        copy.copyFrom(ring.lastTaken().asSlice(0, ring.entrySize()));
        return copy;
    }

    /** {@code xennet_set_skb_gso}, the checksum flags and {@code handle_incoming_queue}; an error, or null. */
    private String deliver(byte[] data, int flags, NetifExtraInfo.Gso gso) {
        if (data.length < EthernetHeader.LENGTH) {
            return "packet of " + data.length + " bytes: shorter than an Ethernet header";
        }
        if (data.length > Frame.MAX_LENGTH) {
            return "packet of " + data.length + " bytes: longer than " + Frame.MAX_LENGTH;
        }
        Frame frame = Frame.of(MemorySegment.ofArray(data));
        if ((flags & NetRxFlags.NETRXF_CSUM_BLANK) != 0) {
            // checksum_setup(): a CHECKSUM_PARTIAL packet must have a TCP or UDP header to complete.
            switch (ChecksumOffload.setup(frame, false)) {
                case Decoded.Ok<Frame>(Frame f) -> frame = f;
                case Decoded.Malformed<Frame>(String reason) -> {
                    return "csum_blank: " + reason;
                }
            }
        } else if ((flags & NetRxFlags.NETRXF_DATA_VALIDATED) != 0) {
            frame = frame.withOffload(new Offload(Offload.Checksum.UNNECESSARY, 0, 0,
                    NetifExtraInfo.XEN_NETIF_GSO_TYPE_NONE, 0));
        }
        if (gso != null) {
            frame = frame.withOffload(frame.offload().withGso(gso.gsoType(), gso.size()));
        }
        owner.counters().countRx(data.length);
        owner.deliver(frame);
        return null;
    }
}
