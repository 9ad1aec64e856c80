package io.xensim.net.front;

import io.xensim.net.protocol.NetFeatures;
import io.xensim.net.protocol.NetfrontQueues;
import io.xensim.net.protocol.NetifRing;
import io.xensim.net.protocol.NetifRxRequest;
import io.xensim.net.protocol.NetifRxResponse;
import io.xensim.net.protocol.NetifTxRequest;
import io.xensim.net.protocol.NetifTxResponse;
import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.bus.BackendDevice;
import io.xensim.xenbus.bus.BackendDriver;
import io.xensim.xenbus.bus.XenbusDevice;
import io.xensim.xenbus.bus.XenstoreReader;
import io.xensim.xenbus.grant.GrantEntryV1;
import io.xensim.xenbus.grant.MapResult;
import io.xensim.xenbus.memory.Layouts;
import io.xensim.xenbus.ring.BackRing;
import io.xensim.xenbus.ring.SringDescriptor;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A backend for netfront's tests that does exactly what a test says, right or wrong: it writes netback's feature
 * keys as Linux 6.1's {@code netback_probe} does, maps the rings and binds the ports the frontend published, and
 * then lets the test read raw {@code netif_tx_request} slots, answer them, and write {@code netif_rx_response}
 * slots (and bytes into the granted rx pages) of its choosing. All methods run on dom0's executor.
 */
final class ScriptedNetback extends BackendDevice {
    /** What the backend offers. */
    record Offer(boolean rxCopy, boolean split, int maxQueues, boolean sg, boolean gso4, boolean gso6,
                 boolean ipv6Csum) {
        static final Offer LINUX = new Offer(true, true, 4, true, true, true, true);

        Offer withRxCopy(boolean v) {
            return new Offer(v, split, maxQueues, sg, gso4, gso6, ipv6Csum);
        }

        Offer withSplit(boolean v) {
            return new Offer(rxCopy, v, maxQueues, sg, gso4, gso6, ipv6Csum);
        }

        Offer withMaxQueues(int v) {
            return new Offer(rxCopy, split, v, sg, gso4, gso6, ipv6Csum);
        }

        Offer withoutSg() {
            return new Offer(rxCopy, split, maxQueues, false, gso4, gso6, ipv6Csum);
        }
    }

    /** One queue as the backend holds it. */
    static final class Queue {
        BackRing<NetifTxRequest, NetifTxResponse> tx;
        BackRing<NetifRxRequest, NetifRxResponse> rx;
        int txPort;
        int rxPort;
        final ArrayDeque<NetifRxRequest> rxPosted = new ArrayDeque<>();
    }

    private final Offer offer;
    final List<Queue> queues = new ArrayList<>();
    NetfrontQueues frontendQueues;
    int events;

    ScriptedNetback(XenbusDevice device, Offer offer) {
        super(device);
        this.offer = offer;
    }

    static BackendDriver driver(Offer offer) {
        return BackendDriver.of(NetfrontDrivers.TYPE, d -> new ScriptedNetback(d, offer));
    }

    XenbusDevice xenbus() {
        return device;
    }

    @Override
    protected Map<String, String> features() {
        // netback_probe(): the order Linux 6.1 writes them in.
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put(NetFeatures.FEATURE_SG, offer.sg() ? "1" : "0");
        keys.put(NetFeatures.FEATURE_GSO_TCPV4, offer.gso4() ? "1" : "0");
        keys.put(NetFeatures.FEATURE_GSO_TCPV6, offer.gso6() ? "1" : "0");
        keys.put(NetFeatures.FEATURE_IPV6_CSUM_OFFLOAD, offer.ipv6Csum() ? "1" : "0");
        keys.put(NetFeatures.FEATURE_RX_COPY, offer.rxCopy() ? "1" : "0");
        keys.put(NetFeatures.FEATURE_RX_FLIP, "0");
        keys.put(NetFeatures.FEATURE_MULTICAST_CONTROL, "1"); // offered; Linux netfront never asks for it
        keys.put(NetFeatures.FEATURE_DYNAMIC_MULTICAST_CONTROL, "1");
        keys.put(NetFeatures.FEATURE_SPLIT_EVENT_CHANNELS, offer.split() ? "1" : "0");
        keys.put(NetFeatures.MULTI_QUEUE_MAX_QUEUES, Integer.toString(offer.maxQueues()));
        return keys;
    }

