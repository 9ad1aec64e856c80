package io.xensim.xenbus.store.client;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.store.server.ConnectionInfo;
import io.xensim.xenbus.store.server.XsConnection;
import io.xensim.xenbus.store.server.XsSink;
import io.xensim.xenbus.store.server.Xenstored;
import io.xensim.xenbus.store.wire.XsError;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsPayloads;
import io.xensim.xenbus.store.wire.XsPermission;
import io.xensim.xenbus.store.wire.XsType;
import io.xensim.xenbus.store.wire.XsValues;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The in-process xenstore client of one domain: frontends, backends and the toolstack use it as Linux's xenbus
 * driver or libxenstore use xenstored. It sends real {@link XsMessage}s over a real {@link XsConnection}, so every
 * permission check and quota applies exactly as for any other connection.
 *
 * <p>Every request returns a {@link CompletableFuture}; an {@code XS_ERROR} reply completes it exceptionally with
 * an {@link XsErrorException} naming the error. Requests that take a transaction id use {@link #NO_TX} (0) outside
 * transactions; {@link #transaction(Function)} runs a body in a transaction and retries it when the commit answers
 * {@code EAGAIN}, a bounded number of times. Replies are matched to requests by {@code req_id}.
 *
 * <p>At most {@link #maxInFlight()} requests are sent before earlier ones are answered (below C xenstored's
 * outstanding-request quota for guests); later ones wait in the client, in order.
 *
 * <p><b>Threading:</b> requests may be issued from any thread. Futures complete, and watch listeners run, on the
 * callback executor given to {@link #connect} (the domain's executor), in the order xenstored sent the messages.
 * The {@code *Blocking} helpers wait at most the client's timeout and must not be called on the callback executor.
 */
public final class XsClient implements AutoCloseable {
    /** The {@code tx_id} of requests outside any transaction. */
    public static final int NO_TX = 0;
    /** How often {@link #transaction(Function)} tries a body whose commit keeps failing with EAGAIN. */
    public static final int MAX_TRANSACTION_ATTEMPTS = 16;
    /** Default bound of the blocking helpers. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final ConnectionInfo info;
    private final Executor callbacks;
    private final Duration timeout;
    private final int maxInFlight;
    private final XsClientTransport connection;

    private final Map<Integer, Pending> pending = new ConcurrentHashMap<>();
    private final Map<String, List<Registration>> watches = new ConcurrentHashMap<>();
    private final Object sendLock = new Object();
    // Guarded by sendLock.
    private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
    private int inFlight;
    private int nextReqId = 1;
    private volatile String closedReason;

    private record Pending(int reqId, XsMessage request, CompletableFuture<XsMessage> reply) {
    }

    private record Registration(String path, XsWatchListener listener) {
    }

    private XsClient(Xenstored xenstored, ConnectionInfo info, Executor callbacks, Duration timeout) {
        this(info, callbacks, timeout,
                info.privileged() ? 256 : Math.max(1, xenstored.config().outstandingRequests() / 2),
                sink -> XsClientTransport.of(xenstored.connect(info, sink)));
    }

    private XsClient(ConnectionInfo info, Executor callbacks, Duration timeout, int maxInFlight,
            XsClientTransport.Connector connector) {
        this.info = Objects.requireNonNull(info, "info");
        this.callbacks = Objects.requireNonNull(callbacks, "callbacks");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight: " + maxInFlight + " (expected: >= 1)");
        }
        this.maxInFlight = maxInFlight;
        this.connection = Objects.requireNonNull(connector.connect(new Sink()), "transport");
    }

    /**
     * A client over another transport than an in-process {@link XsConnection}, such as a guest's xenstore ring
     * ({@code io.xensim.xenbus.store.ring.XenstoreRingFrontend#client}); {@code info} describes who the peer
     * serves the client as.
     */
    public static XsClient over(XsClientTransport.Connector connector, ConnectionInfo info, Executor callbacks,
            Duration timeout, int maxInFlight) {
        return new XsClient(info, callbacks, timeout, maxInFlight, connector);
    }

    /** Connects a client for {@code info}, delivering replies and watch events on {@code callbacks}. */
    public static XsClient connect(Xenstored xenstored, ConnectionInfo info, Executor callbacks) {
        return new XsClient(xenstored, info, callbacks, DEFAULT_TIMEOUT);
    }

    /** As {@link #connect(Xenstored, ConnectionInfo, Executor)} with a bound for the blocking helpers. */
    public static XsClient connect(Xenstored xenstored, ConnectionInfo info, Executor callbacks, Duration timeout) {
        return new XsClient(xenstored, info, callbacks, timeout);
    }

    public ConnectionInfo info() {
        return info;
    }

    public int maxInFlight() {
        return maxInFlight;
    }

    /** Requests held back in the client because {@link #maxInFlight()} are unanswered. */
    public int waitingRequests() {
        synchronized (sendLock) {
            return waiting.size();
        }
    }

    public boolean isClosed() {
        return closedReason != null;
    }

    /** Drops the connection: xenstored forgets its watches and transactions; unanswered requests fail. */
    @Override
    public void close() {
        if (closedReason == null) {
            connection.close();
            failAll("client closed");
        }
    }

    // =====================================================================================================
    // Raw requests
    // =====================================================================================================

    /**
     * Sends one request and completes with the reply message (of the request's type); an {@code XS_ERROR} reply
     * completes exceptionally with {@link XsErrorException}.
     */
    public CompletableFuture<XsMessage> request(XsType type, int txId, byte[] payload) {
        var future = new CompletableFuture<XsMessage>();
        if (closedReason != null) {
            future.completeExceptionally(new XsClosedException(closedReason));
            return future;
        }
        synchronized (sendLock) {
            int reqId = allocateReqId();
            var p = new Pending(reqId, new XsMessage(type.code(), reqId, txId, payload), future);
            pending.put(reqId, p);
            if (inFlight < maxInFlight) {
                inFlight++;
                connection.send(p.request);
            } else {
                waiting.add(p);
            }
        }
        return future;
    }

    private int allocateReqId() {
        int id;
        do {
            id = nextReqId++;
        } while (id == 0 || pending.containsKey(id));
        return id;
    }

    private CompletableFuture<byte[]> payloadOf(XsType type, int txId, byte[] payload) {
        return request(type, txId, payload).thenApply(XsMessage::payload);
    }

    private CompletableFuture<Void> okOf(XsType type, int txId, byte[] payload) {
        return request(type, txId, payload).thenApply(m -> null);
    }

    // =====================================================================================================
    // Store operations
    // =====================================================================================================

    public CompletableFuture<byte[]> read(String path) {
        return read(NO_TX, path);
    }

    public CompletableFuture<byte[]> read(int txId, String path) {
        return payloadOf(XsType.XS_READ, txId, XsPayloads.strings(path));
    }

    /** The value decoded as UTF-8. */
    public CompletableFuture<String> readString(String path) {
        return readString(NO_TX, path);
    }

    public CompletableFuture<String> readString(int txId, String path) {
        return read(txId, path).thenApply(b -> new String(b, StandardCharsets.UTF_8));
    }

    /** The value, or empty if the node does not exist (ENOENT); other errors still fail the future. */
    public CompletableFuture<Optional<String>> readOptional(int txId, String path) {
        return readString(txId, path).handle((v, err) -> {
            if (err == null) {
                return Optional.of(v);
            }
            if (isError(err, XsError.ENOENT)) {
                return Optional.empty();
            }
            throw asCompletion(err);
        });
    }

    public CompletableFuture<Void> write(String path, byte[] value) {
        return write(NO_TX, path, value);
    }

    public CompletableFuture<Void> write(int txId, String path, byte[] value) {
        return okOf(XsType.XS_WRITE, txId, XsPayloads.stringThenBytes(path, value));
    }

    /** Writes the UTF-8 bytes of {@code value}. */
    public CompletableFuture<Void> write(String path, String value) {
        return write(NO_TX, path, value);
    }

    public CompletableFuture<Void> write(int txId, String path, String value) {
        return write(txId, path, value.getBytes(StandardCharsets.UTF_8));
    }

    public CompletableFuture<Void> mkdir(String path) {
        return mkdir(NO_TX, path);
    }

    public CompletableFuture<Void> mkdir(int txId, String path) {
        return okOf(XsType.XS_MKDIR, txId, XsPayloads.strings(path));
    }

    public CompletableFuture<Void> rm(String path) {
        return rm(NO_TX, path);
    }

    public CompletableFuture<Void> rm(int txId, String path) {
        return okOf(XsType.XS_RM, txId, XsPayloads.strings(path));
    }

    /** Child names of a node ({@code XS_DIRECTORY}). */
    public CompletableFuture<List<String>> directory(String path) {
        return directory(NO_TX, path);
    }

    public CompletableFuture<List<String>> directory(int txId, String path) {
        return payloadOf(XsType.XS_DIRECTORY, txId, XsPayloads.strings(path)).thenApply(XsPayloads::split);
    }

    /**
     * One chunk of a long child list ({@code XS_DIRECTORY_PART}) from byte {@code offset}: the generation count
     * first, then the names; the last chunk ends with an empty name.
     */
    public CompletableFuture<List<String>> directoryPart(int txId, String path, int offset) {
        return payloadOf(XsType.XS_DIRECTORY_PART, txId, XsPayloads.strings(path, Integer.toString(offset)))
                .thenApply(XsPayloads::split);
    }

    public CompletableFuture<List<XsPermission>> getPerms(String path) {
        return getPerms(NO_TX, path);
    }

    public CompletableFuture<List<XsPermission>> getPerms(int txId, String path) {
        return payloadOf(XsType.XS_GET_PERMS, txId, XsPayloads.strings(path)).thenApply(p -> {
            List<XsPermission> out = new ArrayList<>();
            for (String s : XsPayloads.split(p)) {
                out.add(XsPermission.parse(s).orElseThrow());
            }
            return out;
        });
    }

    public CompletableFuture<Void> setPerms(String path, List<XsPermission> perms) {
        return setPerms(NO_TX, path, perms);
    }

    public CompletableFuture<Void> setPerms(int txId, String path, List<XsPermission> perms) {
        String[] strings = new String[perms.size() + 1];
        strings[0] = path;
        for (int i = 0; i < perms.size(); i++) {
            strings[i + 1] = perms.get(i).toString();
        }
        return okOf(XsType.XS_SET_PERMS, txId, XsPayloads.strings(strings));
    }

    // =====================================================================================================
    // Watches
    // =====================================================================================================

    /**
     * Registers a watch; {@code listener} gets the initial event xenstored fires on registration and every later
     * one for {@code path} and below. Tokens should be unique per client; several paths may share one.
     */
    public CompletableFuture<Void> watch(String path, String token, XsWatchListener listener) {
        Objects.requireNonNull(listener, "listener");
        var reg = new Registration(path, listener);
        // Registered before sending: the first event follows the reply immediately.
        watches.computeIfAbsent(token, k -> new CopyOnWriteArrayList<>()).add(reg);
        return okOf(XsType.XS_WATCH, NO_TX, XsPayloads.strings(path, token)).whenComplete((v, err) -> {
            if (err != null) {
                removeRegistration(token, reg);
            }
        });
    }

    public CompletableFuture<Void> unwatch(String path, String token) {
        return okOf(XsType.XS_UNWATCH, NO_TX, XsPayloads.strings(path, token)).thenRun(() -> {
            List<Registration> regs = watches.get(token);
            if (regs != null) {
                regs.stream().filter(r -> r.path.equals(path)).findFirst().ifPresent(r -> removeRegistration(token, r));
            }
        });
    }

    private void removeRegistration(String token, Registration reg) {
        watches.computeIfPresent(token, (k, list) -> {
            list.remove(reg);
            return list.isEmpty() ? null : list;
        });
    }

    /** Drops all watches and transactions of this connection ({@code XS_RESET_WATCHES}). */
    public CompletableFuture<Void> resetWatches() {
        return okOf(XsType.XS_RESET_WATCHES, NO_TX, XsPayloads.strings("")).thenRun(watches::clear);
    }

    // =====================================================================================================
    // Transactions
    // =====================================================================================================

    public CompletableFuture<Integer> transactionStart() {
        return payloadOf(XsType.XS_TRANSACTION_START, NO_TX, XsPayloads.strings(""))
                .thenApply(p -> switch (XsValues.parseU32(XsPayloads.split(p).getFirst())) {
                    case Decoded.Ok<Integer>(Integer tx) -> tx;
                    // xenstored's reply is not a peer's value but a protocol error: fail the request.
                    case Decoded.Malformed<Integer>(String reason) -> throw new IllegalStateException(
                            "XS_TRANSACTION_START reply: " + reason);
                });
    }

    /** Commits ({@code true}) or aborts; a lost race completes exceptionally with EAGAIN. */
    public CompletableFuture<Void> transactionEnd(int txId, boolean commit) {
        return okOf(XsType.XS_TRANSACTION_END, txId, XsPayloads.strings(commit ? "T" : "F"));
    }

    /**
     * Runs {@code body} with a fresh transaction id and commits; if the commit fails with EAGAIN the whole body runs
     * again, at most {@link #MAX_TRANSACTION_ATTEMPTS} times. If the body fails, the transaction is aborted and the
     * body's error is returned.
     */
    public <T> CompletableFuture<T> transaction(Function<Integer, CompletableFuture<T>> body) {
        return attempt(body, 1);
    }

    private <T> CompletableFuture<T> attempt(Function<Integer, CompletableFuture<T>> body, int attempt) {
        return transactionStart().thenCompose(tx -> {
            CompletableFuture<T> result;
            try {
                result = body.apply(tx);
            } catch (RuntimeException e) {
                result = CompletableFuture.failedFuture(e);
            }
            return result.handle((value, err) -> finish(body, attempt, tx, value, err))
                    .thenCompose(Function.identity());
        });
    }

    private <T> CompletableFuture<T> finish(Function<Integer, CompletableFuture<T>> body, int attempt, int tx,
                                            T value, Throwable err) {
        if (err != null) {
            // Abort, then report the body's own failure whatever the abort says.
            return transactionEnd(tx, false).handle((v, e2) -> (T) null)
                    .thenCompose(x -> CompletableFuture.failedFuture(unwrap(err)));
        }
        return transactionEnd(tx, true).handle((v, e2) -> {
            if (e2 == null) {
                return CompletableFuture.completedFuture(value);
            }
            if (isError(e2, XsError.EAGAIN) && attempt < MAX_TRANSACTION_ATTEMPTS) {
                return attempt(body, attempt + 1);
            }
            return CompletableFuture.<T>failedFuture(unwrap(e2));
        }).thenCompose(Function.identity());
    }

    private static Throwable unwrap(Throwable err) {
        return err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
    }

    // =====================================================================================================
    // Domains and control
    // =====================================================================================================

    public CompletableFuture<String> getDomainPath(int domid) {
        return payloadOf(XsType.XS_GET_DOMAIN_PATH, NO_TX, XsPayloads.strings(Integer.toString(domid)))
                .thenApply(p -> XsPayloads.split(p).getFirst());
    }

    /** {@code XS_INTRODUCE} (dom0 only): {@code gfn} of the ring page, {@code port} the guest's unbound channel. */
    public CompletableFuture<Void> introduce(int domid, long gfn, int port) {
        return okOf(XsType.XS_INTRODUCE, NO_TX,
                XsPayloads.strings(Integer.toString(domid), Long.toString(gfn), Integer.toString(port)));
    }

    public CompletableFuture<Void> release(int domid) {
        return okOf(XsType.XS_RELEASE, NO_TX, XsPayloads.strings(Integer.toString(domid)));
    }

    public CompletableFuture<Boolean> isDomainIntroduced(int domid) {
        return payloadOf(XsType.XS_IS_DOMAIN_INTRODUCED, NO_TX, XsPayloads.strings(Integer.toString(domid)))
                .thenApply(p -> XsPayloads.split(p).equals(List.of("T")));
    }

    public CompletableFuture<Void> resume(int domid) {
        return okOf(XsType.XS_RESUME, NO_TX, XsPayloads.strings(Integer.toString(domid)));
    }

    public CompletableFuture<Void> setTarget(int domid, int tdomid) {
        return okOf(XsType.XS_SET_TARGET, NO_TX,
                XsPayloads.strings(Integer.toString(domid), Integer.toString(tdomid)));
    }

    /** {@code XS_CONTROL} with a command and its parameters; the reply payload as text (NULs dropped). */
    public CompletableFuture<String> control(String... commandAndArgs) {
        return payloadOf(XsType.XS_CONTROL, NO_TX, XsPayloads.strings(commandAndArgs))
                .thenApply(p -> XsPayloads.text(p).replace("\0", ""));
    }

    // =====================================================================================================
    // Blocking helpers (bounded by the client's timeout)
    // =====================================================================================================

    /** Waits for {@code future} at most the client's timeout; an XS_ERROR is rethrown as XsErrorException. */
    public <T> T await(CompletableFuture<T> future) {
        try {
            return future.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("xenstore request: no reply within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for xenstore", e);
        }
    }

    public String readBlocking(String path) {
        return await(readString(path));
    }

    public Optional<String> readOptionalBlocking(String path) {
        return await(readOptional(NO_TX, path));
    }

    public void writeBlocking(String path, String value) {
        await(write(path, value));
    }

    public void mkdirBlocking(String path) {
        await(mkdir(path));
    }

    public void rmBlocking(String path) {
        await(rm(path));
    }

    public List<String> directoryBlocking(String path) {
        return await(directory(path));
    }

    public List<XsPermission> getPermsBlocking(String path) {
        return await(getPerms(path));
    }

    public void setPermsBlocking(String path, List<XsPermission> perms) {
        await(setPerms(path, perms));
    }

    public void watchBlocking(String path, String token, XsWatchListener listener) {
        await(watch(path, token, listener));
    }

    // =====================================================================================================
    // Error helpers
    // =====================================================================================================

    /** True if {@code err} (possibly wrapped by a future) is an XS_ERROR reply naming {@code error}. */
    public static boolean isError(Throwable err, XsError error) {
        Throwable t = err;
        while (t instanceof CompletionException || t instanceof ExecutionException) {
            if (t.getCause() == null) {
                break;
            }
            t = t.getCause();
        }
        return t instanceof XsErrorException x && x.is(error);
    }

    private static CompletionException asCompletion(Throwable err) {
        return err instanceof CompletionException ce ? ce : new CompletionException(err);
    }

    // =====================================================================================================
    // Incoming messages
    // =====================================================================================================

    /** Called on xenstored's executor: hop to the domain's executor. */
    private final class Sink implements XsSink {
        @Override
        public void send(XsMessage message) {
            callbacks.execute(() -> dispatch(message));
        }

        @Override
        public void close(String reason) {
            callbacks.execute(() -> failAll("closed by xenstored: " + reason));
        }
    }

    private void dispatch(XsMessage m) {
        if (m.is(XsType.XS_WATCH_EVENT)) {
            deliverEvent(m);
            return;
        }
        Pending p = pending.remove(m.reqId());
        if (p == null) {
            return;   // a reply to a request we gave up on (closed)
        }
        sendNext();
        if (m.is(XsType.XS_ERROR)) {
            p.reply.completeExceptionally(new XsErrorException(XsError.errstringOf(m.payload()),
                    p.request.toString()));
        } else if (m.type() != p.request.type()) {
            p.reply.completeExceptionally(new IllegalStateException("reply " + m + " to " + p.request));
        } else {
            p.reply.complete(m);
        }
    }

    private void sendNext() {
        synchronized (sendLock) {
            inFlight--;
            Pending next = waiting.poll();
            if (next != null && closedReason == null) {
                inFlight++;
                connection.send(next.request);
            }
        }
    }

    private void deliverEvent(XsMessage m) {
        List<String> strings = m.strings();
        if (strings.size() < 2) {
            return;
        }
        String path = strings.get(0);
        String token = strings.get(1);
        List<Registration> regs = watches.get(token);
        if (regs == null) {
            return;
        }
        List<Registration> matching = regs.stream().filter(r -> covers(r.path, path)).toList();
        for (Registration r : matching.isEmpty() ? regs : matching) {
            r.listener.onWatch(path, token);
        }
    }

    /** Whether an event for {@code path} belongs to a watch on {@code watchPath} (same relative/absolute form). */
    private static boolean covers(String watchPath, String path) {
        if (watchPath.equals("/") || watchPath.equals(path)) {
            return true;
        }
        return path.startsWith(watchPath) && path.length() > watchPath.length()
                && path.charAt(watchPath.length()) == '/';
    }

    private void failAll(String reason) {
        if (closedReason == null) {
            closedReason = reason;
        }
        synchronized (sendLock) {
            waiting.clear();
        }
        for (var it = pending.values().iterator(); it.hasNext(); ) {
            Pending p = it.next();
            it.remove();
            p.reply.completeExceptionally(new XsClosedException(reason));
        }
        watches.clear();
    }
}
