package io.xensim.xenbus.bus;

import static io.xensim.xenbus.bus.XenbusState.CLOSED;
import static io.xensim.xenbus.bus.XenbusState.CLOSING;
import static io.xensim.xenbus.bus.XenbusState.CONNECTED;
import static io.xensim.xenbus.bus.XenbusState.INITIALISED;
import static io.xensim.xenbus.bus.XenbusState.INITIALISING;
import static io.xensim.xenbus.bus.XenbusState.INIT_WAIT;
import static io.xensim.xenbus.bus.XenbusState.UNKNOWN;

import io.xensim.xenbus.XenErrno;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The frontend half of the xenbus handshake, for any protocol: netfront, blkfront and the demonstration drivers
 * extend it and fill in the protocol through hooks; the handshake itself ({@link #start}, {@link #otherendChanged},
 * {@link #close}) is final. The order is the one of the io/blkif.h and io/netif.h diagrams:
 * <ol>
 *   <li>Initialising (written by the toolstack); wait for the backend to reach InitWait;</li>
 *   <li>{@link #talkToBackend}: the driver reads the backend's keys as it goes ({@link XenbusDevice#otherend()}:
 *       what it reads decides what it reads next), sets up rings, grants and event channels, and answers the keys
 *       to publish; they are written in one xenstore transaction, retried on EAGAIN; then the device switches to
 *       {@link #stateAfterPublish()} (Initialised, as blkfront; Connected, as netfront);</li>
 *   <li>when the backend is Connected: {@link #connected} (reads what the backend published last, such as blkback's
 *       {@code sectors}, and starts I/O), then Connected.</li>
 * </ol>
 * Closing: when the backend goes Closing or Closed, or disappears (its {@code state} key is gone), the frontend
 * stops using the transport ({@link #disconnect()}), gives back its grants and ports and goes Closed
 * ({@code xenbus_frontend_closed()}); {@link #close()} starts a close from this end (Closing, then Closed once the
 * backend follows). Reconnect: a Closed frontend whose backend comes back (Initialising or InitWait again) returns
 * to Initialising and runs the handshake again with fresh grants; {@link #connectionCount()} tells the driver it is
 * a reconnection (blkfront re-issues its in-flight requests then).
 *
 * <p>Where the driver is in all this is one {@link Phase}, changed only by {@link #transition}. A hook that fails
 * (its future completes exceptionally, or it throws) fails the device: a {@link XenbusDeviceException} with its
 * errno ({@code ENOMEM} from {@link XenbusDevice#setupRing}, {@code ENOENT} for a missing key), anything else with
 * {@code EIO}, through {@code xenbus_dev_fatal}. Each wait is bounded ({@link XenbusDevice#expect}): a missing step
 * fails the device with a {@link XenbusTimeoutException} and closes it.
 *
 * <p><b>Threading:</b> every method runs on the frontend domain's executor.
 *
 * <p><b>Reference:</b> Linux drivers/block/xen-blkfront.c ({@code blkback_changed}, {@code talk_to_blkback},
 * {@code blkfront_connect}) and drivers/net/xen-netfront.c ({@code netback_changed}, {@code talk_to_netback}).
 */
public abstract class FrontendDevice implements XenbusDeviceHandler {
    private static final EnumSet<XenbusState> BACKEND_READY = EnumSet.of(INIT_WAIT, INITIALISED, CONNECTED);

    /** Where the frontend driver is in the handshake. */
    public enum Phase {
        /** Waiting for the backend to reach InitWait (also after a reconnect). */
        INITIALISING,
        /** {@link #talkToBackend} runs: reading the backend, setting up the transport, publishing. */
        TALKING,
        /** Published; waiting for the backend to connect. */
        PUBLISHED,
        /** The backend is Connected; {@link #connected} runs. */
        CONNECTING,
        CONNECTED,
        /** A step failed or timed out: the transport is down, the device Closing, waiting for the backend. */
        FAILED,
        /** {@link #close()} was called: the transport is down, waiting for the backend to follow. */
        CLOSING,
        /** Closed; comes back if the backend does. */
        CLOSED,
        /** Closed on purpose ({@link #close()}): stays closed. */
        UNPLUGGED,
        /** The device's directory is gone. */
        REMOVED;

        /** True while the driver holds a transport ({@link #disconnect()} is due). */
        public boolean hasTransport() {
            return this == TALKING || this == PUBLISHED || this == CONNECTING || this == CONNECTED;
        }
    }

    protected final XenbusDevice device;
    private Phase phase = Phase.INITIALISING;
    private String phaseReason = "probed";
    private int connections;

    protected FrontendDevice(XenbusDevice device) {
        this.device = Objects.requireNonNull(device, "device");
    }

    public final XenbusDevice device() {
        return device;
    }

    // ------------------------------------------------------------------------------------------ protocol hooks

    /**
     * This connection's setup ({@code talk_to_<backend>}): read the backend's keys with {@code backend}, set up
     * rings, grants and event channels ({@link XenbusDevice#setupRing}, {@link XenbusDevice#allocEvtchn}), and
     * complete with the keys to publish (relative to this end's directory, e.g. {@code ring-ref},
     * {@code queue-0/event-channel}) in one transaction, in order.
     */
    protected abstract CompletableFuture<Map<String, String>> talkToBackend(XenstoreReader backend);

    /** The state after publishing: Initialised (blkfront), or Connected (netfront, which does not wait). */
    protected XenbusState stateAfterPublish() {
        return INITIALISED;
    }

    /**
     * The backend is Connected: read what it published last and start using the transport. The device switches
     * to Connected when the future completes.
     */
    protected CompletableFuture<Void> connected(XenstoreReader backend) {
        return CompletableFuture.completedFuture(null);
    }

    /**
     * Stop using the transport (it may be half set up if {@link #talkToBackend} failed). Rings, grants, ports and
     * watches obtained through the device helpers are released right after ({@link XenbusDevice#releaseResources()}).
     */
    protected abstract void disconnect();

    // ------------------------------------------------------------------------------------------ status

    /** Where the driver is in the handshake. */
    public final Phase phase() {
        return phase;
    }

    /** True between {@link #connected} and {@link #disconnect()}. */
    public final boolean isConnected() {
        return phase == Phase.CONNECTED;
    }

    /** How many times the transport was set up: 1 for the first connection, 2 after one reconnection, … */
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
        device.expect("the backend to reach InitWait", BACKEND_READY, List.of());
    }

    @Override
    public final void otherendChanged(XenbusState backend) {
        switch (backend) {
            case INITIALISING -> {
                if (phase == Phase.CLOSED) {
                    reconnect(backend);
                }
            }
            case INIT_WAIT, INITIALISED -> {
                if (phase == Phase.CLOSED) {
                    reconnect(backend);
                } else if (phase == Phase.INITIALISING) {
                    talk();
                }
            }
            case CONNECTED -> {
                if (phase == Phase.INITIALISING) {
                    talk();
                } else if (phase == Phase.PUBLISHED) {
                    backendConnected();
                }
            }
            case CLOSING, CLOSED -> {
                if (phase != Phase.CLOSED && phase != Phase.UNPLUGGED && phase != Phase.REMOVED) {
                    closed("backend is " + backend.shortName());
                }
            }
            case UNKNOWN -> {
                // Before the backend first appears its key is missing too: only a backend that was there has gone.
                if (phase.hasTransport() || phase == Phase.FAILED || phase == Phase.CLOSING) {
                    closed("backend has gone (no state key)");
                }
            }
            case RECONFIGURING, RECONFIGURED -> {
                // Not used by the protocols modelled here.
            }
        }
    }

    private void talk() {
        if (phase != Phase.INITIALISING) {
            return;
        }
        transition(Phase.TALKING, "backend ready");
        int connection = ++connections;
        CompletableFuture.completedFuture(device.otherend())
                .thenCompose(this::talkToBackend)
                .thenCompose(keys -> {
                    if (!current(connection, Phase.TALKING)) {
                        return CompletableFuture.completedFuture(null);
                    }
                    return device.writeOwnInTransaction(keys).thenCompose(v -> {
                        if (!current(connection, Phase.TALKING)) {
                            return CompletableFuture.completedFuture(null);
                        }
                        transition(Phase.PUBLISHED, "published");
                        return device.switchState(stateAfterPublish(), "published " + String.join(", ",
                                keys.keySet()));
                    });
                })
                .thenRun(() -> {
                    if (!current(connection, Phase.PUBLISHED)) {
                        return;
                    }
                    device.expect("the backend to connect", EnumSet.of(CONNECTED), List.of());
                    if (device.otherendState() == CONNECTED) {
                        backendConnected();
                    }
                })
                .whenComplete((v, err) -> {
                    if (err != null && connections == connection && !device.isRemoved()) {
                        fail("talking to the backend", err);
                    }
                });
    }

    private void backendConnected() {
        transition(Phase.CONNECTING, "backend connected");
        int connection = connections;
        CompletableFuture.completedFuture(device.otherend())
                .thenCompose(this::connected)
                .thenCompose(v -> {
                    if (!current(connection, Phase.CONNECTING)) {
                        return CompletableFuture.completedFuture(null);
                    }
                    transition(Phase.CONNECTED, "connected");
                    // A no-op for a frontend that published as Connected (netfront): xenbus_switch_state.
                    return device.switchState(CONNECTED, "backend connected");
                })
                .whenComplete((v, err) -> {
                    if (err != null && connections == connection && !device.isRemoved()) {
                        fail("connecting", err);
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

    private void reconnect(XenbusState backend) {
        transition(Phase.INITIALISING, "backend is back");
        device.switchState(INITIALISING, "backend is back (" + backend.shortName() + "): reconnecting")
                .thenRun(() -> {
                    device.expect("the backend to reach InitWait", BACKEND_READY, List.of());
                    if (BACKEND_READY.contains(device.otherendState())) {
                        talk();
                    }
                });
    }

    private void teardown() {
        if (phase.hasTransport()) {
            disconnect();
        }
        device.releaseResources();
    }

    private void closed(String why) {
        teardown();
        device.clearExpectation();
        transition(phase == Phase.CLOSING ? Phase.UNPLUGGED : Phase.CLOSED, why);
        device.switchState(CLOSED, why);
    }

    /**
     * Closes the device from this end (the guest unplugs it): stops using the transport, Closing now, Closed once
     * the backend has followed to Closing or Closed. The frontend does not reconnect after this.
     */
    public final void close() {
        assert device.domain().executor().inExecutor();
        switch (phase) {
            case CLOSED -> {
                transition(Phase.UNPLUGGED, "closed by the driver");
                return;
            }
            case CLOSING, UNPLUGGED, REMOVED -> {
                return;
            }
            default -> {
            }
        }
        teardown();
        transition(Phase.CLOSING, "closed by the driver");
        device.switchState(CLOSING, "frontend closing");
        XenbusState backend = device.otherendState();
        if (backend == CLOSING || backend == CLOSED || backend == UNKNOWN) {
            closed("backend is " + backend.shortName());
        } else {
            device.expect("the backend to follow to Closing", EnumSet.of(CLOSING, CLOSED, UNKNOWN), List.of());
        }
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

    /**
     * The device's directory is gone and it will not come back: the driver fails whatever it still holds for the
     * guest (blkfront's requests parked for a reconnection). Runs after {@link #disconnect()}, if that was due.
     */
    protected void removed() {
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + device.label() + " " + phase + " (" + phaseReason + ")]";
    }
}
