package io.xensim.blk.front;

import io.xensim.blk.image.MemoryImage;
import io.xensim.blk.protocol.BlkFeatures;
import io.xensim.blk.protocol.BlkfrontRings;
import io.xensim.blk.protocol.BlkifOp;
import io.xensim.blk.protocol.BlkifRequest;
import io.xensim.blk.protocol.BlkifRequestDiscard;
import io.xensim.blk.protocol.BlkifRequestIndirect;
import io.xensim.blk.protocol.BlkifRequestSegment;
import io.xensim.blk.protocol.BlkifResponse;
import io.xensim.blk.protocol.BlkifRing;
import io.xensim.blk.protocol.BlkifRingRequest;
import io.xensim.blk.protocol.BlkifStatus;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A backend for blkfront's tests that does what a test says, right or wrong. It writes blkback's probe keys
 * ({@code feature-max-indirect-segments}, {@code multi-queue-max-queues}, {@code max-ring-page-order}) as Linux
 * 6.1's {@code xen_blkbk_probe} does, reads the frontend's rings with {@link BlkfrontRings}, maps them and binds
 * the ports, and writes the connect keys in {@code connect()}'s order. In {@link Script#auto} mode it serves every
 * request against the script's {@link MemoryImage} (persistent grants kept mapped when both ends offered them);
 * otherwise it holds the requests for the test to answer with any id, operation and status it likes, or lets the
 * test write the ring's indices directly. A {@link Script} outlives one backend instance, so a test restarting the
 * backend ({@code removeBackend}/{@code restoreBackend}) keeps the image and sees every instance's requests. All
 * methods run on dom0's executor (the test's thread in INVOKER mode).
 */
final class ScriptedBlkback extends BackendDevice {
    /** What the backend offers; {@code sectorSize} null leaves the key out. */
    record Offer(int maxIndirectSegments, int maxQueues, int maxRingPageOrder, boolean flushCache, boolean barrier,
                 boolean discard, boolean persistent, int info, Integer sectorSize, int physicalSectorSize) {
        /** What Linux 6.1's blkback offers over a writable disk with a volatile cache. */
        static final Offer LINUX = new Offer(256, 4, 4, true, false, true, true, 0, 512, 512);

        Offer withMaxIndirectSegments(int v) {
            return new Offer(v, maxQueues, maxRingPageOrder, flushCache, barrier, discard, persistent, info,
                    sectorSize, physicalSectorSize);
        }

        Offer withMaxQueues(int v) {
            return new Offer(maxIndirectSegments, v, maxRingPageOrder, flushCache, barrier, discard, persistent,
                    info, sectorSize, physicalSectorSize);
        }

        Offer withMaxRingPageOrder(int v) {
            return new Offer(maxIndirectSegments, maxQueues, v, flushCache, barrier, discard, persistent, info,
                    sectorSize, physicalSectorSize);
        }

        Offer withFlush(boolean flushCache, boolean barrier) {
            return new Offer(maxIndirectSegments, maxQueues, maxRingPageOrder, flushCache, barrier, discard,
                    persistent, info, sectorSize, physicalSectorSize);
        }

        Offer withDiscard(boolean v) {
            return new Offer(maxIndirectSegments, maxQueues, maxRingPageOrder, flushCache, barrier, v, persistent,
                    info, sectorSize, physicalSectorSize);
        }

        Offer withPersistent(boolean v) {
            return new Offer(maxIndirectSegments, maxQueues, maxRingPageOrder, flushCache, barrier, discard, v,
                    info, sectorSize, physicalSectorSize);
        }

        Offer withInfo(int v) {
            return new Offer(maxIndirectSegments, maxQueues, maxRingPageOrder, flushCache, barrier, discard,
                    persistent, v, sectorSize, physicalSectorSize);
        }

        Offer withSectorSize(Integer v) {
            return new Offer(maxIndirectSegments, maxQueues, maxRingPageOrder, flushCache, barrier, discard,
                    persistent, info, v, physicalSectorSize);
        }
    }

