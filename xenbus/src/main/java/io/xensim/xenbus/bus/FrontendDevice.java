package io.xensim.xenbus.bus;

import static io.xensim.xenbus.bus.XenbusState.CLOSED;
import static io.xensim.xenbus.bus.XenbusState.CLOSING;
import static io.xensim.xenbus.bus.XenbusState.CONNECTED;
import static io.xensim.xenbus.bus.XenbusState.INITIALISED;
import static io.xensim.xenbus.bus.XenbusState.INITIALISING;
import static io.xensim.xenbus.bus.XenbusState.INIT_WAIT;
import static io.xensim.xenbus.bus.XenbusState.UNKNOWN;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The frontend half of the xenbus handshake, for any protocol: netfront, blkfront and the demonstration drivers
 * extend it and fill in the protocol (which backend features to read, which rings and event channels to set up,
 * which keys to publish). The order is the one of the io/blkif.h and io/netif.h diagrams:
 * <ol>
 *   <li>Initialising (written by the toolstack); wait for the backend to reach InitWait;</li>
 *   <li>read the backend's features ({@link #backendFeatureKeys()}); set up rings, grants and event channels
 *       ({@link #setupTransport}); write the ring refs and event channels ({@link #transportKeys()}) in one
 *       xenstore transaction, retried on EAGAIN; switch to {@link #stateAfterPublish()} (Initialised, as
 *       blkfront; Connected, as netfront);</li>
 *   <li>when the backend is Connected: read {@link #backendConnectedKeys()}, call {@link #connected}, switch to
 *       Connected.</li>
 * </ol>
 * Closing: when the backend goes Closing or Closed, or disappears (its {@code state} key is gone), the frontend
 * stops using the transport ({@link #disconnect()}), gives back its grants and ports and goes Closed
 * ({@code xenbus_frontend_closed()}); {@link #close()} starts a close from this end (Closing, then Closed once the
 * backend follows). Reconnect: a Closed frontend whose backend comes back (Initialising or InitWait again) returns
 * to Initialising and runs the handshake again with fresh grants; {@link #connectionCount()} tells the driver it is
 * a reconnection (blkfront re-issues its in-flight requests then).
 *
 * <p>Each wait is bounded ({@link XenbusDevice#expect}): a missing step fails the device with a
 * {@link XenbusTimeoutException} and closes it.
 *
 * <p><b>Threading:</b> every method runs on the frontend domain's executor.
 *
 * <p><b>Reference:</b> Linux drivers/block/xen-blkfront.c ({@code blkback_changed}, {@code talk_to_blkback}) and
 * drivers/net/xen-netfront.c ({@code netback_changed}, {@code talk_to_netback}).
 */
public abstract class FrontendDevice implements XenbusDeviceHandler {
    private static final EnumSet<XenbusState> BACKEND_READY = EnumSet.of(INIT_WAIT, INITIALISED, CONNECTED);

    protected final XenbusDevice device;
    private boolean transportUp;
    private boolean talking;
    private boolean connectedCalled;
    private boolean closeRequested;
    private int connections;

    protected FrontendDevice(XenbusDevice device) {
        this.device = Objects.requireNonNull(device, "device");
    }

    public final XenbusDevice device() {
        return device;
    }

    // ------------------------------------------------------------------------------------------ protocol hooks

    /** Keys of the backend directory read before the transport is set up ({@code feature-*}, {@code max-*}). */
    protected List<String> backendFeatureKeys() {
        return List.of();
    }

    /**
     * Sets up this connection's rings, grants and event channels (with {@link XenbusDevice#setupRing},
     * {@link XenbusDevice#allocEvtchn}); {@code backendFeatures} holds {@link #backendFeatureKeys()}, empty where
     * the backend did not write one.
     */
    protected abstract void setupTransport(Map<String, Optional<String>> backendFeatures);

    /**
     * The keys to publish (relative to this end's directory) in one transaction: ring refs, event channels,
     * protocol, requested features. May be called more than once (the transaction is retried on EAGAIN).
     */
    protected abstract Map<String, String> transportKeys();

    /** The state after publishing: Initialised (blkfront), or Connected (netfront, which does not wait). */
    protected XenbusState stateAfterPublish() {
        return INITIALISED;
    }

    /** Keys of the backend directory read once it is Connected (blkback's {@code sectors}, …). */
    protected List<String> backendConnectedKeys() {
        return List.of();
    }

    /** The backend is Connected: the transport may be used. */
    protected void connected(Map<String, Optional<String>> backendKeys) {
    }

    /**
     * Stop using the transport. Rings, grants and ports obtained through the device helpers that the driver does
     * not give back itself are released right after ({@link XenbusDevice#releaseResources()}).
     */
    protected abstract void disconnect();

    // ------------------------------------------------------------------------------------------ status

    /** True between {@link #connected} and {@link #disconnect()}. */
    public final boolean isConnected() {
        return connectedCalled && transportUp && device.state() == CONNECTED;
    }

    /** How many times the transport was set up: 1 for the first connection, 2 after one reconnection, … */
    public final int connectionCount() {
        return connections;
    }

    // ------------------------------------------------------------------------------------------ the handshake

    @Override
    public void start() {
        device.expect("the backend to reach InitWait", BACKEND_READY, List.of());
    }

    @Override
    public final void otherendChanged(XenbusState backend) {
        XenbusState state = device.state();
        switch (backend) {
            case INITIALISING -> {
                if (state == CLOSED && !closeRequested) {
                    reconnect(backend);
                }
            }
            case INIT_WAIT, INITIALISED -> {
                if (state == CLOSED && !closeRequested) {
                    reconnect(backend);
                } else if (state == INITIALISING) {
                    talkToBackend();
                }
            }
            case CONNECTED -> {
                if (state == INITIALISING) {
                    talkToBackend();
                } else if ((state == INITIALISED || state == CONNECTED) && transportUp && !connectedCalled) {
                    backendConnected();
                }
            }
            case CLOSING, CLOSED -> {
                if (state != CLOSED) {
                    closed("backend is " + backend.shortName());
                }
            }
            case UNKNOWN -> {
                if (state != CLOSED && (transportUp || state != INITIALISING)) {
                    closed("backend has gone (no state key)");
                }
            }
            case RECONFIGURING, RECONFIGURED -> {
                // Not used by the protocols modelled here.
            }
        }
    }

    private void talkToBackend() {
        if (talking) {
            return;
        }
        talking = true;
        device.readOtherend(backendFeatureKeys()).thenCompose(features -> {
            if (device.state() != INITIALISING || device.isRemoved()) {
                return java.util.concurrent.CompletableFuture.completedFuture(null);
            }
            setupTransport(features);
            transportUp = true;
            connections++;
            return device.writeOwnInTransaction(transportKeys()).thenCompose(v -> {
                if (device.state() != INITIALISING || !transportUp) {
                    return java.util.concurrent.CompletableFuture.completedFuture(null);
                }
                return device.switchState(stateAfterPublish(), "published " + String.join(", ",
                        transportKeys().keySet()));
            }).thenRun(() -> {
                if (!transportUp) {
                    return;
                }
                device.expect("the backend to connect", EnumSet.of(CONNECTED), backendConnectedKeys());
                if (device.otherendState() == CONNECTED && !connectedCalled) {
                    backendConnected();
                }
            });
        }).whenComplete((v, err) -> {
            talking = false;
            if (err != null && !device.isRemoved()) {
                device.fatal("talking to the backend: " + TracedXs.rootMessage(err));
            }
        });
    }

    private void backendConnected() {
        connectedCalled = true;
        device.readOtherend(backendConnectedKeys()).thenAccept(keys -> {
            if (!transportUp || device.isRemoved()) {
                return;
            }
            connected(keys);
            if (device.state() != CONNECTED) {
                device.switchState(CONNECTED, "backend connected");
            }
        }).exceptionally(err -> {
            device.fatal("connecting: " + TracedXs.rootMessage(err));
            return null;
        });
    }

    private void reconnect(XenbusState backend) {
        device.switchState(INITIALISING, "backend is back (" + backend.shortName() + "): reconnecting")
                .thenRun(() -> {
                    device.expect("the backend to reach InitWait", BACKEND_READY, List.of());
                    if (BACKEND_READY.contains(device.otherendState()) && device.state() == INITIALISING) {
                        talkToBackend();
                    }
                });
    }

    private void teardown() {
        if (transportUp) {
            transportUp = false;
            disconnect();
        }
        connectedCalled = false;
        device.releaseResources();
    }

    private void closed(String why) {
        teardown();
        device.clearExpectation();
        device.switchState(CLOSED, why);
    }

    /**
     * Closes the device from this end (the guest unplugs it): Closing now, Closed once the backend has followed to
     * Closing or Closed. The frontend does not reconnect after this.
     */
    public void close() {
        assert device.domain().executor().inExecutor();
        closeRequested = true;
        XenbusState state = device.state();
        if (state == CLOSED || state == CLOSING) {
            return;
        }
        device.switchState(CLOSING, "frontend closing");
        XenbusState backend = device.otherendState();
        if (backend == CLOSING || backend == CLOSED || backend == UNKNOWN) {
            closed("backend is " + backend.shortName());
        } else {
            device.expect("the backend to follow to Closing", EnumSet.of(CLOSING, CLOSED, UNKNOWN), List.of());
        }
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
