package io.xensim.xenbus.bus.demo;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.XenErrno;
import io.xensim.xenbus.bus.BackendDevice;
import io.xensim.xenbus.bus.XenbusDevice;
import io.xensim.xenbus.bus.XenbusDeviceException;
import io.xensim.xenbus.bus.XenstoreReader;
import io.xensim.xenbus.grant.GnttabStatus;
import io.xensim.xenbus.grant.GrantEntryV1;
import io.xensim.xenbus.grant.MapResult;
import io.xensim.xenbus.memory.Layouts;
import io.xensim.xenbus.ring.BackRing;
import io.xensim.xenbus.store.wire.XsValues;
import io.xensim.xenbus.trace.TraceEvent;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Dom0's end of the echo device, written as the template a real backend copies: offers
 * {@code max-ring-page-order}, reads whichever ring keys the frontend wrote ({@code ring-ref} for one page,
 * {@code ring-page-order} and {@code ring-ref0..N} otherwise), maps the ring, binds its event channel with the
 * handler, and answers each request with its own value (plus the toolstack's {@value EchoDrivers#OFFSET_KEY},
 * watched while connected), or reverses the bytes of the data page a request names (mapped for the request only,
 * as blkback maps a segment).
 *
 * <p>Requests are served in ring.h's recommended loop: {@code req_prod} checked for overflow
 * ({@code RING_REQUEST_PROD_OVERFLOW}: the device fails), each request bounded by
 * {@code RING_REQUEST_CONS_OVERFLOW} and copied out of the shared slot before it is decoded
 * ({@link BackRing#takeRequest}); a malformed request gets {@link EchoResponse#ECHO_RSP_ERROR}, and the next one
 * is served.
 *
 * <p><b>Threading:</b> everything runs on the backend domain's executor.
 *
 * <p><b>Reference:</b> Linux drivers/block/xen-blkback/xenbus.c ({@code connect_ring}, {@code read_per_ring_refs})
 * and blkback.c ({@code __do_block_io_op}).
 */
public final class EchoBackend extends BackendDevice {
    private final int maxRingPageOrder;
    private BackRing<EchoRequest, EchoResponse> ring;
    private int port = -1;
    private long offset;
    private int served;
    private int rejected;

    public EchoBackend(XenbusDevice device) {
        this(device, EchoDrivers.DEFAULT_MAX_RING_PAGE_ORDER);
    }

    public EchoBackend(XenbusDevice device, int maxRingPageOrder) {
        super(device);
        this.maxRingPageOrder = maxRingPageOrder;
    }

    @Override
    protected Map<String, String> features() {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put(EchoDrivers.FEATURE_KEY, "1");
        keys.put(EchoDrivers.MAX_RING_PAGE_ORDER, Integer.toString(maxRingPageOrder));
        return keys;
    }

    @Override
    protected List<String> awaitedFrontendKeys() {
        return List.of(EchoDrivers.RING_REF, EchoDrivers.EVENT_CHANNEL);
    }

    @Override
    protected CompletableFuture<Map<String, String>> connect(XenstoreReader frontend) {
        CompletableFuture<Void> protocol = frontend.read(EchoDrivers.PROTOCOL).thenAccept(abi -> {
            if (abi.isPresent() && !abi.get().equals(EchoDrivers.PROTOCOL_X86_64)) {
                throw new XenbusDeviceException(XenErrno.XEN_EINVAL, "unknown fe protocol " + abi.get());
            }
        });
        return protocol.thenCompose(v -> frontend.readUnsigned(EchoDrivers.RING_PAGE_ORDER, 0))
                .thenCompose(order -> {
                    // connect_ring(): an order above what this backend offered is the frontend's error.
                    if (order > maxRingPageOrder) {
                        throw new XenbusDeviceException(XenErrno.XEN_EINVAL, "requested ring page order " + order
                                + " exceeds " + EchoDrivers.MAX_RING_PAGE_ORDER + " " + maxRingPageOrder + " ("
                                + frontend.path(EchoDrivers.RING_PAGE_ORDER) + ")");
                    }
                    return readRingRefs(frontend, (int) (long) order);
                })
                .thenCombine(frontend.readU32(EchoDrivers.EVENT_CHANNEL), (refs, remotePort) -> {
                    XenbusDevice.RingMapping mapping = device.mapRing(refs);
                    port = device.bindInterdomainEvtchn(remotePort, p -> onEvent());
                    ring = BackRing.init(mapping.area(), EchoDrivers.RING);
                    return Map.<String, String>of();
                })
                .thenCompose(publish -> device.watch(device.nodename() + "/" + EchoDrivers.OFFSET_KEY,
                        (path, token) -> readOffset()).thenApply(v -> publish));
    }

    /** {@code read_per_ring_refs()}: {@code ring-ref} for one page, {@code ring-ref0..N-1} for {@code 2^order}. */
    private static CompletableFuture<int[]> readRingRefs(XenstoreReader frontend, int order) {
        if (order == 0) {
            return frontend.readU32(EchoDrivers.RING_REF).thenApply(ref -> new int[] {ref});
        }
        int[] refs = new int[1 << order];
        CompletableFuture<Void> all = CompletableFuture.completedFuture(null);
        for (int i = 0; i < refs.length; i++) {
            int page = i;
            all = all.thenCompose(v -> frontend.readU32(EchoDrivers.ringRef(page)).thenAccept(r -> refs[page] = r));
        }
        return all.thenApply(v -> refs);
    }

    private void readOffset() {
        device.own().read(EchoDrivers.OFFSET_KEY).thenAccept(value -> {
            // The toolstack's key: a bad value leaves the offset as it was.
            value.map(v -> XsValues.parseSigned(v, Long.MIN_VALUE, Long.MAX_VALUE))
                    .filter(Decoded::isOk).map(Decoded::orElseThrow).ifPresent(v -> offset = v);
        });
    }

    @Override
    protected void disconnect() {
        // The mapping, port and watch go back with the device (releaseResources); only forget them here.
        ring = null;
        port = -1;
    }

    /** Requests answered with {@link EchoResponse#ECHO_RSP_OKAY} so far. */
    public int served() {
        return served;
    }

    /** Requests answered with {@link EchoResponse#ECHO_RSP_ERROR} so far (malformed, or a page that did not map). */
    public int rejected() {
        return rejected;
    }

    /** The ring-page-order of the mapped ring (0 when not connected). */
    public int ringPageOrder() {
        return ring == null ? 0 : ring.ringPageOrder();
    }

    /** Maps the request's data page, reverses its first {@code value} bytes in place, unmaps it. */
    private EchoResponse reverse(EchoRequest req) {
        var ops = device.domain().grantOps();
        MapResult map = ops.mapGrantRef(device.otherendId(), req.gref(), GrantEntryV1.GNTMAP_host_map);
        if (!map.ok()) {
            rejected++;
            device.trace(TraceEvent.Kind.RING, "rejected request id " + Integer.toUnsignedString(req.id())
                    + ": page ref " + Integer.toUnsignedString(req.gref()) + ": " + GnttabStatus.name(map.status()));
            return new EchoResponse(req.id(), EchoResponse.ECHO_RSP_ERROR, 0);
        }
        try {
            MemorySegment page = map.area();
            int n = (int) req.value();
            for (int i = 0, j = n - 1; i < j; i++, j--) {
                byte a = page.get(Layouts.U8, i);
                page.set(Layouts.U8, i, page.get(Layouts.U8, j));
                page.set(Layouts.U8, j, a);
            }
        } finally {
            ops.unmapGrantRef(map.handle());
        }
        served++;
        device.trace(TraceEvent.Kind.RING, "served request id " + req.id() + ": reversed " + req.value()
                + " bytes of page ref " + Integer.toUnsignedString(req.gref()));
        return new EchoResponse(req.id(), EchoResponse.ECHO_RSP_OKAY, req.value());
    }

    private void onEvent() {
        if (ring == null) {
            return;
        }
        boolean notify = false;
        do {
            int reqProd = ring.reqProd();
            if (ring.requestProdOverflow(reqProd)) {
                // __do_block_io_op(): "Frontend provided bogus ring requests"; stop using the ring.
                fatal(XenErrno.XEN_EACCES, "frontend provided bogus ring requests: req_prod "
                        + Integer.toUnsignedString(reqProd) + " is more than " + ring.size() + " past rsp_prod_pvt "
                        + Integer.toUnsignedString(ring.rspProdPvt()));
                return;
            }
            while (ring.hasUnconsumedRequests()) {
                if (ring.requestConsOverflow(ring.reqCons())) {
                    break; // RING_REQUEST_CONS_OVERFLOW: the slot's previous response is not out yet
                }
                switch (ring.takeRequest()) {
                    case Decoded.Ok<EchoRequest>(EchoRequest req) when req.hasPage() -> ring.putResponse(reverse(req));
                    case Decoded.Ok<EchoRequest>(EchoRequest req) -> {
                        ring.putResponse(new EchoResponse(req.id(), EchoResponse.ECHO_RSP_OKAY, req.value() + offset));
                        served++;
                        device.trace(TraceEvent.Kind.RING, "served request id " + req.id() + " value " + req.value());
                    }
                    case Decoded.Malformed<EchoRequest>(String reason) -> {
                        int id = EchoRequest.id(ring.lastTaken());
                        ring.putResponse(new EchoResponse(id, EchoResponse.ECHO_RSP_ERROR, 0));
                        rejected++;
                        device.trace(TraceEvent.Kind.RING, "rejected request id " + Integer.toUnsignedString(id)
                                + ": " + reason);
                    }
                }
            }
            notify |= ring.pushResponsesAndCheckNotify();
        } while (ring.finalCheckForRequests());
        if (notify) {
            device.notifyRemote(port, "rsp_prod " + ring.rspProd());
        }
    }
}