    /** A request as a backend instance saw it. */
    record Seen(int instance, int ring, BlkifRingRequest request, List<Integer> dataGrefs) {
    }

    /** What the test controls, shared by every backend instance of the device. */
    static final class Script {
        Offer offer;
        final MemoryImage image;
        /** Serve requests as they come; false holds them for the test. */
        boolean auto = true;
        /** A status to answer a request with instead of serving it, or null to serve it. */
        Function<BlkifRingRequest, Integer> verdict = r -> null;
        /** Keep data grants mapped after answering (a backend that does not let go), without persistent grants. */
        boolean keepMappings;
        final List<Seen> seen = new ArrayList<>();
        int instances;

        Script(Offer offer, MemoryImage image) {
            this.offer = offer;
            this.image = image;
        }
    }

    /** One ring as the backend holds it. */
    static final class Ring {
        BackRing<BlkifRingRequest, BlkifResponse> ring;
        int port;
        final List<BlkifRingRequest> held = new ArrayList<>();
    }

    private final Script script;
    private final int instance;
    private final Offer offer;
    final List<Ring> rings = new ArrayList<>();
    BlkfrontRings frontendRings;
    /** Grants mapped and kept: persistent ones by gref, and those a misbehaving backend did not unmap. */
    private final Map<Integer, MapResult> persistent = new HashMap<>();
    private final List<MapResult> kept = new ArrayList<>();

    private ScriptedBlkback(XenbusDevice device, Script script) {
        super(device);
        this.script = script;
        this.instance = ++script.instances;
        this.offer = script.offer;
    }

    static BackendDriver driver(Script script) {
        return BackendDriver.of(BlkfrontDrivers.TYPE, d -> new ScriptedBlkback(d, script));
    }

    int instance() {
        return instance;
    }

    @Override
    protected Map<String, String> features() {
        // xen_blkbk_probe(): the order Linux 6.1 writes them in.
        Map<String, String> keys = new LinkedHashMap<>();
        if (offer.maxIndirectSegments() > 0) {
            keys.put(BlkFeatures.FEATURE_MAX_INDIRECT_SEGMENTS, Integer.toString(offer.maxIndirectSegments()));
        }
        keys.put(BlkFeatures.MULTI_QUEUE_MAX_QUEUES, Integer.toString(offer.maxQueues()));
        keys.put(BlkFeatures.MAX_RING_PAGE_ORDER, Integer.toString(offer.maxRingPageOrder()));
        return keys;
    }

    @Override
    protected CompletableFuture<Map<String, String>> connect(XenstoreReader frontend) {
        return BlkfrontRings.read(frontend, offer.maxRingPageOrder(), offer.maxQueues()).thenApply(read -> {
            frontendRings = read;
            for (int i = 0; i < read.rings().size(); i++) {
                BlkfrontRings.Ring r = read.rings().get(i);
                Ring b = new Ring();
                b.ring = BackRing.init(device.mapRing(r.refArray()).area(), BlkifRing.BLKIF);
                int q = i;
                b.port = device.bindInterdomainEvtchn(r.evtchn(), p -> onEvent(q));
                rings.add(b);
            }
            // connect(): the keys blkback writes in its connect transaction.
            Map<String, String> keys = new LinkedHashMap<>();
            keys.put(BlkFeatures.FEATURE_FLUSH_CACHE, offer.flushCache() ? "1" : "0");
            if (offer.discard()) {
                keys.put(BlkFeatures.DISCARD_GRANULARITY, "4096");
                keys.put(BlkFeatures.DISCARD_ALIGNMENT, "0");
                keys.put(BlkFeatures.DISCARD_SECURE, "0");
                keys.put(BlkFeatures.FEATURE_DISCARD, "1");
            }
            keys.put(BlkFeatures.FEATURE_BARRIER, offer.barrier() ? "1" : "0");
            keys.put(BlkFeatures.FEATURE_PERSISTENT, offer.persistent() ? "1" : "0");
            keys.put(BlkFeatures.SECTORS, Long.toString(script.image.sectors()));
            keys.put(BlkFeatures.INFO, Integer.toString(offer.info()));
            if (offer.sectorSize() != null) {
                keys.put(BlkFeatures.SECTOR_SIZE, Integer.toString(offer.sectorSize()));
            }
            keys.put(BlkFeatures.PHYSICAL_SECTOR_SIZE, Integer.toString(offer.physicalSectorSize()));
            return keys;
        });
    }

