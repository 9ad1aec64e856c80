package io.xensim.xenbus.bus;

import static io.xensim.xenbus.bus.XenbusState.CLOSED;
import static io.xensim.xenbus.bus.XenbusState.CLOSING;
import static io.xensim.xenbus.bus.XenbusState.CONNECTED;
import static io.xensim.xenbus.bus.XenbusState.INITIALISED;
import static io.xensim.xenbus.bus.XenbusState.INIT_WAIT;
import static io.xensim.xenbus.bus.XenbusState.UNKNOWN;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.XenErrno;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The backend half of the xenbus handshake, for any protocol: netback, blkback and the demonstration drivers extend
 * it. In the order of the io/blkif.h and io/netif.h diagrams:
 * <ol>
 *   <li>on probe (Initialising): write the backend's features ({@link #features()}) and switch to InitWait;</li>
 *   <li>when the frontend is Initialised or Connected: read its transport keys ({@link #frontendTransportKeys()},
 *       every one required), map the rings and bind the event channels ({@link #connect}), write what the frontend
 *       reads once connected, switch to Connected.</li>
 * </ol>
 * Closing: when the frontend goes Closing the backend disconnects and follows to Closing; when it is Closed (or its
 * directory has gone) the backend goes Closed. A Closed backend whose frontend comes back to Initialising returns to
 * InitWait (xen-blkback's "prepare for reconnect"). A fresh backend in InitWait that finds a frontend still Closed
 * from an earlier connection waits for it to reinitialise.
 *
 * <p>A frontend's keys are untrusted: a missing or malformed one closes this device ({@link XenbusDevice#fatal})
 * and nothing else.
 *
 * <p><b>Threading:</b> every method runs on the backend domain's executor.
 *
 * <p><b>Reference:</b> Linux drivers/block/xen-blkback/xenbus.c ({@code frontend_changed}, {@code connect_ring})
 * and drivers/net/xen-netback/xenbus.c ({@code frontend_changed}, {@code set_backend_state}).
 */
public abstract class BackendDevice implements XenbusDeviceHandler {
    protected final XenbusDevice device;
    private boolean connected;
    private boolean connecting;

    protected BackendDevice(XenbusDevice device) {
        this.device = Objects.requireNonNull(device, "device");
    }

    public final XenbusDevice device() {
        return device;
    }

    // ------------------------------------------------------------------------------------------ protocol hooks

    /** Keys written to this end's directory before InitWait ({@code feature-*}, {@code max-*}). */
    protected Map<String, String> features() {
        return Map.of();
    }

    /** Keys of the frontend directory that must be there once it is Initialised ({@code ring-ref}, …). */
    protected abstract List<String> frontendTransportKeys();

    /** Keys of the frontend directory read if present ({@code request-*}, {@code protocol}, …). */
    protected List<String> optionalFrontendKeys() {
        return List.of();
    }

    /**
     * Maps the rings and binds the event channels the frontend published. {@code Ok} carries keys to write before
     * switching to Connected (may be empty); {@code Malformed} names what was wrong and closes the device.
     */
    protected abstract Decoded<Map<String, String>> connect(Map<String, Optional<String>> frontendKeys);

    /** Stop using the transport; whatever the device helpers handed out is released right after. */
    protected abstract void disconnect();

    public final boolean isConnected() {
        return connected;
    }

    // ------------------------------------------------------------------------------------------ the handshake

    @Override
    public void start() {
        Map<String, String> features = features();
        CompletableFuture<Void> written = features.isEmpty() ? CompletableFuture.completedFuture(null)
                : device.writeOwnInTransaction(features);
        written.thenCompose(v -> device.switchState(INIT_WAIT, features.isEmpty() ? "ready"
                : "published " + String.join(", ", features.keySet())))
                .thenRun(this::awaitFrontend)
                .exceptionally(err -> {
                    device.fatal("publishing features: " + TracedXs.rootMessage(err));
                    return null;
                });
    }

    private void awaitFrontend() {
        device.expect("the frontend to publish its transport and reach Initialised or Connected",
                EnumSet.of(INITIALISED, CONNECTED), frontendTransportKeys());
        XenbusState frontend = device.otherendState();
        if (frontend == INITIALISED || frontend == CONNECTED) {
            connectToFrontend();
        }
    }

    @Override
    public final void otherendChanged(XenbusState frontend) {
        XenbusState state = device.state();
        switch (frontend) {
            case INITIALISING -> {
                if (state == CLOSED) {
                    device.switchState(INIT_WAIT, "frontend reinitialising").thenRun(this::awaitFrontend);
                }
            }
            case INITIALISED, CONNECTED -> {
                if (state == INIT_WAIT) {
                    connectToFrontend();
                }
            }
            case CLOSING -> {
                if (state != CLOSING && state != CLOSED) {
                    teardown();
                    device.switchState(CLOSING, "frontend closing");
                    device.expect("the frontend to reach Closed", EnumSet.of(CLOSED, UNKNOWN), List.of());
                }
            }
            case CLOSED, UNKNOWN -> {
                if (connected || state == CONNECTED || state == CLOSING || state == INITIALISED) {
                    teardown();
                    device.clearExpectation();
                    device.switchState(CLOSED, "frontend is " + frontend.shortName());
                }
                // In InitWait a Closed frontend is one from an earlier connection: wait for it to reinitialise.
            }
            case RECONFIGURING, RECONFIGURED -> {
                // Not used by the protocols modelled here.
            }
        }
    }

    private void connectToFrontend() {
        if (connecting || connected) {
            return;
        }
        connecting = true;
        List<String> keys = new ArrayList<>(frontendTransportKeys());
        keys.addAll(optionalFrontendKeys());
        device.readOtherend(keys).thenCompose(values -> {
            if (device.state() != INIT_WAIT || device.isRemoved()) {
                return CompletableFuture.completedFuture(null);
            }
            for (String required : frontendTransportKeys()) {
                if (values.get(required).isEmpty()) {
                    device.fatal(XenErrno.XEN_ENOENT, "missing key " + device.otherendPath() + "/" + required);
                    return CompletableFuture.completedFuture(null);
                }
            }
            switch (connect(values)) {
                case Decoded.Malformed<Map<String, String>>(String reason) -> {
                    device.releaseResources();
                    device.fatal("connecting to the frontend: " + reason);
                    return CompletableFuture.completedFuture(null);
                }
                case Decoded.Ok<Map<String, String>>(Map<String, String> publish) -> {
                    connected = true;
                    CompletableFuture<Void> written = publish.isEmpty() ? CompletableFuture.completedFuture(null)
                            : device.writeOwnInTransaction(publish);
                    return written.thenCompose(v -> connected
                            ? device.switchState(CONNECTED, "mapped the ring, bound the event channel")
                            : CompletableFuture.completedFuture(null));
                }
            }
        }).whenComplete((v, err) -> {
            connecting = false;
            if (err != null && !device.isRemoved()) {
                device.fatal("connecting: " + TracedXs.rootMessage(err));
            }
        });
    }

    private void teardown() {
        if (connected) {
            connected = false;
            disconnect();
        }
        device.releaseResources();
    }

    /** Closes the device from this end (the backend is going away): Closing now, Closed when the frontend is. */
    public void close() {
        assert device.domain().executor().inExecutor();
        XenbusState state = device.state();
        if (state == CLOSING || state == CLOSED) {
            return;
        }
        teardown();
        device.switchState(CLOSING, "backend closing");
        device.expect("the frontend to reach Closed", EnumSet.of(CLOSED, UNKNOWN), List.of());
    }

    @Override
    public void timedOut(XenbusTimeoutException error) {
        teardown();
        device.fatal(error.getMessage());
    }

    @Override
    public final void remove() {
        teardown();
    }
}
