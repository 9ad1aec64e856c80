package io.xensim.xenbus.store.server;

import io.xensim.xenbus.store.wire.XsMessage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jctools.queues.atomic.MpscUnboundedAtomicArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client's connection to {@link Xenstored}, as a transport or the in-process client sees it: requests go in with
 * {@link #receive(XsMessage)}, replies and watch events come out of the {@link XsSink} given to
 * {@link Xenstored#connect}. The counterpart of C xenstored's {@code struct connection}: it also holds the
 * connection's watches and open transactions, which xenstored changes only through this class's methods.
 *
 * <p>Requests are answered one at a time in arrival order (C answers in order too). A request that is not a valid
 * request gets an {@code XS_ERROR} reply; nothing a client sends closes the connection, except flooding past
 * {@link XenstoredConfig#maxQueuedRequests()} (see {@link #isStalled()}).
 *
 * <p><b>Threading:</b> {@link #receive}, {@link #close}, {@link #isClosed}, {@link #isStalled} and
 * {@link #queuedRequests} may be called from any thread; {@code receive} only queues the request and schedules its
 * processing on xenstored's executor, never processing it on the caller's stack. Everything else (watches,
 * transactions) is confined to that executor. The inbox is JCTools' {@code MpscUnboundedAtomicArrayQueue}
 * (the variant built on {@code java.util.concurrent.atomic}: the {@code sun.misc.Unsafe} one makes JDK 25 print
 * a deprecation warning on every run): many producers (any thread calling {@code receive}), one consumer (the
 * drain task on the executor).
 *
 * <p><b>Reference:</b> C xenstored_core.c {@code struct connection}; requests are answered in order as
 * {@code handle_input()} and {@code process_message()} do.
 */
public final class XsConnection {
    /*
     * Inbox correctness. A producer claims a slot by a CAS of the queue's producer index, then stores its message
     * into the slot with a release store that the consumer's acquire load pairs with. Between those two steps the
     * slot is empty although the queue is not: relaxedPoll() returns null while isEmpty() is false. The drain never
     * mistakes that for empty and never spins on it (on a machine with fewer cores than threads, the producer may
     * be descheduled in between); it gives up the executor and resubmits itself (drainScheduled stays true, so
     * producers do not schedule another).
     *
     * Lost wake-up: the drain clears drainScheduled (volatile store) and then reads the producer index (isEmpty, a
     * volatile load); a producer CASes the producer index (a full fence) and then reads drainScheduled. By
     * sequential consistency of these accesses, either the drain sees the new message and drains again, or the
     * producer sees the cleared flag and schedules a drain.
     *
     * Counting: `received` is incremented by producers (atomically, before offering) and `answered` only by the
     * consumer, after processing a request (release store, no lock). queuedRequests() reads `answered` first, so
     * the difference is never negative.
     */
    private static final Logger LOG = LoggerFactory.getLogger(XsConnection.class);
    /** Slots per chunk of the inbox: a benchmark's pipelined batch (64 requests) fits in one. */
    private static final int INBOX_CHUNK = 64;

    private final Xenstored xenstored;
    private final ConnectionInfo info;
    private final XsSink sink;
    private final MpscUnboundedAtomicArrayQueue<XsMessage> inbox = new MpscUnboundedAtomicArrayQueue<>(INBOX_CHUNK);
    private final AtomicInteger received = new AtomicInteger();
    /** Requests processed; written by the executor only, read from any thread. */
    private final AtomicInteger answered = new AtomicInteger();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private volatile boolean closed;

    // Confined to xenstored's executor.
    private final List<Watch> watches = new ArrayList<>();
    /** The same watches by path and token: dom0's backends hold a few per guest, and WATCH checks for a duplicate. */
    private final Map<String, Watch> watchesByKey = new HashMap<>();
    private long order; // xenstored's executor
    private final List<Watch> watchesView = Collections.unmodifiableList(watches);
    private final Map<Integer, Transaction> transactions = new LinkedHashMap<>();
    private int nextTransactionId;
    private boolean registered;
    private boolean cleanedUp;

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
        if (count - answered.getAcquire() > xenstored.maxQueuedRequests()) {
            received.decrementAndGet();
            xenstored.closeFromServer(this, "more than " + xenstored.maxQueuedRequests() + " requests queued");
            return;
        }
        inbox.offer(request);
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
        int done = answered.getAcquire();   // first: `received` only grows past it
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
        int done = answered.get();   // only this thread writes it
        for (;;) {
            XsMessage m = inbox.relaxedPoll();
            if (m == null) {
                if (inbox.isEmpty()) {
                    break;
                }
                // A producer has claimed a slot but not filled it yet: let other tasks run and come back.
                xenstored.execute(this::drain);
                return;
            }
            if (!closed) {
                xenstored.process(this, m);
            }
            // Release: the reply was sent before the count says the request is answered.
            answered.setRelease(++done);
        }
        drainScheduled.set(false);
        if (!inbox.isEmpty()) {
            scheduleDrain();
        }
    }

    // ---- Lifecycle, on xenstored's executor ----

    /** Where this connection stands in attach order (set once, when registered; C's connection list order). */
    void order(long order) {
        this.order = order;
    }

    long order() {
        return order;
    }

    /** True the first time, unless the connection was already cleaned up. */
    boolean markRegistered() {
        if (registered || cleanedUp) {
            return false;
        }
        registered = true;
        return true;
    }

    /** True the first time: the connection is closed and its state is to be dropped. */
    boolean markCleanedUp() {
        if (cleanedUp) {
            return false;
        }
        cleanedUp = true;
        closed = true;
        return true;
    }

    void markClosed() {
        closed = true;
    }

    /** Sends one message to the peer; false if the sink failed (the caller drops the connection). */
    boolean deliver(XsMessage m) {
        if (cleanedUp) {
            return true;
        }
        try {
            sink.send(m);
            return true;
        } catch (RuntimeException e) {
            LOG.warn("{}: sink failed, dropping the connection", this, e);
            return false;
        }
    }

    void closeSink(String reason) {
        try {
            sink.close(reason);
        } catch (RuntimeException e) {
            LOG.warn("{}: sink close failed", this, e);
        }
    }

    // ---- Watches (C conn->watches), on xenstored's executor ----

    /** The watches in registration order (read-only; C fires them in that order). */
    List<Watch> watches() {
        return watchesView;
    }

    boolean hasWatches() {
        return !watches.isEmpty();
    }

    Watch findWatch(String path, String token) {
        return watchesByKey.get(watchKey(path, token));
    }

    void addWatch(Watch w) {
        watches.add(w);
        watchesByKey.put(watchKey(w.path(), w.token()), w);
    }

    /** Removes and returns the watch of that path and token, or null. */
    Watch removeWatch(String path, String token) {
        Watch w = watchesByKey.remove(watchKey(path, token));
        if (w != null) {
            watches.remove(w);
        }
        return w;
    }

    private static String watchKey(String path, String token) {
        return path + '\0' + token;   // neither holds a NUL: the wire format splits on it
    }

    /** Removes every watch and returns them. */
    List<Watch> clearWatches() {
        if (watches.isEmpty()) {
            return List.of();
        }
        List<Watch> out = List.copyOf(watches);
        watches.clear();
        watchesByKey.clear();
        return out;
    }

    // ---- Transactions (C conn->transaction_list), on xenstored's executor ----

    Transaction transaction(int id) {
        return transactions.get(id);
    }

    int transactionCount() {
        return transactions.size();
    }

    Collection<Transaction> transactions() {
        return Collections.unmodifiableCollection(transactions.values());
    }

    /** A new transaction under the next free non-zero id (C {@code do_transaction_start()}). */
    Transaction openTransaction(long startGeneration) {
        int id;
        do {
            id = nextTransactionId++;
        } while (id == 0 || transactions.containsKey(id));
        var tx = new Transaction(id, startGeneration);
        transactions.put(id, tx);
        return tx;
    }

    void endTransaction(Transaction tx) {
        transactions.remove(tx.id);
    }

    void clearTransactions() {
        transactions.clear();
    }
}