    @Override
    protected void disconnect() {
        persistent.values().forEach(m -> device.domain().grantOps().unmapGrantRef(m.handle()));
        persistent.clear();
        releaseKept();
        rings.clear();
    }

    /** Unmaps the grants a {@link Script#keepMappings} backend held on to. */
    void releaseKept() {
        kept.forEach(m -> device.domain().grantOps().unmapGrantRef(m.handle()));
        kept.clear();
    }

    private boolean usePersistent() {
        return offer.persistent() && frontendRings != null && frontendRings.persistent();
    }

    /** Grants mapped persistently right now. */
    int persistentMappings() {
        return persistent.size();
    }

    // ------------------------------------------------------------------------------------------ requests

    private void onEvent(int q) {
        if (q >= rings.size()) {
            return;
        }
        Ring b = rings.get(q);
        do {
            while (b.ring.hasUnconsumedRequests()) {
                switch (b.ring.takeRequest()) {
                    case Decoded.Ok<BlkifRingRequest>(BlkifRingRequest req) -> {
                        script.seen.add(new Seen(instance, q, req, dataGrefs(req)));
                        if (script.auto) {
                            answer(q, req);
                        } else {
                            b.held.add(req);
                        }
                    }
                    case Decoded.Malformed<BlkifRingRequest>(String reason) ->
                            throw new AssertionError("blkfront sent a malformed request: " + reason);
                }
            }
        } while (b.ring.finalCheckForRequests());
    }

    private static List<Integer> dataGrefs(BlkifRingRequest req) {
        return req instanceof BlkifRequest rw ? rw.segments().stream().map(BlkifRequestSegment::gref).toList()
                : List.of();
    }

    /** The requests held so far on ring {@code q} (and forgets them). */
    List<BlkifRingRequest> takeHeld(int q) {
        List<BlkifRingRequest> out = List.copyOf(rings.get(q).held);
        rings.get(q).held.clear();
        return out;
    }

    /** Answers each held request with probability {@code p} (in a random order), keeping the others held. */
    int serveSome(java.util.Random random, double p) {
        int served = 0;
        for (int q = 0; q < rings.size(); q++) {
            List<BlkifRingRequest> held = new ArrayList<>(rings.get(q).held);
            java.util.Collections.shuffle(held, random);
            rings.get(q).held.clear();
            for (BlkifRingRequest r : held) {
                if (random.nextDouble() < p) {
                    answer(q, r);
                    served++;
                } else {
                    rings.get(q).held.add(r);
                }
            }
        }
        return served;
    }

    /** Requests held over all rings. */
    int heldCount() {
        return rings.stream().mapToInt(r -> r.held.size()).sum();
    }

    /** Answers {@code req} as the script's verdict says, or serves it. */
    void answer(int q, BlkifRingRequest req) {
        Integer status = script.verdict.apply(req);
        respond(q, req.id(), responseOp(req), status != null ? status : serve(req));
    }

    /** Does {@code req} against the image (a read's data lands in the frontend's pages) without answering it. */
    int serveSilently(BlkifRingRequest req) {
        return serve(req);
    }

    static int responseOp(BlkifRingRequest req) {
        return req instanceof BlkifRequestIndirect ind ? ind.indirectOp() : req.operation();
    }

