package io.xensim.xenbus.store.server;

import io.xensim.xenbus.store.wire.XsMessage;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * transactions) is confined to that executor. The inbox is a linked queue with many producers (any thread calling
 * {@code receive}) and one consumer (the drain task on the executor), in the style of Vyukov's MPSC queue: a
 * producer costs one atomic exchange, the consumer none.
 */
public final class XsConnection {
    /*
     * Inbox correctness. Nodes form a singly linked list from `head` (the consumer's last consumed node, initially a
     * stub) to `tail`. A producer swaps itself into `tail` (getAndSet: producers are totally ordered by it, so
     * requests from one thread stay in order and those from different threads interleave atomically), then links
     * the previous tail's `next` to its node with a release store, which publishes the node's message to the
     * consumer's acquire load of `next`. Between those two steps the list is briefly cut: `next` is null although
     * `tail != head`. The consumer never mistakes that for empty; it gives up the executor and resubmits the drain
     * (drainScheduled stays true, so producers do not schedule another) rather than spin.
     *
     * Lost wake-up: the drain clears drainScheduled (volatile store) and then reads `tail` (volatile load); a
     * producer swaps `tail` (a full-fence read-modify-write) and then reads drainScheduled. By sequential
     * consistency of these accesses, either the drain sees the new tail and drains again, or the producer sees the
     * cleared flag and schedules a drain.
     *
     * Counting: `received` is incremented by producers (atomically, before linking) and `answered` only by the
     * consumer, after processing a request (release store, no lock). queuedRequests() reads `answered` first, so
     * the difference is never negative.
     */
    private static final VarHandle TAIL;
    private static final VarHandle NEXT;
    private static final VarHandle ANSWERED;

    static {
        try {
            var lookup = MethodHandles.lookup();
            TAIL = lookup.findVarHandle(XsConnection.class, "tail", Node.class);
            ANSWERED = lookup.findVarHandle(XsConnection.class, "answered", int.class);
            NEXT = lookup.findVarHandle(Node.class, "next", Node.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** One queued request of the inbox. */
    private static final class Node {
        XsMessage message;
        @SuppressWarnings("unused") // accessed through NEXT
        private volatile Node next;

        Node(XsMessage message) {
            this.message = message;
        }
    }

    private final Xenstored xenstored;
    private final ConnectionInfo info;
    final XsSink sink;
    /** Consumer's end of the inbox: the node whose message was taken last (its message is null). Executor only. */
    private Node head = new Node(null);
    /** Producers' end of the inbox; swapped with TAIL. */
    @SuppressWarnings("unused") // accessed through TAIL
    private volatile Node tail = head;
    private final AtomicInteger received = new AtomicInteger();
    /** Requests processed; written by the executor only (ANSWERED.setRelease), read from any thread. */
    @SuppressWarnings("unused") // accessed through ANSWERED
    private volatile int answered;
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
        int count = received.incrementAndGet();
        if (count - (int) ANSWERED.getAcquire(this) > xenstored.maxQueuedRequests()) {
            received.decrementAndGet();
            xenstored.closeFromServer(this, "more than " + xenstored.maxQueuedRequests() + " requests queued");
            return;
        }
        Node node = new Node(request);
        Node prev = (Node) TAIL.getAndSet(this, node);
        // Release: the node's message is visible before the consumer can reach the node (its acquire of next).
        NEXT.setRelease(prev, node);
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
        int done = (int) ANSWERED.getAcquire(this);   // first: `received` only grows past it
        return received.get() - done;
    }

    /**
     * True while an unprivileged connection has {@link XenstoredConfig#outstandingRequests()} or more requests
     * unanswered: C xenstored's {@code domain_can_read()} stops reading the ring then, and a transport should stop
     * reading too until this turns false.
     */
    public boolean isStalled() {
        return !info.privileged() && queuedRequests() >= xenstored.outstandingQuota();
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
     * either is seen by this loop or schedules a new drain (see the inbox argument at the top). */
    private void drain() {
        xenstored.register(this);
        int done = (int) ANSWERED.get(this);   // only this thread writes it
        for (;;) {
            // Acquire: pairs with the producer's release store of next; the node's message is then visible.
            Node next = (Node) NEXT.getAcquire(head);
            if (next == null) {
                if (tail == head) {
                    break;   // empty
                }
                // A producer has swapped tail but not linked yet: let other tasks run and come back.
                xenstored.execute(this::drain);
                return;
            }
            XsMessage m = next.message;
            next.message = null;
            head = next;
            if (!closed) {
                xenstored.process(this, m);
            }
            // Release: the reply was sent before the count says the request is answered.
            ANSWERED.setRelease(this, ++done);
        }
        drainScheduled.set(false);
        if (tail != head) {
            scheduleDrain();
        }
    }
}
