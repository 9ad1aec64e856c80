package io.xensim.xenbus.bus;

import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.store.client.XsClient;
import io.xensim.xenbus.store.client.XsWatchListener;
import io.xensim.xenbus.store.wire.XsError;
import io.xensim.xenbus.store.wire.XsPermission;
import io.xensim.xenbus.trace.TraceEvent;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * One domain's xenstore client as the device model uses it: an {@link XsClient} (in-process, or speaking the wire
 * protocol over the domain's xenstore ring) whose requests and watch events are recorded as {@link TraceEvent}s of
 * that domain, client side, with the device each path belongs to ({@link XenbusPaths#deviceLabel}).
 *
 * <p>It also counts the watches it registered, so that a paired test can check that every watch was removed
 * ({@link #liveWatches()}).
 *
 * <p><b>Threading:</b> callable from any thread; futures complete and watch listeners run on the client's callback
 * executor (the domain's executor). The watch registry is a concurrent map.
 */
public final class TracedXs implements AutoCloseable {
    private final XsClient client;
    private final Hypervisor hypervisor;
    private final int domid;
    private final Map<String, String> watches = new ConcurrentHashMap<>(); // "path\0token" -> path

    public TracedXs(XsClient client, Hypervisor hypervisor, int domid) {
        this.client = Objects.requireNonNull(client, "client");
        this.hypervisor = Objects.requireNonNull(hypervisor, "hypervisor");
        this.domid = domid;
    }

    /** The underlying client, for requests this class does not wrap. */
    public XsClient client() {
        return client;
    }

    public int domid() {
        return domid;
    }

    private void trace(TraceEvent.Kind kind, String path, String detail) {
        hypervisor.trace(domid, XenbusPaths.deviceLabel(path), kind, detail);
    }

    private static String tx(int txId) {
        return txId == XsClient.NO_TX ? "" : " (tx " + Integer.toUnsignedString(txId) + ")";
    }

    /** {@code XS_READ}; empty when the node does not exist. */
    public CompletableFuture<Optional<String>> readOptional(int txId, String path) {
        trace(TraceEvent.Kind.XENSTORE_REQUEST, path, "XS_READ " + path + tx(txId));
        return client.readOptional(txId, path).whenComplete((v, err) -> {
            if (err == null) {
                trace(TraceEvent.Kind.XENSTORE_REPLY, path, path + (v.isPresent() ? " = \"" + v.get() + "\""
                        : ": ENOENT"));
            }
        });
    }

    public CompletableFuture<Optional<String>> readOptional(String path) {
        return readOptional(XsClient.NO_TX, path);
    }

    public CompletableFuture<Void> write(int txId, String path, String value) {
        trace(TraceEvent.Kind.XENSTORE_REQUEST, path, "XS_WRITE " + path + " = \"" + value + "\"" + tx(txId));
        return client.write(txId, path, value);
    }

    public CompletableFuture<Void> write(String path, String value) {
        return write(XsClient.NO_TX, path, value);
    }

    public CompletableFuture<Void> mkdir(int txId, String path) {
        trace(TraceEvent.Kind.XENSTORE_REQUEST, path, "XS_MKDIR " + path + tx(txId));
        return client.mkdir(txId, path);
    }

    /** {@code XS_RM}; removing a node that does not exist succeeds, as {@code xs_rm()} users expect. */
    public CompletableFuture<Void> rm(int txId, String path) {
        trace(TraceEvent.Kind.XENSTORE_REQUEST, path, "XS_RM " + path + tx(txId));
        return client.rm(txId, path).exceptionallyCompose(err -> XsClient.isError(err, XsError.ENOENT)
                ? CompletableFuture.completedFuture(null) : CompletableFuture.failedFuture(err));
    }

    public CompletableFuture<Void> rm(String path) {
        return rm(XsClient.NO_TX, path);
    }

    public CompletableFuture<Void> setPerms(int txId, String path, List<XsPermission> perms) {
        trace(TraceEvent.Kind.XENSTORE_REQUEST, path, "XS_SET_PERMS " + path + " " + perms + tx(txId));
        return client.setPerms(txId, path, perms);
    }

    /** {@code XS_DIRECTORY}; empty when the node does not exist. */
    public CompletableFuture<List<String>> directory(int txId, String path) {
        trace(TraceEvent.Kind.XENSTORE_REQUEST, path, "XS_DIRECTORY " + path + tx(txId));
        return client.directory(txId, path).exceptionallyCompose(err -> XsClient.isError(err, XsError.ENOENT)
                ? CompletableFuture.completedFuture(List.of()) : CompletableFuture.failedFuture(err));
    }

    /**
     * Runs {@code body} in a transaction, retrying it from the start when the commit answers {@code EAGAIN}
     * ({@link XsClient#transaction}); each attempt and the outcome are traced.
     */
    public <T> CompletableFuture<T> transaction(String pathForTrace, Function<Integer, CompletableFuture<T>> body) {
        return client.<T>transaction(tx -> {
            trace(TraceEvent.Kind.XENSTORE_REQUEST, pathForTrace, "XS_TRANSACTION_START -> tx "
                    + Integer.toUnsignedString(tx));
            return body.apply(tx).whenComplete((v, err) -> trace(TraceEvent.Kind.XENSTORE_REQUEST, pathForTrace,
                    "XS_TRANSACTION_END tx " + Integer.toUnsignedString(tx) + (err == null ? " commit" : " abort")));
        }).whenComplete((v, err) -> {
            if (err != null) {
                trace(TraceEvent.Kind.XENSTORE_REPLY, pathForTrace, "transaction failed: " + rootMessage(err));
            }
        });
    }

    /** {@code XS_WATCH}; each event is traced before {@code listener} runs. */
    public CompletableFuture<Void> watch(String path, String token, XsWatchListener listener) {
        trace(TraceEvent.Kind.XENSTORE_REQUEST, path, "XS_WATCH " + path + " token " + token);
        watches.put(path + "\0" + token, path);
        return client.watch(path, token, (p, t) -> {
            trace(TraceEvent.Kind.WATCH_EVENT, p, "XS_WATCH_EVENT " + p + " token " + t);
            listener.onWatch(p, t);
        }).whenComplete((v, err) -> {
            if (err != null) {
                watches.remove(path + "\0" + token);
            }
        });
    }

    /** {@code XS_UNWATCH}; forgets the watch even if the connection is gone. */
    public CompletableFuture<Void> unwatch(String path, String token) {
        trace(TraceEvent.Kind.XENSTORE_REQUEST, path, "XS_UNWATCH " + path + " token " + token);
        watches.remove(path + "\0" + token);
        return client.unwatch(path, token).exceptionally(err -> null);
    }

    /** Watches registered through this object and not removed, as {@code "path token"}. */
    public List<String> liveWatches() {
        return watches.keySet().stream().map(k -> k.replace('\0', ' ')).sorted().toList();
    }

    /**
     * Closes the connection: xenstored drops its watches and transactions. Watches not removed before stay in
     * {@link #liveWatches()}, so that a leak still shows in a clean-up check.
     */
    @Override
    public void close() {
        client.close();
    }

    /** The message of {@code err} without the futures' wrappers. */
    public static String rootMessage(Throwable err) {
        Throwable t = rootCause(err);
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    /** {@code err} without the {@code CompletionException}/{@code ExecutionException} wrappers of futures. */
    public static Throwable rootCause(Throwable err) {
        Throwable t = err;
        while ((t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
