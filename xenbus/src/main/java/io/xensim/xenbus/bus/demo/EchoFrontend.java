package io.xensim.xenbus.bus.demo;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.XenErrno;
import io.xensim.xenbus.bus.FrontendDevice;
import io.xensim.xenbus.bus.XenbusDevice;
import io.xensim.xenbus.bus.XenstoreReader;
import io.xensim.xenbus.ring.FrontRing;
import io.xensim.xenbus.trace.TraceEvent;
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
 * value. Requests issued before the device is connected, or in flight when the backend goes away, are (re-)issued
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
    /** Values of requests not yet answered, by id. */
    private final Map<Integer, Long> values = new LinkedHashMap<>();
    /** Requests on the current ring, by id. */
    private final Map<Integer, Long> inFlight = new LinkedHashMap<>();
    private final Map<Integer, CompletableFuture<Long>> waiting = new LinkedHashMap<>();
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
        // The ring, port and pages go back with the device (releaseResources); only forget them here.
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
        assert device.domain().executor().inExecutor();
        int id = nextId++;
        var result = new CompletableFuture<Long>();
        waiting.put(id, result);
        values.put(id, value);
        if (isConnected() && !ring.full()) {
            push(id);
            kick();
        } else {
            queued.add(id);
        }
        return result;
    }

    /** Requests sent and not yet answered. */
    public int outstanding() {
        return waiting.size();
    }

    private void push(int id) {
        long value = values.get(id);
        int slot = ring.reqProdPvt() & (ring.size() - 1);
        ring.putRequest(new EchoRequest(id, value));
        inFlight.put(id, value);
        device.trace(TraceEvent.Kind.RING, "request id " + id + " value " + value + " in slot " + slot);
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
        if (inFlight.remove(rsp.id()) == null) {
            device.trace(TraceEvent.Kind.RING, "ignoring a response to id " + Integer.toUnsignedString(rsp.id())
                    + ", not in flight");
            return;
        }
        values.remove(rsp.id());
        device.trace(TraceEvent.Kind.RING, "response id " + rsp.id() + " status " + rsp.status() + " value "
                + rsp.value());
        CompletableFuture<Long> f = waiting.remove(rsp.id());
        if (rsp.status() == EchoResponse.ECHO_RSP_OKAY) {
            f.complete(rsp.value());
        } else {
            f.completeExceptionally(new IllegalStateException("echo request " + rsp.id() + ": ECHO_RSP_ERROR"));
        }
    }
}
