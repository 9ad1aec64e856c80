package io.xensim.xenbus.store.ring;

import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.CONNECTION_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.ERROR_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.REQ_CONS_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.REQ_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.REQ_PROD_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.RSP_CONS_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.RSP_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.RSP_PROD_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.SERVER_FEATURES_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_CONNECTED;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_ERROR_COMM;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_ERROR_NONE;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_ERROR_PROTO;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_ERROR_RINGIDX;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_RECONNECT;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_RING_SIZE;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_SERVER_FEATURE_ERROR;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_SERVER_FEATURE_RECONNECTION;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.checkIndexes;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.Domain;
import io.xensim.xenbus.store.server.ConnectionInfo;
import io.xensim.xenbus.store.server.Xenstored;
import io.xensim.xenbus.store.server.XsConnection;
import io.xensim.xenbus.store.server.XsSink;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsType;
import io.xensim.xenbus.store.wire.XsWireDecoder;
import io.xensim.xenbus.store.wire.XsdSockmsg;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * xenstored's end of one guest's xenstore ring: it consumes the request stream of the guest's
 * {@code xenstore_domain_interface} page into an {@link XsWireDecoder}, hands each request to the guest's
 * {@link XsConnection} (unprivileged, acting as the guest's domid), and produces replies and watch events into the
 * response stream, waiting for space when the guest has not consumed yet. It signals the guest's event channel after
 * each pass that moved an index, and serves again on each event from the guest.
 *
 * <p><b>Limits.</b> Like C's {@code domain_can_read()}, it stops consuming requests while the guest has
 * {@code outstandingRequests} (quota 20) requests unanswered or replies and events not yet in the ring; at most one
 * ring's worth of already-framed requests waits here meanwhile. Output the guest leaves unconsumed beyond
 * {@link #DEFAULT_MAX_QUEUED_OUTPUT_BYTES} (watch events triggered by others) stops the connection with
 * {@code XENSTORE_ERROR_COMM}: xensim's bound in place of C's timing-based watch-event timeout.
 *
 * <p><b>Errors</b> (docs/misc/xenstore-ring.txt, the connection error feature): inconsistent indices
 * ({@code prod - cons > XENSTORE_RING_SIZE}) set {@code error} to {@code XENSTORE_ERROR_RINGIDX}, an unframeable
 * header ({@code len > XENSTORE_PAYLOAD_MAX}) to {@code XENSTORE_ERROR_PROTO}; then this connection is no longer
 * served (its watches and transactions are dropped) until the toolstack releases or re-introduces the domain. Other
 * guests are unaffected.
 *
 * <p><b>Reconnection</b> (the ring reconnection feature): when the guest sets {@code connection} to
 * {@code XENSTORE_RECONNECT} and signals, partial packets are dropped, both queues emptied, the connection's
 * requests, watches and transactions discarded (a fresh {@link XsConnection}), then {@code connection} is set back
 * to {@code XENSTORE_CONNECTED} and the guest signalled.
 *
 * <p><b>Threading:</b> confined to the executor of the domain xenstored runs in ({@link XenstoreRingServer}); event
 * upcalls and xenstored's sink calls both arrive there. The page is shared with the guest: every index access is
 * ordered (see the comments at each access), the data bytes are plain copies bracketed by those accesses.
 *
 * <p><b>Reference:</b> Xen 4.17 C xenstored ({@code xenstored_domain.c}: {@code readchn}/{@code writechn} read the
 * indices once, check them, copy, then move the index and notify; {@code domain_conn_reset} zeroes the indices on
 * INTRODUCE; {@code ignore_connection} writes the error). Reconnection follows oxenstored, which offers it
 * (C xenstored 4.17 does not).
 */
public final class XenstoreRingBackend {
    private static final Logger log = LoggerFactory.getLogger(XenstoreRingBackend.class);

    /** Unconsumed output (events and replies) beyond which a guest's connection is stopped. */
    public static final long DEFAULT_MAX_QUEUED_OUTPUT_BYTES = 1L << 20;
    /** The features this server offers in {@code server_features}. */
    public static final int SERVER_FEATURES = XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR;

    /** Where this end is in its life. */
    public enum State {
        /** Serving the guest. */
        SERVING,
        /** A protocol error was written to {@code error}; the connection is not served. */
        FAILED,
        /** Xenstored closed the connection (e.g. the domain is being released). */
        CLOSED,
        /** Released: the port is closed and the page unmapped. */
        RELEASED
    }

    private record Out(byte[] bytes, boolean event) {
    }

    private final Domain xenstoredDomain;
    private final Xenstored xenstored;
    private final int domid;
    private final int mapHandle;
    private final MemorySegment intf;
    private final long maxQueuedOutputBytes;

    private int localPort;
    private int remotePort;
    private State state = State.SERVING;
    private String failure;

    private XsConnection connection;
    private int generation;
    private final XsWireDecoder decoder = new XsWireDecoder();
    private final byte[] chunk = new byte[XENSTORE_RING_SIZE];
    /** Requests framed but not yet handed to xenstored (at most one ring's worth). */
    private final ArrayDeque<XsMessage> framed = new ArrayDeque<>();
    /** Requests handed to xenstored and not yet answered. */
    private int inFlight;
    private final ArrayDeque<Out> output = new ArrayDeque<>();
    private int outputOffset;
    private long outputBytes;
    private boolean flushScheduled;

    XenstoreRingBackend(XenstoreRingServer server, int domid, int mapHandle, MemorySegment intf, int localPort,
            int remotePort, long maxQueuedOutputBytes) {
        this.xenstoredDomain = server.xenstoredDomain();
        this.xenstored = server.xenstored();
        this.domid = domid;
        this.mapHandle = mapHandle;
        this.intf = intf;
        this.localPort = localPort;
        this.remotePort = remotePort;
        this.maxQueuedOutputBytes = maxQueuedOutputBytes;
    }

    public int domid() {
        return domid;
    }

    public State state() {
        return state;
    }

    /** Why the connection failed, or null. */
    public String failure() {
        return failure;
    }

    /** xenstored's port bound to the guest's event channel. */
    public int localPort() {
        return localPort;
    }

    /** The guest's port. */
    public int remotePort() {
        return remotePort;
    }

    /** Bytes of replies and events queued, not yet in the ring. */
    public long queuedOutputBytes() {
        return outputBytes;
    }

    /** Starts serving after INTRODUCE (C {@code introduce_domain} + {@code domain_conn_reset}). */
    void start() {
        assertInExecutor();
        resetRing();
        connect();
        xenstoredDomain.eventChannels().bindHandler(localPort, port -> service());
        notifyGuest();
    }

    /**
     * INTRODUCE for a domain already introduced: C rebinds the event channel to the new port and resets the
     * connection. Returns false if the new port cannot be bound (the old binding is gone either way, as in C).
     */
    boolean reintroduce(int newRemotePort) {
        assertInExecutor();
        xenstoredDomain.eventChannels().close(localPort);
        int port = xenstoredDomain.eventChannels().bindInterdomain(domid, newRemotePort);
        if (port < 0) {
            log.warn("dom{}: re-INTRODUCE cannot bind port {}: error {}", domid, newRemotePort, port);
            localPort = 0;
            stop(State.FAILED, "event channel " + newRemotePort + " not bindable", XENSTORE_ERROR_COMM);
            return false;
        }
        localPort = port;
        remotePort = newRemotePort;
        dropSession();
        state = State.SERVING;
        failure = null;
        resetRing();
        connect();
        xenstoredDomain.eventChannels().bindHandler(localPort, p -> service());
        notifyGuest();
        return true;
    }

    /** RELEASE: drops the connection, closes xenstored's port and unmaps the page. Idempotent. */
    void release() {
        assertInExecutor();
        if (state == State.RELEASED) {
            return;
        }
        dropSession();
        state = State.RELEASED;
        if (localPort > 0) {
            xenstoredDomain.eventChannels().close(localPort);
        }
        xenstoredDomain.grantOps().unmapGrantRef(mapHandle);
        log.debug("dom{}: xenstore ring released", domid);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Serving
    // ---------------------------------------------------------------------------------------------------------

    /** One pass: reconnect if asked, move output into the ring, consume input, and signal if anything moved. */
    void service() {
        assertInExecutor();
        if (state != State.SERVING) {
            return;
        }
        // Acquire: a guest that asks for a reconnect wrote nothing we must see before it, but reading the flag
        // with acquire keeps the rest of this pass after it.
        if (XenstoreRingBytes.getAcquire(intf, CONNECTION_OFFSET) == XENSTORE_RECONNECT) {
            reconnect();
            return;
        }
        boolean moved = writeOutput();
        if (state == State.SERVING) {
            moved |= readInput();
        }
        if (moved && state == State.SERVING) {
            notifyGuest();
        }
    }

    private boolean writeOutput() {
        boolean moved = false;
        while (!output.isEmpty()) {
            // Acquire on the guest's rsp_cons: it has copied the bytes out before it moved the index, so the
            // space it frees may be overwritten now. Our own rsp_prod: our last store.
            int cons = XenstoreRingBytes.getAcquire(intf, RSP_CONS_OFFSET);
            int prod = XenstoreRingBytes.getOwn(intf, RSP_PROD_OFFSET);
            if (!checkIndexes(cons, prod)) {
                fail(XENSTORE_ERROR_RINGIDX, "rsp_cons " + Integer.toUnsignedString(cons) + " / rsp_prod "
                        + Integer.toUnsignedString(prod) + " more than " + XENSTORE_RING_SIZE + " apart");
                return moved;
            }
            int space = XENSTORE_RING_SIZE - (prod - cons);
            if (space == 0) {
                break;   // the guest's next event (it consumed) resumes us
            }
            Out head = output.peek();
            int n = Math.min(space, head.bytes.length - outputOffset);
            XenstoreRingBytes.copyIn(head.bytes, outputOffset, intf, RSP_OFFSET, prod, n);
            // Release: the bytes are in the ring before the guest can see rsp_prod cover them (writechn's xen_mb).
            XenstoreRingBytes.setRelease(intf, RSP_PROD_OFFSET, prod + n);
            moved = true;
            outputOffset += n;
            outputBytes -= n;
            if (outputOffset == head.bytes.length) {
                output.poll();
                outputOffset = 0;
            }
        }
        return moved;
    }

    private boolean readInput() {
        boolean moved = false;
        while (true) {
            forwardFramed();
            if (!framed.isEmpty() || stalled()) {
                return moved;
            }
            // Acquire on the guest's req_prod: the request bytes it covers were written before it (the guest's
            // release). Our own req_cons: our last store.
            int prod = XenstoreRingBytes.getAcquire(intf, REQ_PROD_OFFSET);
            int cons = XenstoreRingBytes.getOwn(intf, REQ_CONS_OFFSET);
            if (!checkIndexes(cons, prod)) {
                fail(XENSTORE_ERROR_RINGIDX, "req_cons " + Integer.toUnsignedString(cons) + " / req_prod "
                        + Integer.toUnsignedString(prod) + " more than " + XENSTORE_RING_SIZE + " apart");
                return moved;
            }
            int n = prod - cons;
            if (n == 0) {
                return moved;
            }
            XenstoreRingBytes.copyOut(intf, REQ_OFFSET, cons, chunk, 0, n);
            // Release: our copy is complete before the guest may reuse the space (readchn's xen_mb).
            XenstoreRingBytes.setRelease(intf, REQ_CONS_OFFSET, cons + n);
            moved = true;
            if (decoder.feed(chunk, 0, n, framed::add) instanceof Decoded.Malformed<Integer>(var reason)) {
                forwardFramed();
                fail(XENSTORE_ERROR_PROTO, reason);
                return moved;
            }
        }
    }

    /** Hands framed requests to xenstored while the guest is within its outstanding-request quota. */
    private void forwardFramed() {
        while (!framed.isEmpty() && !stalled()) {
            inFlight++;
            connection.receive(framed.poll());
        }
    }

    /**
     * C {@code domain_can_read()}: an unprivileged domain with {@code quota_req_outstanding} requests unanswered or
     * messages not yet delivered is not read. A privileged one is bounded by half of xenstored's queue guard.
     */
    private boolean stalled() {
        int outstanding = inFlight + output.size();
        return connection.info().privileged()
                ? outstanding >= xenstored.config().maxQueuedRequests() / 2
                : outstanding >= xenstored.config().outstandingRequests();
    }

    private void reconnect() {
        log.debug("dom{}: xenstore ring reconnect requested", domid);
        dropSession();
        connect();
        // Both queues emptied: the guest ignores every field but `connection` until it reads CONNECTED.
        resetIndices();
        // Release: the zeroed indices are visible before CONNECTED, which the guest reads with acquire.
        XenstoreRingBytes.setRelease(intf, CONNECTION_OFFSET, XENSTORE_CONNECTED);
        notifyGuest();
    }

    // ---------------------------------------------------------------------------------------------------------
    // xenstored's side
    // ---------------------------------------------------------------------------------------------------------

    /** One sink per XsConnection: messages for an older connection (before a reconnect) are dropped. */
    private final class Sink implements XsSink {
        private final int gen;

        Sink(int gen) {
            this.gen = gen;
        }

        @Override
        public void send(XsMessage message) {
            assertInExecutor();
            if (gen != generation || state != State.SERVING) {
                return;
            }
            boolean event = message.is(XsType.XS_WATCH_EVENT);
            if (!event) {
                inFlight--;
            }
            byte[] bytes = XsdSockmsg.encode(message);
            output.add(new Out(bytes, event));
            outputBytes += bytes.length;
            if (outputBytes > maxQueuedOutputBytes) {
                fail(XENSTORE_ERROR_COMM, "guest leaves more than " + maxQueuedOutputBytes
                        + " bytes of replies and watch events unconsumed");
                return;
            }
            if (!flushScheduled) {
                // One pass for every message of this batch, after xenstored's current task.
                flushScheduled = true;
                xenstoredDomain.executor().execute(() -> {
                    flushScheduled = false;
                    service();
                });
            }
        }

        @Override
        public void close(String reason) {
            assertInExecutor();
            if (gen == generation && state == State.SERVING) {
                log.debug("dom{}: xenstored closed the ring connection: {}", domid, reason);
                state = State.CLOSED;
                failure = reason;
                dropSession();
            }
        }
    }

    private void connect() {
        generation++;
        connection = xenstored.connect(ConnectionInfo.domain(domid, "dom" + domid + " ring"), new Sink(generation));
    }

    /** Forgets the session: partial packets, queued requests and output, and the XsConnection itself. */
    private void dropSession() {
        decoder.reset();
        framed.clear();
        output.clear();
        outputOffset = 0;
        outputBytes = 0;
        inFlight = 0;
        if (connection != null) {
            connection.close();
            connection = null;
        }
        generation++;
    }

    /** C {@code domain_conn_reset} and 4.17's INTRODUCE: indices zeroed, features offered, a reconnect completed. */
    private void resetRing() {
        resetIndices();
        XenstoreRingBytes.setVolatile(intf, SERVER_FEATURES_OFFSET,
                XenstoreRingBytes.getVolatile(intf, SERVER_FEATURES_OFFSET) | SERVER_FEATURES);
        XenstoreRingBytes.setVolatile(intf, ERROR_OFFSET, XENSTORE_ERROR_NONE);
        if (XenstoreRingBytes.getVolatile(intf, CONNECTION_OFFSET) == XENSTORE_RECONNECT) {
            XenstoreRingBytes.setRelease(intf, CONNECTION_OFFSET, XENSTORE_CONNECTED);
        }
    }

    private void resetIndices() {
        XenstoreRingBytes.setRelease(intf, REQ_CONS_OFFSET, 0);
        XenstoreRingBytes.setRelease(intf, REQ_PROD_OFFSET, 0);
        XenstoreRingBytes.setRelease(intf, RSP_CONS_OFFSET, 0);
        XenstoreRingBytes.setRelease(intf, RSP_PROD_OFFSET, 0);
    }

    /** C {@code ignore_connection()}: say why in {@code error} (the feature is offered), stop serving. */
    private void fail(int error, String reason) {
        log.warn("dom{}: xenstore ring: {}; no longer serving it (error {})", domid, reason, error);
        stop(State.FAILED, reason, error);
        // Full fence: the error is visible before the event that tells the guest to look.
        VarHandle.fullFence();
        notifyGuest();
    }

    private void stop(State next, String reason, int error) {
        state = next;
        failure = reason;
        dropSession();
        XenstoreRingBytes.setRelease(intf, ERROR_OFFSET, error);
    }

    private void notifyGuest() {
        if (localPort > 0) {
            xenstoredDomain.eventChannels().send(localPort);
        }
    }

    private void assertInExecutor() {
        assert xenstoredDomain.executor().inExecutor() : "dom" + domid + " ring backend off its executor";
    }

    @Override
    public String toString() {
        return "XenstoreRingBackend[dom" + domid + " " + state + (failure == null ? "" : ": " + failure) + "]";
    }
}
