package io.xensim.xenbus.store.server;

import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsPermission;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * xensim's xenstore daemon: the tree of nodes, their permissions, transactions, watches and quotas, answering
 * {@link XsMessage} requests from {@link XsConnection}s exactly as Xen 4.17's C xenstored does.
 *
 * <p>Transports attach clients with {@link #connect(ConnectionInfo, XsSink)}: the Netty Unix-socket server
 * (privileged dom0 tools such as {@code xenstore-ls}), the xenstore ring of each guest (attached through the
 * {@link DomainIntroducer} when dom0 sends {@code XS_INTRODUCE}), and the in-process
 * {@link io.xensim.xenbus.store.client.XsClient}. The toolstack announces domains with
 * {@link #introduceDomain(int)} and {@link #releaseDomain(int)}, which fire {@code @introduceDomain} and
 * {@code @releaseDomain} like their wire counterparts.
 *
 * <p>This class is the façade; the daemon is made of the parts C xenstored (and ocaml-xenstore) is made of: the
 * committed tree ({@link NodeStore}), node access inside and outside transactions ({@link Transactions}),
 * permissions ({@link Permissions}), quotas ({@link Quotas}), the tree operations ({@link Nodes}) and node requests
 * ({@link NodeRequests}), watches ({@link Watches}), connections ({@link Connections}), domains
 * ({@link DomainTable}, {@link Domains}) and {@code XS_CONTROL} ({@link Control}), with {@link RequestDispatcher}
 * as C's {@code process_message()}.
 *
 * <p><b>Threading:</b> all store state is confined to the one {@link Executor} given to the constructor, which must
 * run tasks one at a time in submission order (a single thread, a Netty event loop, or a hand-driven executor in
 * tests), like C xenstored's single thread. Every public method may be called from any thread: it hands its work to
 * that executor and never touches state on the caller's stack. Sinks are called on the executor only.
 *
 * <p><b>Reference:</b> Xen 4.17 {@code tools/xenstore} (xenstored_core.c, xenstored_transaction.c,
 * xenstored_watch.c, xenstored_domain.c, xenstored_control.c); each part names the functions it follows. Not
 * modelled: the write rate limiter and the watch event timeout (timing dependent), transaction memory accounting,
 * and {@code XS_PERM_IGNORE} for non-owner permission entries of domains that do not exist.
 */
public final class Xenstored {
    private static final Logger LOG = LoggerFactory.getLogger(Xenstored.class);

    private final Executor executor;
    private volatile DomainIntroducer introducer;
    /** Our own bugs caught at the boundary (a request answered EIO, a task that threw); tests expect zero. */
    private final AtomicInteger internalErrors = new AtomicInteger();

    // ---- Confined to the executor. ----
    private final DomainTable domainTable = new DomainTable();
    private final NodeStore store = new NodeStore(domainTable);
    private final Quotas quotas;
    private final Connections connections = new Connections(domainTable);
    private final Domains domains;
    private final RequestDispatcher dispatcher;

    public Xenstored(Executor executor) {
        this(executor, XenstoredConfig.defaults());
    }

    public Xenstored(Executor executor, XenstoredConfig config) {
        this.executor = Objects.requireNonNull(executor, "executor");
        this.quotas = new Quotas(domainTable, Objects.requireNonNull(config, "config"));
        var permissions = new Permissions(domainTable);
        var watches = new Watches(connections, permissions, store, domainTable, quotas);
        var transactions = new Transactions(store, quotas, watches);
        var nodes = new Nodes(transactions, permissions, quotas, watches, store, domainTable);
        this.domains = new Domains(domainTable, connections, store, nodes, watches, quotas, () -> introducer);
        this.dispatcher = new RequestDispatcher(connections,
                new NodeRequests(nodes, permissions, quotas, watches, store, domainTable), transactions, watches,
                domains, new Control(quotas, domainTable, connections), internalErrors);
        // C setup_structure(): "/", "/tool" and "/tool/xenstored", owned by dom0 with no access for others.
        execute(() -> {
            List<XsPermission> perms = List.of(XsPermission.none(0));
            store.put("/", new NodeRecord(new byte[0], perms, List.of("tool"), store.nextGeneration()));
            store.put("/tool", new NodeRecord(new byte[0], perms, List.of("xenstored"), store.nextGeneration()));
            store.put("/tool/xenstored", new NodeRecord(new byte[0], perms, List.of(), store.nextGeneration()));
            domainTable.introduce(0);
        });
    }

    // =====================================================================================================
    // Public API
    // =====================================================================================================

    /**
     * Attaches a client. The returned connection accepts requests at once; they are processed on the executor in
     * order, and replies and watch events go to {@code sink}.
     */
    public XsConnection connect(ConnectionInfo info, XsSink sink) {
        var conn = new XsConnection(this, info, sink);
        execute(() -> register(conn));
        return conn;
    }

    /**
     * The executor all store work runs on, as given to the constructor. A transport whose own thread is this
     * executor (a Netty channel on the event loop xenstored runs on) may keep its hand-off state thread-confined.
     */
    public Executor executor() {
        return executor;
    }

    /** Sets (or clears, with null) the hook that attaches guests' rings on {@code XS_INTRODUCE}. */
    public void setDomainIntroducer(DomainIntroducer introducer) {
        this.introducer = introducer;
    }

    /**
     * Sets (or clears, with null) the hypervisor's answer to "does domain {@code domid} exist" (C
     * {@code get_domain_info()}, {@code xc_domain_getinfo()}), which decides whether {@code XS_SET_PERMS} may make
     * a domain that is not introduced and has no connection the owner of a node. Without it, only dom0, introduced
     * domains and domains with a connection exist, as for C xenstored on a host without Xen. Called on
     * xenstored's executor; must not block.
     */
    public void setDomainInfo(IntPredicate domainExists) {
        domainTable.setHypervisor(domainExists);
    }

    /** The quotas in force (CONTROL {@code quota set} changes them). */
    public XenstoredConfig config() {
        return quotas.config();
    }

    /**
     * The toolstack created {@code domid} and set up its store: marks it introduced and fires
     * {@code @introduceDomain}, as {@code XS_INTRODUCE} does, without attaching a ring.
     */
    public CompletableFuture<Void> introduceDomain(int domid) {
        checkDomid(domid);
        return call(() -> {
            domains.introduce(domid);
            return null;
        });
    }

    /**
     * {@code domid} is gone: as C xenstored does when a domain dies or is released, its connections are dropped,
     * the nodes it owns are deleted (or given to dom0 with {@link XenstoredConfig#keepOrphans()}), its ring is
     * released through the {@link DomainIntroducer}, and, if it had been introduced, {@code @releaseDomain} fires.
     */
    public CompletableFuture<Void> releaseDomain(int domid) {
        checkDomid(domid);
        if (domid == 0) {
            throw new IllegalArgumentException("domid: 0 (expected: not the control domain)");
        }
        return call(() -> {
            domains.release(domid);
            return null;
        });
    }

    /**
     * {@code domid} shut down or crashed but still exists: fires {@code @releaseDomain} once, until an
     * {@code XS_RESUME} re-arms it (C {@code check_domains()}).
     */
    public CompletableFuture<Void> shutdownDomain(int domid) {
        checkDomid(domid);
        return call(() -> {
            domains.shutdown(domid);
            return null;
        });
    }

    public CompletableFuture<Boolean> isDomainIntroduced(int domid) {
        return call(() -> domainTable.isIntroduced(domid));
    }

    /** Counts of live connections, watches, transactions and nodes. */
    public CompletableFuture<XenstoredStats> stats() {
        return call(() -> {
            int watches = 0;
            int txs = 0;
            for (XsConnection c : connections.all()) {
                watches += c.watches().size();
                txs += c.transactionCount();
            }
            return new XenstoredStats(connections.size(), watches, txs, store.size());
        });
    }

    /** How many times xenstored caught its own bug (a request answered EIO, a task that threw); should be 0. */
    public int internalErrors() {
        return internalErrors.get();
    }

    private static void checkDomid(int domid) {
        if (domid < 0 || domid >= DomainTable.DOMID_FIRST_RESERVED) {
            throw new IllegalArgumentException("domid: " + domid + " (expected: 0.."
                    + (DomainTable.DOMID_FIRST_RESERVED - 1) + ")");
        }
    }

    // =====================================================================================================
    // Connection plumbing (called by XsConnection)
    // =====================================================================================================

    void execute(Runnable task) {
        executor.execute(() -> {
            try {
                task.run();
            } catch (RuntimeException | AssertionError e) {
                internalErrors.incrementAndGet();
                LOG.error("xenstored task failed", e);
            }
        });
    }

    /** Runs {@code body} on the executor as one round of work (watch events of one round are not repeated). */
    private <T> CompletableFuture<T> call(Supplier<T> body) {
        var result = new CompletableFuture<T>();
        executor.execute(() -> {
            try {
                dispatcher.newRound();
                result.complete(body.get());
            } catch (RuntimeException | AssertionError e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    int maxQueuedRequests() {
        return quotas.config().maxQueuedRequests();
    }

    int outstandingQuota() {
        return quotas.config().outstandingRequests();
    }

    void register(XsConnection c) {
        connections.register(c);
    }

    /** May be called from any thread. */
    void closeFromServer(XsConnection c, String reason) {
        c.markClosed();
        execute(() -> connections.disconnect(c, reason));
    }

    /** Drops a connection's watches and transactions; tells the sink if xenstored is the one closing. */
    void disconnect(XsConnection c, String reason) {
        connections.disconnect(c, reason);
    }

    void process(XsConnection conn, XsMessage req) {
        dispatcher.process(conn, req);
    }
}