    @Override
    protected CompletableFuture<Map<String, String>> connect(XenstoreReader frontend) {
        return NetfrontQueues.read(frontend, offer.maxQueues()).thenApply(read -> {
            frontendQueues = read;
            for (NetfrontQueues.Queue q : read.queues()) {
                Queue b = new Queue();
                b.tx = BackRing.init(device.mapRing(new int[] {q.txRingRef()}).area(), NetifRing.TX);
                b.rx = BackRing.init(device.mapRing(new int[] {q.rxRingRef()}).area(), NetifRing.RX);
                b.txPort = device.bindInterdomainEvtchn(q.txEvtchn(), p -> events++);
                b.rxPort = q.split() ? device.bindInterdomainEvtchn(q.rxEvtchn(), p -> events++) : b.txPort;
                queues.add(b);
            }
            return Map.of();
        });
    }

    @Override
    protected void disconnect() {
        queues.clear();
    }

    // ------------------------------------------------------------------------------------------ TX

    /** Every tx request slot published and not yet taken, each as a private 12-byte copy. */
    List<MemorySegment> takeTxSlots(int q) {
        var ring = queues.get(q).tx;
        List<MemorySegment> slots = new ArrayList<>();
        while (ring.hasUnconsumedRequests()) {
            ring.takeRequest();
            slots.add(MemorySegment.ofArray(ring.lastTaken().toArray(Layouts.U8)));
        }
        return slots;
    }

    static NetifTxRequest request(MemorySegment slot) {
        return ((Decoded.Ok<NetifTxRequest>) NetifTxRequest.decode(slot)).value();
    }

    /** Reads {@code size} bytes at {@code offset} of the frontend's grant {@code gref} (mapped read-only). */
    byte[] read(int gref, int offset, int size) {
        MapResult m = device.domain().grantOps().mapGrantRef(device.otherendId(), gref,
                GrantEntryV1.GNTMAP_host_map | GrantEntryV1.GNTMAP_readonly);
        if (!m.ok()) {
            throw new AssertionError("map of gref " + gref + ": " + m.status());
        }
        byte[] bytes = m.area().asSlice(offset, size).toArray(Layouts.U8);
        device.domain().grantOps().unmapGrantRef(m.handle());
        return bytes;
    }

    /** Maps {@code gref} and keeps it mapped (a backend that does not let go); returns the handle. */
    int mapAndKeep(int gref, boolean readonly) {
        MapResult m = device.domain().grantOps().mapGrantRef(device.otherendId(), gref,
                GrantEntryV1.GNTMAP_host_map | (readonly ? GrantEntryV1.GNTMAP_readonly : 0));
        if (!m.ok()) {
            throw new AssertionError("map of gref " + gref + ": " + m.status());
        }
        return m.handle();
    }

    void unmap(int handle) {
        device.domain().grantOps().unmapGrantRef(handle);
    }

    /** Writes a tx response slot and publishes it (with a notify if the frontend asked). */
    void respondTx(int q, int id, int status) {
        putTx(q, new NetifTxResponse(id, status));
        pushTx(q);
    }

    void putTx(int q, NetifTxResponse rsp) {
        queues.get(q).tx.putResponse(rsp);
    }

    void pushTx(int q) {
        Queue b = queues.get(q);
        if (b.tx.pushResponsesAndCheckNotify()) {
            device.notifyRemote(b.txPort, "tx rsp");
        }
    }

    // ------------------------------------------------------------------------------------------ RX

    /** Takes the rx requests published since the last call into {@link Queue#rxPosted}; returns how many. */
    int collectRx(int q) {
        Queue b = queues.get(q);
        int n = 0;
        while (b.rx.hasUnconsumedRequests()) {
            b.rxPosted.add(((Decoded.Ok<NetifRxRequest>) b.rx.takeRequest()).value());
            n++;
        }
        return n;
    }

    /** The next posted rx buffer. */
    NetifRxRequest nextRx(int q) {
        Queue b = queues.get(q);
        if (b.rxPosted.isEmpty()) {
            collectRx(q);
        }
        return b.rxPosted.poll();
    }

