package io.xensim.xenbus.store.server;

import io.xensim.xenbus.store.wire.XsMessage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client's connection to {@link Xenstored}, as a transport or the in-process client sees it: requests go in with
 * {@link #receive(XsMessage)}, replies and watch events come out of the {@link XsSink} given to
 * {@link Xenstored#connect}. The counterpart of C xenstored's {@code struct connection}.
 *
 * <p>Requests are answered one at a time in arrival order (C answers in order too). A request that is not a valid
 * request gets an {@code XS_ERROR} reply; nothing a client sends closes the connection, except flooding past
 * {@link XenstoredConfig#maxQueuedRequests()} (see {@link #isStalled()}).
 *
 * <p><b>Threading:</b> {@link #receive}, {@link #close}, {@link #isClosed}, {@link #isStalled} and
 * {@link #queuedRequests} may be called from any thread; {@code receive} only queues the request and schedules its
 * processing on xenstored's executor, never processing it on the caller's stack. Everything else (watches,
 * transactions) is confined to that executor.
 */
public final class XsConnection {
    private final Xenstored xenstored;
    private final ConnectionInfo info;
    final XsSink sink;
    private final ConcurrentLinkedQueue<XsMessage> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private volatile boolean closed;

    // Confined to xenstored's executor.
    final List<Watch> watches = new ArrayList<>();
    final Map<Integer, Transaction> transactions = new LinkedHashMap<>();
    int nextTransactionId;
    boolean registered;
    boolean cleanedUp;

    XsConnection(Xenstored xenstored, ConnectionInfo info, XsSink sink) {
        this.xenstored = xenstored;
        this.info = Objects.requireNonNull(info, "info");
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    public ConnectionInfo info() {
        return info;
    }

    /**
     * Hands one request to xenstored. Ignored after {@link #close()}. If more than
     * {@link XenstoredConfig#maxQueuedRequests()} requests are waiting, the connection is closed instead (the
     * sink's {@code close} says why): a well-behaved transport stops reading while {@link #isStalled()}.
     */
    public void receive(XsMessage request) {
        Objects.requireNonNull(request, "request");
        if (closed) {
            return;
        }
        if (queued.incrementAndGet() > xenstored.maxQueuedRequests()) {
            queued.decrementAndGet();
            xenstored.closeFromServer(this, "more than " + xenstored.maxQueuedRequests() + " requests queued");
            return;
        }
        inbox.add(request);
        scheduleDrain();
    }

    /**
     * The transport dropped the connection: xenstored forgets its watches and transactions (C
     * {@code ignore_connection()}/{@code destroy_conn()}). The sink gets no further calls. Idempotent.
     */
    public void close() {
        if (!closed) {
            closed = true;
            xenstored.execute(() -> xenstored.disconnect(this, null));
        }
    }

    public boolean isClosed() {
        return closed;
    }

    /** Requests received but not yet answered. */
    public int queuedRequests() {
        return queued.get();
    }

    /**
     * True while an unprivileged connection has {@link XenstoredConfig#outstandingRequests()} or more requests
     * unanswered: C xenstored's {@code domain_can_read()} stops reading the ring then, and a transport should stop
     * reading too until this turns false.
     */
    public boolean isStalled() {
        return !info.privileged() && queued.get() >= xenstored.outstandingQuota();
    }

    @Override
    public String toString() {
        return "XsConnection[dom" + info.domid() + (info.privileged() ? " privileged " : " ") + info.label() + "]";
    }

    void markClosed() {
        closed = true;
    }

    private void scheduleDrain() {
        // Read first: while a drain is pending (most requests of a batch), no locked instruction is needed.
        if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
            xenstored.execute(this::drain);
        }
    }

    /* Runs on the executor. The flag is cleared before the final emptiness check, so a request queued concurrently
     * either is seen by this loop or schedules a new drain. */
    private void drain() {
        xenstored.register(this);
        for (XsMessage m; (m = inbox.poll()) != null; ) {
            if (!closed) {
                xenstored.process(this, m);
            }
            queued.decrementAndGet();
        }
        drainScheduled.set(false);
        if (!inbox.isEmpty()) {
            scheduleDrain();
        }
    }
}