    /** Does the request against the image; returns the status. */
    int serve(BlkifRingRequest req) {
        try {
            switch (req) {
                case BlkifRequestDiscard d -> {
                    script.image.discard(d.sectorNumber() * 512, d.nrSectors() * 512);
                }
                case BlkifRequest rw -> transfer(rw.operation() != BlkifOp.BLKIF_OP_READ, rw.sectorNumber(),
                        rw.segments());
                case BlkifRequestIndirect ind -> {
                    List<BlkifRequestSegment> segs = new ArrayList<>();
                    for (int i = 0; i < ind.nrSegments(); i++) {
                        MapResult page = map(ind.indirectGrefs().get(BlkifRequestIndirect.segmentPage(i)), true);
                        var decoded = BlkifRequestSegment.decode(page.area().asSlice(
                                BlkifRequestIndirect.segmentPageOffset(i), BlkifRequestSegment.LENGTH));
                        segs.add(((Decoded.Ok<BlkifRequestSegment>) decoded).value());
                        unmapUnlessPersistent(ind.indirectGrefs().get(BlkifRequestIndirect.segmentPage(i)), page);
                    }
                    transfer(ind.indirectOp() == BlkifOp.BLKIF_OP_WRITE, ind.sectorNumber(), segs);
                }
            }
            return BlkifStatus.BLKIF_RSP_OKAY;
        } catch (java.io.IOException | RuntimeException e) {
            return BlkifStatus.BLKIF_RSP_ERROR;
        }
    }

    private void transfer(boolean write, long sector, List<BlkifRequestSegment> segs) throws java.io.IOException {
        long offset = sector * 512;
        for (BlkifRequestSegment seg : segs) {
            MapResult m = map(seg.gref(), write);
            MemorySegment data = m.area().asSlice(seg.pageOffset(), seg.byteLength());
            if (write) {
                script.image.write(offset, data);
            } else {
                script.image.read(offset, data);
            }
            offset += seg.byteLength();
            unmapUnlessPersistent(seg.gref(), m);
        }
    }

    private MapResult map(int gref, boolean readonly) {
        if (usePersistent()) {
            MapResult m = persistent.get(gref);
            if (m != null) {
                return m;
            }
            readonly = false; // a persistent grant serves reads and writes alike
        }
        MapResult m = device.domain().grantOps().mapGrantRef(device.otherendId(), gref,
                GrantEntryV1.GNTMAP_host_map | (readonly ? GrantEntryV1.GNTMAP_readonly : 0));
        if (!m.ok()) {
            throw new IllegalStateException("map of gref " + gref + ": " + m.status());
        }
        if (usePersistent()) {
            persistent.put(gref, m);
        }
        return m;
    }

    private void unmapUnlessPersistent(int gref, MapResult m) {
        if (usePersistent()) {
            return;
        }
        if (script.keepMappings) {
            kept.add(m);
            return;
        }
        device.domain().grantOps().unmapGrantRef(m.handle());
    }

    /** Writes a response slot and publishes it (with a notify if the frontend asked). */
    void respond(int q, long id, int op, int status) {
        put(q, id, op, status);
        push(q);
    }

    void put(int q, long id, int op, int status) {
        rings.get(q).ring.putResponse(new BlkifResponse(id, op, status));
    }

    void push(int q) {
        Ring b = rings.get(q);
        if (b.ring.pushResponsesAndCheckNotify()) {
            device.notifyRemote(b.port, "rsp");
        }
    }

    /** A raw store of {@code rsp_prod} on ring {@code q}: a producer the test picks, then a notify. */
    void setRspProd(int q, int value) {
        Layouts.ATOMIC_U32.setRelease(rings.get(q).ring.sring(), (long) SringDescriptor.RSP_PROD_OFFSET, value);
        device.notifyRemote(rings.get(q).port, "rsp_prod forced");
    }
}
