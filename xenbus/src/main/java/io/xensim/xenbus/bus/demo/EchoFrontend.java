package io.xensim.xenbus.bus.demo;

import io.xensim.xenbus.bus.FrontendDevice;
import io.xensim.xenbus.bus.XenbusDevice;
import io.xensim.xenbus.bus.XenbusState;
import io.xensim.xenbus.ring.FrontRing;
import io.xensim.xenbus.trace.TraceEvent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The guest's end of the echo device: one ring page granted to the backend, one event channel, requests that the
 * backend answers with the same value. Requests issued before the device is connected, or in flight when the
 * backend goes away, are (re-)issued on the next connection, as blkfront re-issues its I/O after a reconnect.
 *
 * <p><b>Threading:</b> everything runs on the guest's executor; {@link #echo} must be called there.
 */
public final class EchoFrontend extends FrontendDevice {
    /** Values of requests not yet answered, by id. */
    private final Map<Integer, Long> values = new LinkedHashMap<>();
    /** Requests on the current ring, by id. */
    private final Map<Integer, Long> inFlight = new LinkedHashMap<>();
    private final Map<Integer, CompletableFuture<Long>> waiting = new LinkedHashMap<>();
    private final List<Integer> queued = new java.util.ArrayList<>();
    private int nextId = 1;
    private FrontRing ring;
    private int port = -1;
    private XenbusDevice.RingPages pages;
    private Optional<String> backendFeature = Optional.empty();

    public EchoFrontend(XenbusDevice device) {
        super(device);
    }

    @Override
    protected List<String> backendFeatureKeys() {
        return List.of(EchoDrivers.FEATURE_KEY);
    }

    @Override
    protected void setupTransport(Map<String, Optional<String>> backendFeatures) {
        backendFeature = backendFeatures.get(EchoDrivers.FEATURE_KEY);
        pages = device.setupRing(1);
        ring = FrontRing.init(pages.area(), EchoRequest.LENGTH);
        port = device.allocEvtchn();
        device.domain().eventChannels().bindHandler(port, p -> onEvent());
    }

    @Override
    protected Map<String, String> transportKeys() {
        Map<String, String> keys = new LinkedHashMap<>();
        keys.put("ring-ref", Integer.toString(pages.refs()[0]));
        keys.put("event-channel", Integer.toString(port));
        keys.put("protocol", "x86_64-abi");
        return keys;
    }

    @Override
    protected void connected(Map<String, Optional<String>> backendKeys) {
        // Re-issue what the previous connection did not answer, then what waited for a connection.
        List<Integer> again = new java.util.ArrayList<>(inFlight.keySet());
        inFlight.clear();
        again.addAll(queued);
        queued.clear();
        for (int id : again) {
            push(id);
        }
        kick();
    }

    @Override
    protected void disconnect() {
        ring = null;
        if (port >= 0) {
            device.closeEvtchn(port);
            port = -1;
        }
        if (pages != null) {
            device.teardownRing(pages);
            pages = null;
        }
    }

    /** The backend's {@value EchoDrivers#FEATURE_KEY} key as read at the last connection. */
    public Optional<String> backendFeature() {
        return backendFeature;
    }

    /** Sends {@code value}; completes with what the backend sent back. */
    public CompletableFuture<Long> echo(long value) {
        assert device.domain().executor().inExecutor();
        int id = nextId++;
        var result = new CompletableFuture<Long>();
        waiting.put(id, result);
        values.put(id, value);
        if (isConnected() && ring != null && !ring.full()) {
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
        long off = ring.produceRequest();
        new EchoRequest(id, value).encode(ring.sring(), off);
        inFlight.put(id, value);
        device.domain().hypervisor().trace(device.domid(), device.label(), TraceEvent.Kind.RING,
                "request id " + id + " value " + value + " in slot " + ((ring.reqProdPvt() - 1) & (ring.size() - 1)));
    }

    private void kick() {
        if (ring != null && ring.pushRequestsAndCheckNotify()) {
            device.domain().eventChannels().send(port);
            device.domain().hypervisor().trace(device.domid(), device.label(), TraceEvent.Kind.EVENT_CHANNEL,
                    "notify port " + port + " (req_prod " + ring.reqProd() + ")");
        }
    }

    private void onEvent() {
        if (ring == null || device.state() != XenbusState.CONNECTED) {
            return;
        }
        do {
            int n = ring.unconsumedResponses();
            for (int k = 0; k < n; k++) {
                EchoResponse rsp = EchoResponse.decode(ring.sring(), ring.consumeResponse());
                if (inFlight.remove(rsp.id()) == null) {
                    continue; // a response to nothing we sent: ignore it
                }
                values.remove(rsp.id());
                device.domain().hypervisor().trace(device.domid(), device.label(), TraceEvent.Kind.RING,
                        "response id " + rsp.id() + " status " + rsp.status() + " value " + rsp.value());
                CompletableFuture<Long> f = waiting.remove(rsp.id());
                if (f != null) {
                    f.complete(rsp.value());
                }
            }
        } while (ring.finalCheckForResponses());
    }
}
