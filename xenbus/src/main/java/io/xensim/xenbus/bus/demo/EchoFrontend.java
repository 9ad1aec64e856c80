package io.xensim.xenbus.bus.demo;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.XenErrno;
import io.xensim.xenbus.bus.FrontendDevice;
import io.xensim.xenbus.bus.GrantPool;
import io.xensim.xenbus.bus.XenbusDevice;
import io.xensim.xenbus.bus.XenstoreReader;
import io.xensim.xenbus.memory.Layouts;
import io.xensim.xenbus.ring.FrontRing;
import io.xensim.xenbus.trace.TraceEvent;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The guest's end of the echo device, written as the template a real frontend copies: a ring of
 * {@code 2^order} pages granted to the backend (the order chosen from the backend's {@code max-ring-page-order},
 * as blkfront does), one event channel bound with its handler, requests that the backend answers with the same
 * value, or reverses the bytes of a data page granted from the device's {@link GrantPool} ({@link #reverse}).
 * Requests issued before the device is connected, or in flight when the backend goes away, are (re-)issued
 * on the next connection, as blkfront re-issues its I/O after a reconnect.
 *
 * <p>The connect step ({@link #talkToBackend}) reads the backend's features into a typed record
 * ({@link EchoBackendFeatures}) and publishes either {@code ring-ref} (one page) or {@code ring-page-order} and
 * {@code ring-ref0..N}. Responses are read the way ring.h recommends: {@code rsp_prod} checked for overflow
 * ({@code RING_RESPONSE_PROD_OVERFLOW}), each slot copied out before it is decoded ({@link FrontRing#takeResponse}).
 *
 * <p><b>Threading:</b> everything runs on the guest's executor; {@link #echo} must be called there.
 *
 * <p><b>Reference:</b> Linux drivers/block/xen-blkfront.c ({@code talk_to_blkback}, {@code setup_blkring},
 * {@code blkif_interrupt}).
 */
public final class EchoFrontend extends FrontendDevice {
    private final int wantedRingPageOrder;
    /** A request not yet answered: a value to echo, or the bytes of a page to reverse. */
    private record Pending(long value, byte[] data, CompletableFuture<Long> echoed,
                           CompletableFuture<byte[]> reversed) {
    }

    /** Requests not yet answered, by id. */
    private final Map<Integer, Pending> pending = new LinkedHashMap<>();
    /** Requests on the current ring, by id, with the data page each one carries. */
    private final Map<Integer, Optional<GrantPool.DataPage>> inFlight = new LinkedHashMap<>();
    private final List<Integer> queued = new ArrayList<>();
    private int nextId = 1;
    private FrontRing<EchoRequest, EchoResponse> ring;
    private int port = -1;
    private XenbusDevice.RingPages pages;
    private Optional<EchoBackendFeatures> backendFeatures = Optional.empty();

    public EchoFrontend(XenbusDevice device) {
        this(device, 0);
    }

    public EchoFrontend(XenbusDevice device, int wantedRingPageOrder) {
        super(device);
        this.wantedRingPageOrder = wantedRingPageOrder;
    }

    @Override
    protected CompletableFuture<Map<String, String>> talkToBackend(XenstoreReader backend) {
        return EchoBackendFeatures.read(backend).thenApply(features -> {
            backendFeatures = Optional.of(features);
            // talk_to_blkback(): the smaller of what this driver wants and what the backend maps.
            int order = Math.min(wantedRingPageOrder, features.maxRingPageOrder());
            pages = device.setupRing(1 << order);
            ring = FrontRing.init(pages.area(), EchoDrivers.RING);
            port = device.allocEvtchn(p -> onEvent());
            Map<String, String> keys = new LinkedHashMap<>();
            if (order == 0) {
                keys.put(EchoDrivers.RING_REF, Integer.toUnsignedString(pages.refs()[0]));
            } else {
                keys.put(EchoDrivers.RING_PAGE_ORDER, Integer.toString(order));
                for (int i = 0; i < pages.refs().length; i++) {
                    keys.put(EchoDrivers.ringRef(i), Integer.toUnsignedString(pages.refs()[i]));
                }
            }
            keys.put(EchoDrivers.EVENT_CHANNEL, Integer.toString(port));
            keys.put(EchoDrivers.PROTOCOL, EchoDrivers.PROTOCOL_X86_64);
            return keys;
        });
    }

    @Override
    protected CompletableFuture<Void> connected(XenstoreReader backend) {
        // Re-issue what the previous connection did not answer, then what waited for a connection.
        List<Integer> again = new ArrayList<>(inFlight.keySet());
        inFlight.clear();
        again.addAll(queued);
        queued.clear();
        for (int id : again) {
            if (ring.full()) {
                queued.add(id);
            } else {
                push(id);
            }
        }
        kick();
        return CompletableFuture.completedFuture(null);
    }

    @Override
    protected void disconnect() {
        // The ring, port and data pages go back with the device (releaseResources: a page the backend still maps
        // is revoked once it lets go); only forget them here. In-flight requests are sent again, on new pages.
        ring = null;
        port = -1;
        pages = null;
    }

    /** The backend's features as read at the last connection. */
    public Optional<EchoBackendFeatures> backendFeatures() {
        return backendFeatures;
    }

    /** The ring-page-order of the current ring (0 before the first connection). */
    public int ringPageOrder() {
        return ring == null ? 0 : ring.ringPageOrder();
    }

    /** Sends {@code value}; completes with what the backend sent back. */
    public CompletableFuture<Long> echo(long value) {
        var result = new CompletableFuture<Long>();
        submit(new Pending(value, null, result, null));
        return result;
    }

    /**
     * Sends {@code data} (at most a page) in a data page granted to the backend; completes with the page's bytes
     * after the backend reversed them in place. The page goes back to the pool with the response.
     */
    public CompletableFuture<byte[]> reverse(byte[] data) {
        if (data.length > Layouts.XEN_PAGE_SIZE) {
            throw new IllegalArgumentException("data.length: " + data.length + " (expected: <= "
                    + Layouts.XEN_PAGE_SIZE + ")");
        }
        var result = new CompletableFuture<byte[]>();
        submit(new Pending(data.length, data.clone(), null, result));
        return result;
    }

    private void submit(Pending request) {
        assert device.domain().executor().inExecutor();
        int id = nextId++;
        pending.put(id, request);
        if (isConnected() && !ring.full()) {
            push(id);
            kick();
        } else {
            queued.add(id);
        }
    }

    /** Requests sent and not yet answered. */
    public int outstanding() {
        return pending.size();
    }

    private void push(int id) {
        Pending request = pending.get(id);
        int slot = ring.reqProdPvt() & (ring.size() - 1);
        if (request.data() == null) {
            ring.putRequest(new EchoRequest(id, request.value()));
            inFlight.put(id, Optional.empty());
            device.trace(TraceEvent.Kind.RING, "request id " + id + " value " + request.value() + " in slot " + slot);
            return;
        }
        GrantPool.DataPage page = device.grantPool().allocate(false);
        page.page().copyFrom(MemorySegment.ofArray(request.data()));
        ring.putRequest(new EchoRequest(id, page.ref(), request.data().length));
        inFlight.put(id, Optional.of(page));
        device.trace(TraceEvent.Kind.RING, "request id " + id + " page ref " + page.ref() + " (" + request.data().length
                + " bytes) in slot " + slot);
    }

    private void kick() {
        if (ring.pushRequestsAndCheckNotify()) {
            device.notifyRemote(port, "req_prod " + ring.reqProd());
        }
    }

    private void onEvent() {
        if (ring == null) {
            return;
        }
        do {
            int rspProd = ring.rspProd();
            if (ring.responseProdOverflow(rspProd)) {
                // blkif_interrupt(): "illegal number of responses"; the ring cannot be trusted any more.
                fatal(XenErrno.XEN_EIO, "illegal number of responses: rsp_prod " + Integer.toUnsignedString(rspProd)
                        + " is more than " + ring.size() + " past rsp_cons " + Integer.toUnsignedString(ring.rspCons()));
                return;
            }
            int n = ring.unconsumedResponses();
            for (int k = 0; k < n; k++) {
                switch (ring.takeResponse()) {
                    case Decoded.Ok<EchoResponse>(EchoResponse rsp) -> complete(rsp);
                    case Decoded.Malformed<EchoResponse>(String reason) -> device.trace(TraceEvent.Kind.RING,
                            "ignoring a malformed response: " + reason);
                }
            }
        } while (ring.finalCheckForResponses());
        // Requests that waited for free slots.
        if (!queued.isEmpty() && isConnected()) {
            List<Integer> next = new ArrayList<>(queued);
            queued.clear();
            for (int id : next) {
                if (ring.full()) {
                    queued.add(id);
                } else {
                    push(id);
                }
            }
            kick();
        }
    }

    private void complete(EchoResponse rsp) {
        if (!inFlight.containsKey(rsp.id())) {
            device.trace(TraceEvent.Kind.RING, "ignoring a response to id " + Integer.toUnsignedString(rsp.id())
                    + ", not in flight");
            return;
        }
        Optional<GrantPool.DataPage> page = inFlight.remove(rsp.id());
        Pending request = pending.remove(rsp.id());
        device.trace(TraceEvent.Kind.RING, "response id " + rsp.id() + " status " + rsp.status() + " value "
                + rsp.value());
        boolean okay = rsp.status() == EchoResponse.ECHO_RSP_OKAY;
        if (page.isPresent()) {
            byte[] bytes = page.get().page().asSlice(0, request.data().length).toArray(Layouts.U8);
            device.grantPool().free(page.get());
            if (okay) {
                request.reversed().complete(bytes);
            } else {
                request.reversed().completeExceptionally(error(rsp));
            }
        } else if (okay) {
            request.echoed().complete(rsp.value());
        } else {
            request.echoed().completeExceptionally(error(rsp));
        }
    }

    private static IllegalStateException error(EchoResponse rsp) {
        return new IllegalStateException("echo request " + rsp.id() + ": ECHO_RSP_ERROR");
    }
}
