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
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_ERROR_NONE;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_RECONNECT;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_RING_SIZE;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_SERVER_FEATURE_RECONNECTION;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.checkIndexes;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.Domain;
import io.xensim.xenbus.grant.GrantEntryV1;
import io.xensim.xenbus.store.client.XsClient;
import io.xensim.xenbus.store.client.XsClientTransport;
import io.xensim.xenbus.store.server.ConnectionInfo;
import io.xensim.xenbus.store.server.XsSink;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsWireDecoder;
import io.xensim.xenbus.store.wire.XsdSockmsg;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guest's end of its xenstore ring, as Linux's xenbus driver ({@code xenbus_comms.c}) drives it: requests are
 * written into the request stream of the {@code xenstore_domain_interface} page (waiting for space as xenstored
 * consumes), replies and watch events are read from the response stream and framed, and the event channel is
 * signalled after every update. An {@link XsClient} runs over it ({@link #client()}), or a raw receiver
 * ({@link #setReceiver}) for protocol tests.
 *
 * <p>A ring whose server indices are inconsistent, or whose {@code error} field xenstored set, stops: the receiver
 * is closed with the reason. {@link #reconnect()} uses the ring reconnection feature: it drops everything queued
 * and closes the receiver (xenstored discards the session's requests, watches and transactions), and completes
 * once xenstored writes {@code XENSTORE_CONNECTED}.
 *
 * <p><b>Threading:</b> driven on the guest domain's executor: event upcalls and the ring work run there, and the
 * receiver is called there. {@link #send}, {@link #setReceiver}, {@link #reconnect} and {@link #close} may be
 * called from any thread; they hand their work to that executor.
 *
 * <p><b>Reference:</b> Linux {@code drivers/xen/xenbus/xenbus_comms.c} ({@code xb_write}/{@code xb_read}: check
 * the indices, copy, barrier, move the index, notify) and docs/misc/xenstore-ring.txt (reconnection).
 */
public final class XenstoreRingFrontend {
    private static final Logger log = LoggerFactory.getLogger(XenstoreRingFrontend.class);

    /** Requests an {@link XsClient} over the ring keeps unanswered (C xenstored's quota for guests is 20). */
    public static final int DEFAULT_CLIENT_MAX_IN_FLIGHT = 10;

    private final Domain guest;
    private final long gfn;
    private volatile int port;
    private final MemorySegment intf;

    private final ConcurrentLinkedQueue<XsMessage> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean serviceScheduled = new AtomicBoolean();
    private volatile XsSink receiver;
    private volatile boolean closed;

    // Confined to the guest's executor.
    private final XsWireDecoder decoder = new XsWireDecoder();
    private final byte[] chunk = new byte[XENSTORE_RING_SIZE];
    private final ArrayDeque<byte[]> output = new ArrayDeque<>();
    private int outputOffset;
    private CompletableFuture<Void> reconnecting;
    private String stopped;

    private XenstoreRingFrontend(Domain guest, long gfn, int port) {
        this.guest = guest;
        this.gfn = gfn;
        this.port = port;
        this.intf = guest.memory().frame(gfn);
    }

    /**
     * Attaches to the ring page at {@code gfn} of {@code guest}, signalled through the guest's {@code port} (the
     * values of {@code HVM_PARAM_STORE_PFN} and {@code HVM_PARAM_STORE_EVTCHN}).
     */
    public static XenstoreRingFrontend attach(Domain guest, long gfn, int port) {
        Objects.requireNonNull(guest, "guest");
        var frontend = new XenstoreRingFrontend(guest, gfn, port);
        int rc = guest.eventChannels().bindHandler(port, p -> frontend.service());
        if (rc < 0) {
            throw new IllegalArgumentException("port: " + port + " (bindHandler: error " + rc + ")");
        }
        return frontend;
    }

    public Domain guest() {
        return guest;
    }

    public long gfn() {
        return gfn;
    }

    public int port() {
        return port;
    }

    /** The page itself, for protocol tests that play with its fields. */
    MemorySegment page() {
        return intf;
    }

    /**
     * Moves to a new event channel, as a guest does when the toolstack re-introduces it with a new
     * {@code HVM_PARAM_STORE_EVTCHN} (resume): the old port is closed and the handler bound to the new one.
     */
    public void rebind(int newPort) {
        guest.executor().execute(() -> {
            guest.eventChannels().close(port);
            port = newPort;
            int rc = guest.eventChannels().bindHandler(newPort, p -> service());
            if (rc < 0) {
                stop("cannot bind port " + newPort + ": error " + rc);
            }
        });
    }

    /** {@code server_features} as xenstored advertised them. */
    public int serverFeatures() {
        return XenstoreRingBytes.getVolatile(intf, SERVER_FEATURES_OFFSET);
    }

    /** The {@code error} field: {@code XENSTORE_ERROR_NONE} (0) while the connection is valid. */
    public int error() {
        return XenstoreRingBytes.getAcquire(intf, ERROR_OFFSET);
    }

    /** Why this end stopped, or null while it runs. Guest executor (or a stepped INVOKER test). */
    public String stoppedReason() {
        return stopped;
    }

    /** Where replies and watch events go (on the guest's executor); null drops them. */
    public void setReceiver(XsSink receiver) {
        this.receiver = receiver;
    }

    /** Queues one request for xenstored. */
    public void send(XsMessage request) {
        Objects.requireNonNull(request, "request");
        if (!closed) {
            inbox.add(request);
            scheduleService();
        }
    }

    /** An unprivileged client of the guest's domid over this ring, replies on the guest's executor. */
    public XsClient client() {
        return client(XsClient.DEFAULT_TIMEOUT);
    }

    public XsClient client(Duration timeout) {
        return XsClient.over(this::connectClient, ConnectionInfo.domain(guest.domid(), "ring"), guest.executor(),
                timeout, DEFAULT_CLIENT_MAX_IN_FLIGHT);
    }

    private XsClientTransport connectClient(XsSink sink) {
        setReceiver(sink);
        return new XsClientTransport() {
            @Override
            public void send(XsMessage request) {
                XenstoreRingFrontend.this.send(request);
            }

            @Override
            public void close() {
                // A ring has no per-client close; the client just stops listening. (Its watches live on in
                // xenstored until a reconnect or the domain's release, as with a Linux guest.)
                if (receiver == sink) {
                    receiver = null;
                }
            }
        };
    }

    /**
     * Asks xenstored to reset the ring (XENSTORE_RECONNECT). Everything queued is dropped and the current receiver
     * closed; the future completes when xenstored has written XENSTORE_CONNECTED, or fails if xenstored does not
     * offer the feature.
     */
    public CompletableFuture<Void> reconnect() {
        var done = new CompletableFuture<Void>();
        guest.executor().execute(() -> startReconnect(done));
        return done;
    }

    /**
     * Closes the guest's port, drops the receiver, ends the reserved grant and frees the ring frame (once xenstored
     * has released the domain; a page still mapped is kept and logged).
     */
    public void close() {
        closed = true;
        guest.executor().execute(() -> {
            XsSink r = receiver;
            receiver = null;
            if (r != null) {
                r.close("ring closed");
            }
            output.clear();
            inbox.clear();
            guest.eventChannels().close(port);
            if (guest.grantTable().isGranted(GrantEntryV1.GNTTAB_RESERVED_XENSTORE)) {
                if (guest.grantTable().endForeignAccess(GrantEntryV1.GNTTAB_RESERVED_XENSTORE)) {
                    guest.memory().freeFrame(gfn);
                } else {
                    log.warn("dom{}: xenstore ring page still mapped by xenstored at close; frame kept",
                            guest.domid());
                }
            }
        });
    }

    // ---------------------------------------------------------------------------------------------------------
    // The guest's executor
    // ---------------------------------------------------------------------------------------------------------

    private void scheduleService() {
        if (serviceScheduled.compareAndSet(false, true)) {
            guest.executor().execute(() -> {
                serviceScheduled.set(false);
                service();
            });
        }
    }

    private void startReconnect(CompletableFuture<Void> done) {
        if ((serverFeatures() & XENSTORE_SERVER_FEATURE_RECONNECTION) == 0) {
            done.completeExceptionally(new IllegalStateException(
                    "server_features: " + serverFeatures() + " (expected: XENSTORE_SERVER_FEATURE_RECONNECTION)"));
            return;
        }
        inbox.clear();
        output.clear();
        outputOffset = 0;
        decoder.reset();
        XsSink r = receiver;
        receiver = null;
        if (r != null) {
            r.close("ring reconnecting");
        }
        reconnecting = done;
        // Release: nothing of ours must be seen after the request, and the server reads it with acquire.
        XenstoreRingBytes.setRelease(intf, CONNECTION_OFFSET, XENSTORE_RECONNECT);
        guest.eventChannels().send(port);
    }

    private void service() {
        assert guest.executor().inExecutor();
        if (closed || stopped != null) {
            return;
        }
        if (reconnecting != null) {
            // Acquire: pairs with xenstored's release of CONNECTED after it zeroed the indices.
            if (XenstoreRingBytes.getAcquire(intf, CONNECTION_OFFSET) != XENSTORE_CONNECTED) {
                return;   // "ignore all fields except the Connection state"
            }
            var done = reconnecting;
            reconnecting = null;
            done.complete(null);
        }
        int error = error();
        if (error != XENSTORE_ERROR_NONE) {
            stop("xenstored stopped serving the ring: error " + error);
            return;
        }
        for (XsMessage m; (m = inbox.poll()) != null; ) {
            output.add(XsdSockmsg.encode(m));
        }
        boolean moved = writeRequests();
        if (stopped == null) {
            moved |= readResponses();
        }
        if (moved) {
            guest.eventChannels().send(port);
        }
    }

    private boolean writeRequests() {
        boolean moved = false;
        while (!output.isEmpty()) {
            // Acquire on xenstored's req_cons: it copied the bytes out before moving it. req_prod is ours.
            int cons = XenstoreRingBytes.getAcquire(intf, REQ_CONS_OFFSET);
            int prod = XenstoreRingBytes.getOwn(intf, REQ_PROD_OFFSET);
            if (!checkIndexes(cons, prod)) {
                stop("xenstored's req_cons " + Integer.toUnsignedString(cons) + " inconsistent with req_prod "
                        + Integer.toUnsignedString(prod));
                return moved;
            }
            int space = XENSTORE_RING_SIZE - (prod - cons);
            if (space == 0) {
                break;   // xenstored's next event (it consumed) resumes us
            }
            byte[] head = output.peek();
            int n = Math.min(space, head.length - outputOffset);
            XenstoreRingBytes.copyIn(head, outputOffset, intf, REQ_OFFSET, prod, n);
            // Release: the request bytes are in the ring before req_prod covers them (xb_write's virt_wmb).
            XenstoreRingBytes.setRelease(intf, REQ_PROD_OFFSET, prod + n);
            moved = true;
            outputOffset += n;
            if (outputOffset == head.length) {
                output.poll();
                outputOffset = 0;
            }
        }
        return moved;
    }

    private boolean readResponses() {
        boolean moved = false;
        while (stopped == null) {
            // Acquire on xenstored's rsp_prod: the bytes it covers were written before it. rsp_cons is ours.
            int prod = XenstoreRingBytes.getAcquire(intf, RSP_PROD_OFFSET);
            int cons = XenstoreRingBytes.getOwn(intf, RSP_CONS_OFFSET);
            if (!checkIndexes(cons, prod)) {
                stop("xenstored's rsp_prod " + Integer.toUnsignedString(prod) + " inconsistent with rsp_cons "
                        + Integer.toUnsignedString(cons));
                return moved;
            }
            int n = prod - cons;
            if (n == 0) {
                return moved;
            }
            XenstoreRingBytes.copyOut(intf, RSP_OFFSET, cons, chunk, 0, n);
            // Release: our copy is done before xenstored may overwrite the space (xb_read's virt_mb).
            XenstoreRingBytes.setRelease(intf, RSP_CONS_OFFSET, cons + n);
            moved = true;
            if (decoder.feed(chunk, 0, n, this::deliver) instanceof Decoded.Malformed<Integer>(var reason)) {
                stop("xenstored sent an unframeable message: " + reason);
            }
        }
        return moved;
    }

    private void deliver(XsMessage m) {
        XsSink r = receiver;
        if (r != null) {
            r.send(m);
        }
    }

    private void stop(String reason) {
        log.warn("dom{}: xenstore ring stopped: {}", guest.domid(), reason);
        stopped = reason;
        output.clear();
        XsSink r = receiver;
        receiver = null;
        if (r != null) {
            r.close(reason);
        }
    }

    @Override
    public String toString() {
        return "XenstoreRingFrontend[dom" + guest.domid() + " gfn " + gfn + " port " + port
                + (stopped == null ? "" : " stopped: " + stopped) + "]";
    }
}
