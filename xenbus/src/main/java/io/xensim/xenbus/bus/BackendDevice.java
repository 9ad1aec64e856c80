package io.xensim.xenbus.bus;

import static io.xensim.xenbus.bus.XenbusState.CLOSED;
import static io.xensim.xenbus.bus.XenbusState.CLOSING;
import static io.xensim.xenbus.bus.XenbusState.CONNECTED;
import static io.xensim.xenbus.bus.XenbusState.INITIALISED;
import static io.xensim.xenbus.bus.XenbusState.INIT_WAIT;
import static io.xensim.xenbus.bus.XenbusState.UNKNOWN;

import io.xensim.xenbus.XenErrno;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The backend half of the xenbus handshake, for any protocol: netback, blkback and the demonstration drivers extend
 * it through hooks; the handshake itself ({@link #start}, {@link #otherendChanged}, {@link #close}) is final. In
 * the order of the io/blkif.h and io/netif.h diagrams:
 * <ol>
 *   <li>on probe (Initialising): write the backend's features ({@link #features()}) and switch to InitWait;</li>
 *   <li>when the frontend is Initialised or Connected: {@link #connect} reads the frontend's keys as it goes
 *       ({@link XenbusDevice#otherend()}: {@code ring-page-order} decides {@code ring-ref} or
 *       {@code ring-ref0..N}), maps the rings and binds the event channels, and answers what the frontend reads
 *       once connected; then Connected.</li>
 * </ol>
 * Closing: when the frontend goes Closing the backend disconnects and follows to Closing; when it is Closed (or its
 * directory has gone) the backend goes Closed. A Closed backend whose frontend comes back to Initialising returns to
 * InitWait (xen-blkback's "prepare for reconnect"). A fresh backend in InitWait that finds a frontend still Closed
 * from an earlier connection waits for it to reinitialise.
 *
 * <p>A frontend's keys are untrusted: a missing or malformed one, or a ref or port that does not map or bind, fails
 * {@link #connect} with a {@link XenbusDeviceException}, which closes this device ({@link XenbusDevice#fatal}) with
 * its errno and nothing else. Where the driver is, is one {@link Phase}, changed only by {@link #transition}.
 *
 * <p><b>Threading:</b> every method runs on the backend domain's executor.
 *
 * <p><b>Reference:</b> Linux drivers/block/xen-blkback/xenbus.c ({@code frontend_changed}, {@code connect_ring},
 * {@code read_per_ring_refs}) and drivers/net/xen-netback/xenbus.c ({@code frontend_changed},
 * {@code set_backend_state}, {@code connect_data_rings}).
 */
public abstract class BackendDevice implements XenbusDeviceHandler {
    /** Where the backend driver is in the handshake. */
    public enum Phase {
        /** Writing the features, on the way to InitWait. */
        INITIALISING,
        /** Waiting for the frontend to publish its transport. */
        INIT_WAIT,
        /** {@link #connect} runs. */
        CONNECTING,
        CONNECTED,
        /** A step failed or timed out: the transport is down, the device Closing. */
        FAILED,
        /** Closing: the transport is down, waiting for the frontend to reach Closed. */
        CLOSING,
        /** Closed; returns to InitWait if the frontend reinitialises. */
        CLOSED,
        /** The device's directory is gone. */
        REMOVED;

        /** True while the driver may hold a transport ({@link #disconnect()} is due). */
        public boolean hasTransport() {
            return this == CONNECTING || this == CONNECTED;
        }
    }

    protected final XenbusDevice device;
    private Phase phase = Phase.INITIALISING;
    private String phaseReason = "probed";
    private int connections;

    protected BackendDevice(XenbusDevice device) {
        this.device = Objects.requireNonNull(device, "device");
    }

    public final XenbusDevice device() {
        return device;
    }

    // ------------------------------------------------------------------------------------------ protocol hooks

    /** Keys written to this end's directory before InitWait ({@code feature-*}, {@code max-*}), in order. */
    protected Map<String, String> features() {
        return Map.of();
    }

    /**
     * {@link #features()} for a driver that must first read its own directory or open what it serves (QEMU's
     * xen-block opens the image and publishes its size before InitWait); failing, it closes the device as a failed
     * {@link #connect} does. Defaults to {@link #features()}.
     */
    protected CompletableFuture<Map<String, String>> probeFeatures() {
        return CompletableFuture.completedFuture(features());
    }

    /** The device's directory is gone: release what the driver holds beyond the transport. Defaults to nothing. */
    protected void removed() {
    }

    /**
     * Keys of the frontend directory its first step writes, named in a timeout message if the frontend never
     * publishes (only a hint: {@link #connect} reads what it needs).
     */
    protected List<String> awaitedFrontendKeys() {
        return List.of();
    }

    /**
     * Reads the frontend's transport with {@code frontend}, maps the rings and binds the event channels
     * ({@link XenbusDevice#mapRing}, {@link XenbusDevice#bindInterdomainEvtchn}); completes with the keys to write
     * before switching to Connected (may be empty), or exceptionally, which closes the device.
     */
    protected abstract CompletableFuture<Map<String, String>> connect(XenstoreReader frontend);

    /** Stop using the transport (it may be half set up); whatever the device helpers handed out is released after. */
    protected abstract void disconnect();

    /** Where the driver is in the handshake. */
    public final Phase phase() {
        return phase;
    }

    public final boolean isConnected() {
        return phase == Phase.CONNECTED;
    }

    /** How many times {@link #connect} was called. */
    public final int connectionCount() {
        return connections;
    }

    /**
     * Fails the device from inside the driver (a ring the other end broke, say: {@code RING_*_PROD_OVERFLOW}):
     * stops using the transport, releases it, and closes the device with {@code xenbus_dev_fatal(errno, message)}.
     * The driver must not touch the transport after this returns.
     */
    protected final void fatal(int errno, String message) {
        assert device.domain().executor().inExecutor();
        if (phase == Phase.FAILED || phase == Phase.REMOVED) {
            return;
        }
        fail(errno, message);
    }

    /** The one place the phase changes; {@code why} is kept for {@link #toString()}. */
    private void transition(Phase next, String why) {
        assert device.domain().executor().inExecutor();
        phase = next;
        phaseReason = why;
    }

    private boolean current(int connection, Phase expected) {
        return connections == connection && phase == expected && !device.isRemoved();
    }

    // ------------------------------------------------------------------------------------------ the handshake

    @Override
    public final void start() {
        CompletableFuture<Map<String, String>> probed;
        try {
            probed = probeFeatures();
        } catch (RuntimeException e) {
            probed = CompletableFuture.failedFuture(e);
        }
        probed.thenCompose(features -> {
            if (phase != Phase.INITIALISING || device.isRemoved()) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            CompletableFuture<Void> written = features.isEmpty() ? CompletableFuture.completedFuture(null)
                    : device.writeOwnInTransaction(features);
            return written.thenCompose(v -> device.switchState(INIT_WAIT, features.isEmpty() ? "ready"
                    : "published " + String.join(", ", features.keySet())));
        })
                .thenRun(() -> {
                    if (phase == Phase.INITIALISING) {
                        awaitFrontend("features written");
                    }
                })
                .exceptionally(err -> {
                    if (!device.isRemoved()) {   // a device whose directory went has nobody to tell
                        fail("publishing features", err);
                    }
                    return null;
                });
    }

    private void awaitFrontend(String why) {
        transition(Phase.INIT_WAIT, why);
        device.expect("the frontend to publish its transport and reach Initialised or Connected",
                EnumSet.of(INITIALISED, CONNECTED), awaitedFrontendKeys());
        XenbusState frontend = device.otherendState();
        if (frontend == INITIALISED || frontend == CONNECTED) {
            connectToFrontend();
        }
    }

    @Override
    public final void otherendChanged(XenbusState frontend) {
        switch (frontend) {
            case INITIALISING -> {
                if (phase == Phase.CLOSED) {
                    device.switchState(INIT_WAIT, "frontend reinitialising").thenRun(() -> {
                        if (phase == Phase.CLOSED) {
                            awaitFrontend("frontend reinitialising");
                        }
                    });
                }
            }
            case INITIALISED, CONNECTED -> {
                if (phase == Phase.INIT_WAIT) {
                    connectToFrontend();
                }
            }
            case CLOSING -> {
                if (phase == Phase.INITIALISING || phase == Phase.INIT_WAIT || phase.hasTransport()) {
                    teardown();
                    transition(Phase.CLOSING, "frontend closing");
                    device.switchState(CLOSING, "frontend closing");
                    device.expect("the frontend to reach Closed", EnumSet.of(CLOSED, UNKNOWN), List.of());
                }
            }
            case CLOSED, UNKNOWN -> {
                if (phase.hasTransport() || phase == Phase.CLOSING || phase == Phase.FAILED) {
                    teardown();
                    device.clearExpectation();
                    transition(Phase.CLOSED, "frontend is " + frontend.shortName());
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
        transition(Phase.CONNECTING, "frontend published");
        int connection = ++connections;
        CompletableFuture.completedFuture(device.otherend())
                .thenCompose(this::connect)
                .thenCompose(publish -> {
                    if (!current(connection, Phase.CONNECTING)) {
                        return CompletableFuture.completedFuture(null);
                    }
                    CompletableFuture<Void> written = publish.isEmpty() ? CompletableFuture.completedFuture(null)
                            : device.writeOwnInTransaction(publish);
                    return written.thenCompose(v -> {
                        if (!current(connection, Phase.CONNECTING)) {
                            return CompletableFuture.completedFuture(null);
                        }
                        transition(Phase.CONNECTED, "connected");
                        return device.switchState(CONNECTED, "mapped the ring, bound the event channel");
                    });
                })
                .whenComplete((v, err) -> {
                    if (err != null && connections == connection && !device.isRemoved()) {
                        fail("connecting to the frontend", err);
                    }
                });
    }

    /** A hook or a step failed: stop, give everything back, and let the other end know (xenbus_dev_fatal). */
    private void fail(String step, Throwable err) {
        Throwable cause = TracedXs.rootCause(err);
        fail(cause instanceof XenbusDeviceException e ? e.errno() : XenErrno.XEN_EIO,
                step + ": " + TracedXs.rootMessage(err));
    }

    private void fail(int errno, String message) {
        teardown();
        transition(Phase.FAILED, message);
        device.fatal(errno, message);
    }

    private void teardown() {
        if (phase.hasTransport()) {
            disconnect();
        }
        device.releaseResources();
    }

    /** Closes the device from this end (the backend is going away): Closing now, Closed when the frontend is. */
    public final void close() {
        assert device.domain().executor().inExecutor();
        if (phase == Phase.CLOSING || phase == Phase.CLOSED || phase == Phase.REMOVED) {
            return;
        }
        teardown();
        transition(Phase.CLOSING, "closed by the driver");
        device.switchState(CLOSING, "backend closing");
        device.expect("the frontend to reach Closed", EnumSet.of(CLOSED, UNKNOWN), List.of());
    }

    @Override
    public final void timedOut(XenbusTimeoutException error) {
        teardown();
        if (phase != Phase.CLOSING) {
            transition(Phase.FAILED, "timed out");
        }
        device.fatal(error.getMessage());
    }

    @Override
    public final void remove() {
        teardown();
        transition(Phase.REMOVED, "removed");
        removed();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + device.label() + " " + phase + " (" + phaseReason + ")]";
    }
}