    /** Writes {@code data} at {@code offset} of the frontend's rx page {@code gref}. */
    void write(int gref, int offset, byte[] data) {
        MapResult m = device.domain().grantOps().mapGrantRef(device.otherendId(), gref,
                GrantEntryV1.GNTMAP_host_map);
        m.area().asSlice(offset, data.length).copyFrom(MemorySegment.ofArray(data));
        device.domain().grantOps().unmapGrantRef(m.handle());
    }

    /** Writes a raw rx response slot (any 8 bytes: a response or an extra) at {@code rsp_prod_pvt}. */
    void putRxSlot(int q, Consumer<MemorySegment> writer) {
        var ring = queues.get(q).rx;
        writer.accept(ring.sring().asSlice(ring.produceResponse(), ring.entrySize()));
    }

    void putRx(int q, NetifRxResponse rsp) {
        queues.get(q).rx.putResponse(rsp);
    }

    void pushRx(int q) {
        Queue b = queues.get(q);
        if (b.rx.pushResponsesAndCheckNotify()) {
            device.notifyRemote(b.rxPort, "rx rsp");
        }
    }

    /** Delivers {@code frame} the well-behaved way: page-sized slots, more_data chained, {@code flags} on the first. */
    void deliver(int q, byte[] frame, int firstFlags) {
        int at = 0;
        boolean first = true;
        do {
            int chunk = Math.min(Layouts.XEN_PAGE_SIZE, frame.length - at);
            NetifRxRequest req = nextRx(q);
            byte[] part = java.util.Arrays.copyOfRange(frame, at, at + chunk);
            write(req.gref(), 0, part);
            at += chunk;
            int flags = (first ? firstFlags : 0)
                    | (at < frame.length ? io.xensim.net.protocol.NetRxFlags.NETRXF_MORE_DATA : 0);
            putRx(q, new NetifRxResponse(req.id(), 0, flags, chunk));
            first = false;
        } while (at < frame.length);
        pushRx(q);
    }

    /** Writes a response slot field by field, whatever the values (a malicious backend's slot). */
    void putRxRaw(int q, int id, int offset, int flags, int status) {
        putRxSlot(q, slot -> {
            slot.set(Layouts.U16, NetifRxResponse.ID_OFFSET, (short) id);
            slot.set(Layouts.U16, NetifRxResponse.OFFSET_OFFSET, (short) offset);
            slot.set(Layouts.U16, NetifRxResponse.FLAGS_OFFSET, (short) flags);
            slot.set(Layouts.U16, NetifRxResponse.STATUS_OFFSET, (short) status);
        });
    }

    /**
     * Delivers {@code frame} with {@code extra} (may be null) in the slot after the first, as netback does for a
     * GSO packet; the extra takes a posted buffer of its own.
     */
    void deliver(int q, byte[] frame, int firstFlags, Consumer<MemorySegment> extra) {
        int at = 0;
        boolean first = true;
        do {
            int chunk = Math.min(Layouts.XEN_PAGE_SIZE, frame.length - at);
            NetifRxRequest req = nextRx(q);
            write(req.gref(), 0, java.util.Arrays.copyOfRange(frame, at, at + chunk));
            at += chunk;
            int flags = (first ? firstFlags | (extra != null ? io.xensim.net.protocol.NetRxFlags.NETRXF_EXTRA_INFO : 0)
                    : 0) | (at < frame.length ? io.xensim.net.protocol.NetRxFlags.NETRXF_MORE_DATA : 0);
            putRx(q, new NetifRxResponse(req.id(), 0, flags, chunk));
            if (first && extra != null) {
                nextRx(q);
                putRxSlot(q, extra);
            }
            first = false;
        } while (at < frame.length);
        pushRx(q);
    }

    /** A raw store into the shared header of queue {@code q}'s rx (or tx) ring: a producer the test picks. */
    void setRspProd(int q, boolean rx, int value) {
        var area = rx ? queues.get(q).rx.sring() : queues.get(q).tx.sring();
        Layouts.ATOMIC_U32.setRelease(area, (long) SringDescriptor.RSP_PROD_OFFSET, value);
        device.notifyRemote(rx ? queues.get(q).rxPort : queues.get(q).txPort, "rsp_prod forced");
    }
}
