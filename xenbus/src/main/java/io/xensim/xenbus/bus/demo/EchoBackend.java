package io.xensim.xenbus.bus.demo;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.bus.BackendDevice;
import io.xensim.xenbus.bus.XenbusDevice;
import io.xensim.xenbus.ring.BackRing;
import io.xensim.xenbus.trace.TraceEvent;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Dom0's end of the echo device: maps the frontend's ring page, binds its event channel and answers each request
 * with its own value.
 *
 * <p><b>Threading:</b> everything runs on the backend domain's executor.
 */
public final class EchoBackend extends BackendDevice {
    private BackRing ring;
    private XenbusDevice.RingMapping mapping;
    private int port = -1;
    private int served;

    public EchoBackend(XenbusDevice device) {
        super(device);
    }

    @Override
    protected Map<String, String> features() {
        return Map.of(EchoDrivers.FEATURE_KEY, "1");
    }

    @Override
    protected List<String> frontendTransportKeys() {
        return List.of("ring-ref", "event-channel");
    }

    @Override
    protected List<String> optionalFrontendKeys() {
        return List.of("protocol");
    }

    @Override
    protected Decoded<Map<String, String>> connect(Map<String, Optional<String>> keys) {
        if (!(XenbusDevice.parseU32("ring-ref", keys.get("ring-ref")) instanceof Decoded.Ok<Integer>(Integer ref))) {
            return Decoded.malformed("ring-ref: " + keys.get("ring-ref").orElse("missing"));
        }
        if (!(XenbusDevice.parseU32("event-channel", keys.get("event-channel"))
                instanceof Decoded.Ok<Integer>(Integer remotePort))) {
            return Decoded.malformed("event-channel: " + keys.get("event-channel").orElse("missing"));
        }
        switch (device.mapRing(new int[] {ref})) {
            case Decoded.Malformed<XenbusDevice.RingMapping>(String reason) -> {
                return Decoded.malformed(reason);
            }
            case Decoded.Ok<XenbusDevice.RingMapping>(XenbusDevice.RingMapping m) -> mapping = m;
        }
        int local = device.bindInterdomainEvtchn(remotePort);
        if (local < 0) {
            return Decoded.malformed("event-channel " + remotePort + ": bind_interdomain failed (" + local + ")");
        }
        port = local;
        ring = BackRing.init(mapping.area(), EchoRequest.LENGTH);
        device.domain().eventChannels().bindHandler(port, p -> onEvent());
        return Decoded.ok(Map.of());
    }

    @Override
    protected void disconnect() {
        ring = null;
        if (port >= 0) {
            device.closeEvtchn(port);
            port = -1;
        }
        if (mapping != null) {
            device.unmapRing(mapping);
            mapping = null;
        }
    }

    /** Requests answered so far. */
    public int served() {
        return served;
    }

    private void onEvent() {
        if (ring == null) {
            return;
        }
        boolean notify = false;
        do {
            while (ring.hasUnconsumedRequests()) {
                EchoRequest req = EchoRequest.decode(ring.sring(), ring.consumeRequest());
                new EchoResponse(req.id(), EchoResponse.ECHO_RSP_OKAY, req.value())
                        .encode(ring.sring(), ring.produceResponse());
                served++;
                device.domain().hypervisor().trace(device.domid(), device.label(), TraceEvent.Kind.RING,
                        "served request id " + req.id() + " value " + req.value());
            }
            notify |= ring.pushResponsesAndCheckNotify();
        } while (ring.finalCheckForRequests());
        if (notify) {
            device.domain().eventChannels().send(port);
            device.domain().hypervisor().trace(device.domid(), device.label(), TraceEvent.Kind.EVENT_CHANNEL,
                    "notify port " + port + " (rsp_prod " + ring.rspProd() + ")");
        }
    }
}
