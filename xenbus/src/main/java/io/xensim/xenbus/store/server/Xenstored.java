package io.xensim.xenbus.store.server;

import static io.xensim.xenbus.store.wire.XsError.E2BIG;
import static io.xensim.xenbus.store.wire.XsError.EACCES;
import static io.xensim.xenbus.store.wire.XsError.EAGAIN;
import static io.xensim.xenbus.store.wire.XsError.EBUSY;
import static io.xensim.xenbus.store.wire.XsError.EEXIST;
import static io.xensim.xenbus.store.wire.XsError.EINVAL;
import static io.xensim.xenbus.store.wire.XsError.EIO;
import static io.xensim.xenbus.store.wire.XsError.ENOENT;
import static io.xensim.xenbus.store.wire.XsError.ENOMEM;
import static io.xensim.xenbus.store.wire.XsError.ENOSPC;
import static io.xensim.xenbus.store.wire.XsError.ENOSYS;
import static io.xensim.xenbus.store.wire.XsError.EPERM;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.store.wire.CNumbers;
import io.xensim.xenbus.store.wire.XsError;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsPayloads;
import io.xensim.xenbus.store.wire.XsPermission;
import io.xensim.xenbus.store.wire.XsType;
import io.xensim.xenbus.store.wire.XsdSockmsg;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
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
 * <p><b>Threading:</b> all store state is confined to the one {@link Executor} given to the constructor, which must
 * run tasks one at a time in submission order (a single thread, a Netty event loop, or a hand-driven executor in
 * tests), like C xenstored's single thread. Every public method may be called from any thread: it hands its work to
 * that executor and never touches state on the caller's stack. Sinks are called on the executor only.
 *
 * <p><b>Reference:</b> Xen 4.17 {@code tools/xenstore}: request dispatch and error choice follow
 * {@code process_message()} and the {@code do_*} functions of xenstored_core.c (an unknown type is ENOSYS, a
 * dom0-only type from an unprivileged connection EACCES, an unknown {@code tx_id} ENOENT; a missing node is ENOENT
 * only if its nearest existing ancestor grants the access asked for, else EACCES — {@code errno_from_parents()});
 * permission inheritance follows {@code construct_node()}; transactions and EAGAIN follow xenstored_transaction.c;
 * watch matching and permission filtering follow xenstored_watch.c; domains and special watches follow
 * xenstored_domain.c; quotas and their errors follow the {@code quota_*} checks of all three.
 * Not modelled: the write rate limiter, the watch event timeout, duplicate-event suppression in the output queue
 * (all timing dependent), transaction memory accounting, and permission entries for domains that do not exist
 * ({@code XS_PERM_IGNORE}): every domid counts as existing.
 */
public final class Xenstored {
    private static final Logger LOG = LoggerFactory.getLogger(Xenstored.class);

    /** {@code DOMID_SELF} (xen.h): IS_DOMAIN_INTRODUCED answers T for it. */
    static final int DOMID_SELF = 0x7FF0;
    /** {@code DOMID_FIRST_RESERVED}: domids from here on are not real domains. */
    static final int DOMID_FIRST_RESERVED = 0x7FF0;

    static final int PERM_READ = 1;
    static final int PERM_WRITE = 2;
    static final int PERM_OWNER = 8;
    private static final int PERM_ALL = PERM_READ | PERM_WRITE | PERM_OWNER;

    static final String INTRODUCE_DOMAIN = "@introduceDomain";
    static final String RELEASE_DOMAIN = "@releaseDomain";

    /** C's {@code XS_FLAG_PRIV} types. */
    private static final Set<XsType> PRIVILEGED_ONLY = EnumSet.of(XsType.XS_CONTROL, XsType.XS_INTRODUCE,
            XsType.XS_RELEASE, XsType.XS_IS_DOMAIN_INTRODUCED, XsType.XS_RESUME, XsType.XS_SET_TARGET);

    /**
     * The types a client may send, by wire number; null for the rest (unnamed numbers, {@code XS_WATCH_EVENT},
     * {@code XS_ERROR}, {@code XS_TYPE_COUNT}, {@code XS_INVALID}), which are ENOSYS. An array rather than
     * {@link XsType#fromCode}, whose {@code Optional} would be allocated per request.
     */
    private static final XsType[] REQUEST_TYPES = new XsType[XsType.XS_TYPE_COUNT.code()];

    static {
        for (XsType t : XsType.values()) {
            if (t.isMessageType() && t != XsType.XS_WATCH_EVENT && t != XsType.XS_ERROR) {
                REQUEST_TYPES[t.code()] = t;
            }
        }
    }

    private final Executor executor;
    private volatile XenstoredConfig config;
    private volatile DomainIntroducer introducer;
    private volatile java.util.function.IntPredicate domainInfo;

    // ---- Confined to the executor. ----
    private final Map<String, NodeRecord> db = new HashMap<>();
    /** C's global {@code generation}: the next generation count to hand out. */
    private long generation;
    private final Set<XsConnection> connections = new LinkedHashSet<>();
    private final Map<Integer, DomainState> domains = new HashMap<>();
    private List<XsPermission> introducePerms = List.of(XsPermission.none(0));
    private List<XsPermission> releasePerms = List.of(XsPermission.none(0));
    /** Our own bugs caught at the boundary (a request answered EIO, a task that threw); tests expect zero. */
    private final java.util.concurrent.atomic.AtomicInteger internalErrors =
            new java.util.concurrent.atomic.AtomicInteger();

    /** Per-domain accounting and state (C {@code struct domain}). */
    private static final class DomainState {
        int nodes;
        long memory;
        int watches;
        boolean introduced;
        boolean shutdown;
        int target = -1;
    }

    /** A request being processed: the connection, its transaction if {@code tx_id} named one, and the message. */
    private record Ctx(XsConnection conn, Transaction tx, XsMessage req) {
        int domid() {
            return conn == null ? 0 : conn.info().domid();
        }

        boolean unprivileged() {
            return conn != null && !conn.info().privileged();
        }
    }

    /** Internal-only node operations (domain release) run with no connection, like C's {@code conn == NULL}. */
    private static final Ctx INTERNAL = new Ctx(null, null, null);

    /** An errno for the current request; C's {@code return errno}. Stackless: it is control flow. */
    private static final class Failure extends RuntimeException {
        final XsError error;

        Failure(XsError error) {
            super(error.name(), null, false, false);
            this.error = error;
        }
    }

    private static Failure fail(XsError error) {
        return new Failure(error);
    }

    public Xenstored(Executor executor) {
        this(executor, XenstoredConfig.defaults());
    }

    public Xenstored(Executor executor, XenstoredConfig config) {
        this.executor = Objects.requireNonNull(executor, "executor");
        this.config = Objects.requireNonNull(config, "config");
        // C setup_structure(): "/", "/tool" and "/tool/xenstored", owned by dom0 with no access for others.
        execute(() -> {
            List<XsPermission> perms = List.of(XsPermission.none(0));
            putGlobal("/", new NodeRecord(new byte[0], perms, List.of("tool"), nextGeneration()));
            putGlobal("/tool", new NodeRecord(new byte[0], perms, List.of("xenstored"), nextGeneration()));
            putGlobal("/tool/xenstored", new NodeRecord(new byte[0], perms, List.of(), nextGeneration()));
            domain(0).introduced = true;
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
     * {@code get_domain_info()}, {@code xc_domain_getinfo()}). Called on xenstored's executor; must not block.
     */
    public void setDomainInfo(java.util.function.IntPredicate domainExists) {
        this.domainInfo = domainExists;
    }

    /** The quotas in force (CONTROL {@code quota set} changes them). */
    public XenstoredConfig config() {
        return config;
    }

    /**
     * The toolstack created {@code domid} and set up its store: marks it introduced and fires
     * {@code @introduceDomain}, as {@code XS_INTRODUCE} does, without attaching a ring.
     */
    public CompletableFuture<Void> introduceDomain(int domid) {
        checkDomid(domid);
        return call(() -> {
            introduce(domid);
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
            release(domid);
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
            DomainState d = domains.get(domid);
            if (d != null && d.introduced && !d.shutdown) {
                d.shutdown = true;
                fireSpecial(RELEASE_DOMAIN, false);
                fireSpecial(RELEASE_DOMAIN + "/" + domid, true);
            }
            return null;
        });
    }

    public CompletableFuture<Boolean> isDomainIntroduced(int domid) {
        return call(() -> {
            DomainState d = domains.get(domid);
            return d != null && d.introduced;
        });
    }

    /** Counts of live connections, watches, transactions and nodes. */
    public CompletableFuture<XenstoredStats> stats() {
        return call(() -> {
            int watches = 0;
            int txs = 0;
            for (XsConnection c : connections) {
                watches += c.watches.size();
                txs += c.transactions.size();
            }
            return new XenstoredStats(connections.size(), watches, txs, db.size());
        });
    }

    /** How many times xenstored caught its own bug (a request answered EIO, a task that threw); should be 0. */
    public int internalErrors() {
        return internalErrors.get();
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

    private <T> CompletableFuture<T> call(Supplier<T> body) {
        var result = new CompletableFuture<T>();
        executor.execute(() -> {
            try {
                result.complete(body.get());
            } catch (RuntimeException | AssertionError e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    int maxQueuedRequests() {
        return config.maxQueuedRequests();
    }

    int outstandingQuota() {
        return config.outstandingRequests();
    }

    void register(XsConnection c) {
        if (!c.registered && !c.cleanedUp) {
            c.registered = true;
            connections.add(c);
        }
    }

    /** May be called from any thread. */
    void closeFromServer(XsConnection c, String reason) {
        c.markClosed();
        execute(() -> disconnect(c, reason));
    }

    /** Drops a connection's watches and transactions; tells the sink if xenstored is the one closing. */
    void disconnect(XsConnection c, String reason) {
        if (c.cleanedUp) {
            return;
        }
        c.cleanedUp = true;
        c.markClosed();
        connections.remove(c);
        deleteAllWatches(c);
        c.transactions.clear();
        if (reason != null) {
            LOG.info("{}: closed by xenstored: {}", c, reason);
            try {
                c.sink.close(reason);
            } catch (RuntimeException e) {
                LOG.warn("{}: sink close failed", c, e);
            }
        }
    }

    private void send(XsConnection c, XsMessage m) {
        if (c.cleanedUp) {
            return;
        }
        try {
            c.sink.send(m);
        } catch (RuntimeException e) {
            LOG.warn("{}: sink failed, dropping the connection", c, e);
            disconnect(c, "sink failed: " + e);
        }
    }

    // =====================================================================================================
    // Request dispatch (C process_message())
    // =====================================================================================================

    void process(XsConnection conn, XsMessage req) {
        register(conn);
        int code = req.type();
        XsType type = code >= 0 && code < REQUEST_TYPES.length ? REQUEST_TYPES[code] : null;
        if (type == null) {
            sendError(conn, req, ENOSYS);
            return;
        }
        if (!conn.info().privileged() && PRIVILEGED_ONLY.contains(type)) {
            sendError(conn, req, EACCES);
            return;
        }
        Transaction tx = null;
        // XS_FLAG_NOTID: WATCH and UNWATCH ignore tx_id.
        if (type != XsType.XS_WATCH && type != XsType.XS_UNWATCH && req.txId() != 0) {
            tx = conn.transactions.get(req.txId());
            if (tx == null) {
                sendError(conn, req, ENOENT);
                return;
            }
        }
        var ctx = new Ctx(conn, tx, req);
        try {
            dispatch(type, ctx);
        } catch (Failure f) {
            sendError(conn, req, f.error);
        } catch (RuntimeException | AssertionError e) {
            // Our bug, not the client's: answer, keep serving, and say so loudly.
            internalErrors.incrementAndGet();
            LOG.error("{}: internal error on {}", conn, req, e);
            sendError(conn, req, EIO);
        }
    }

    private void dispatch(XsType type, Ctx ctx) {
        switch (type) {
            case XS_CONTROL -> doControl(ctx);
            case XS_DIRECTORY -> doDirectory(ctx);
            case XS_READ -> doRead(ctx);
            case XS_GET_PERMS -> doGetPerms(ctx);
            case XS_WATCH -> doWatch(ctx);
            case XS_UNWATCH -> doUnwatch(ctx);
            case XS_TRANSACTION_START -> doTransactionStart(ctx);
            case XS_TRANSACTION_END -> doTransactionEnd(ctx);
            case XS_INTRODUCE -> doIntroduce(ctx);
            case XS_RELEASE -> doRelease(ctx);
            case XS_GET_DOMAIN_PATH -> doGetDomainPath(ctx);
            case XS_WRITE -> doWrite(ctx);
            case XS_MKDIR -> doMkdir(ctx);
            case XS_RM -> doRm(ctx);
            case XS_SET_PERMS -> doSetPerms(ctx);
            case XS_IS_DOMAIN_INTRODUCED -> doIsDomainIntroduced(ctx);
            case XS_RESUME -> doResume(ctx);
            case XS_SET_TARGET -> doSetTarget(ctx);
            case XS_RESET_WATCHES -> doResetWatches(ctx);
            case XS_DIRECTORY_PART -> doDirectoryPart(ctx);
            default -> throw fail(ENOSYS);
        }
    }

    private void sendError(XsConnection conn, XsMessage req, XsError error) {
        send(conn, XsMessage.error(req.reqId(), req.txId(), error));
    }

    /** C {@code send_reply()}: a reply that would exceed XENSTORE_PAYLOAD_MAX becomes E2BIG. */
    private void reply(Ctx ctx, XsType type, byte[] payload) {
        if (payload.length > XsdSockmsg.XENSTORE_PAYLOAD_MAX) {
            sendError(ctx.conn, ctx.req, E2BIG);
            return;
        }
        send(ctx.conn, new XsMessage(type.code(), ctx.req.reqId(), ctx.req.txId(), payload));
    }

    private void ack(Ctx ctx, XsType type) {
        reply(ctx, type, XsPayloads.ok());
    }

    // =====================================================================================================
    // Node access (C read_node()/write_node()/access_node() with transactions)
    // =====================================================================================================

    private long nextGeneration() {
        return generation++;
    }

    /** The node as this request sees it; inside a transaction, the transaction's copy (C {@code read_node()}). */
    private NodeRecord readNode(Ctx ctx, String name) {
        Transaction tx = ctx.tx;
        if (tx == null) {
            return db.get(name);
        }
        Transaction.Accessed a = tx.accessed.get(name);
        if (a != null) {
            return a.node;
        }
        touchCheck(ctx);
        NodeRecord global = db.get(name);
        tx.accessed.put(name, new Transaction.Accessed(global,
                global == null ? NodeRecord.NO_GENERATION : global.generation(), true,
                global == null ? null : global.perms()));
        return global;
    }

    /** C {@code access_node()}: a transaction may touch at most {@code quota_trans_nodes} nodes (unprivileged). */
    private void touchCheck(Ctx ctx) {
        if (ctx.unprivileged() && ctx.tx.accessed.size() >= config.transactionNodes()) {
            ctx.tx.fail = true;
            throw fail(ENOSPC);
        }
    }

    private void writeNode(Ctx ctx, String name, NodeRecord rec) {
        if (ctx.tx == null) {
            putGlobal(name, rec);
            return;
        }
        modifiedInTransaction(ctx, name).node = rec;
    }

    private void deleteNode(Ctx ctx, String name) {
        nextGeneration();
        if (ctx.tx == null) {
            removeGlobal(name);
            return;
        }
        modifiedInTransaction(ctx, name).node = null;
    }

    /** The transaction's record of {@code name}, created on first touch (within the quota), marked modified. */
    private Transaction.Accessed modifiedInTransaction(Ctx ctx, String name) {
        Transaction.Accessed a = ctx.tx.accessed.get(name);
        if (a == null) {
            touchCheck(ctx);
            a = new Transaction.Accessed(null, NodeRecord.NO_GENERATION, false, null);
            ctx.tx.accessed.put(name, a);
        }
        a.modified = true;
        return a;
    }

    /** Committed write, with the owner's node count and memory kept in step (C {@code do_tdb_write()}). */
    private void putGlobal(String name, NodeRecord rec) {
        NodeRecord old = db.put(name, rec);
        if (old != null) {
            account(old.owner(), -1, -(long) (name.length() + old.recordSize()));
        }
        account(rec.owner(), 1, name.length() + rec.recordSize());
    }

    private void removeGlobal(String name) {
        NodeRecord old = db.remove(name);
        if (old != null) {
            account(old.owner(), -1, -(long) (name.length() + old.recordSize()));
        }
    }

    private void account(int domid, int nodes, long memory) {
        DomainState d = domain(domid);
        d.nodes += nodes;
        d.memory += memory;
    }

    private DomainState domain(int domid) {
        return domains.computeIfAbsent(domid, k -> new DomainState());
    }

    private int nodesOwned(int domid) {
        DomainState d = domains.get(domid);
        return d == null ? 0 : d.nodes;
    }

    /** C {@code domid_is_unprivileged()}: quotas of node owners apply to every domain but the control domain. */
    private static boolean domidUnprivileged(int domid) {
        return domid != 0;
    }

    /**
     * C {@code domain_memory_add()}/{@code domain_chk_quota()}: reaching the hard memory quota of an unprivileged
     * owner fails the write with ENOMEM. Checked for committed writes (transaction copies are not charged here).
     */
    private void checkMemory(Ctx ctx, Map<Integer, Long> deltaByOwner) {
        if (ctx.tx != null || config.memoryPerDomain() == 0) {
            return;
        }
        for (var e : deltaByOwner.entrySet()) {
            checkOwnerMemory(e.getKey(), e.getValue());
        }
    }

    /** {@link #checkMemory(Ctx, Map)} for a change charged to one owner (no map to build per request). */
    private void checkMemory(Ctx ctx, int owner, long delta) {
        if (ctx.tx != null || config.memoryPerDomain() == 0) {
            return;
        }
        checkOwnerMemory(owner, delta);
    }

    private void checkOwnerMemory(int owner, long delta) {
        if (domidUnprivileged(owner)) {
            DomainState d = domains.get(owner);
            long current = d == null ? 0 : d.memory;
            if (current + delta >= config.memoryPerDomain()) {
                throw fail(ENOMEM);
            }
        }
    }

    /** C {@code write_node_raw()}: an unprivileged connection may not write a record of quota size or more. */
    private void checkNodeSize(Ctx ctx, NodeRecord rec) {
        if (ctx.unprivileged() && rec.recordSize() >= config.nodeSize()) {
            throw fail(ENOSPC);
        }
    }

    // =====================================================================================================
    // Permissions (C perm_for_conn(), get_node(), errno_from_parents())
    // =====================================================================================================

    private int permFor(XsConnection c, List<XsPermission> perms) {
        if (c == null || c.info().privileged()) {
            return PERM_ALL;
        }
        int id = c.info().domid();
        DomainState ds = domains.get(id);
        int target = ds == null ? -1 : ds.target;
        int owner = perms.getFirst().domid();
        if (owner == id || (target >= 0 && owner == target)) {
            return PERM_ALL;
        }
        for (int i = 1; i < perms.size(); i++) {
            int d = perms.get(i).domid();
            if (d == id || (target >= 0 && d == target)) {
                return perms.get(i).access().bits();
            }
        }
        return perms.getFirst().access().bits();
    }

    /**
     * The node for an access needing {@code perm}. A missing or inaccessible node is ENOENT or EACCES; "if we don't
     * have permission, we don't have node", and ENOENT is only told to those the nearest existing ancestor grants
     * the access.
     */
    private NodeRecord getNode(Ctx ctx, String name, int perm) {
        if (name == null || !Paths.isValidNodename(name)) {
            throw fail(EINVAL);
        }
        NodeRecord node = readNode(ctx, name);
        XsError error;
        if (node != null) {
            if ((permFor(ctx.conn, node.perms()) & perm) == perm) {
                return node;
            }
            error = EACCES;
        } else {
            error = ENOENT;
        }
        throw fail(errnoFromParents(ctx, name, error, perm));
    }

    private XsError errnoFromParents(Ctx ctx, String name, XsError error, int perm) {
        String p = name;
        NodeRecord node;
        do {
            p = Paths.parent(p);
            node = readNode(ctx, p);
        } while (node == null && !p.equals("/"));
        int parentPerm = node == null ? 0 : permFor(ctx.conn, node.perms());
        return (parentPerm & perm) != 0 ? error : EACCES;
    }

    private String canonical(Ctx ctx, String path) {
        return path == null ? null : Paths.canonicalize(path, ctx.domid());
    }

    // =====================================================================================================
    // Node creation and removal (C construct_node(), create_node(), rm_node())
    // =====================================================================================================

    /**
     * Creates {@code name} and any missing ancestors. New nodes copy their parent's permissions; an unprivileged
     * creator becomes their owner (C {@code construct_node()}: "unpriv domains own what they create").
     */
    private NodeRecord createNode(Ctx ctx, String name, byte[] data) {
        List<String> missing = new ArrayList<>();   // missing.get(0) is the node itself, then its parents
        String parentName = name;
        NodeRecord parent;
        do {
            missing.add(parentName);
            if (parentName.equals("/")) {
                throw fail(ENOENT);
            }
            parentName = Paths.parent(parentName);
            parent = readNode(ctx, parentName);
        } while (parent == null);

        // Build top-down: each new node inherits from the one above it.
        List<XsPermission> perms = new ArrayList<>(parent.perms());
        if (ctx.unprivileged()) {
            XsPermission owner = perms.getFirst();
            perms.set(0, new XsPermission(owner.access(), ctx.domid()));
        }
        int levels = missing.size();
        String[] names = new String[levels + 1];   // names[0] the node ... names[levels] the existing parent
        NodeRecord[] recs = new NodeRecord[levels + 1];
        names[levels] = parentName;
        recs[levels] = parent.withChildren(append(parent.children(), Paths.basename(missing.get(levels - 1))), 0);
        for (int i = levels - 1; i >= 0; i--) {
            names[i] = missing.get(i);
            List<String> children = i == 0 ? List.of() : List.of(Paths.basename(missing.get(i - 1)));
            recs[i] = new NodeRecord(i == 0 ? data : new byte[0], perms, children, 0);
        }

        // Check bottom-up as C writes bottom-up: nodes quota for new nodes, then node size, then memory.
        int owner = perms.getFirst().domid();
        int ownedBefore = ctx.unprivileged() ? nodesOwned(ctx.domid()) : 0;
        Map<Integer, Long> memDelta = new HashMap<>();
        for (int i = 0; i <= levels; i++) {
            boolean isNew = i < levels;
            if (isNew && ctx.unprivileged()
                    && ownedBefore + (ctx.tx == null ? i : 0) >= config.nodesPerDomain()) {
                throw fail(ENOSPC);
            }
            checkNodeSize(ctx, recs[i]);
            long size = names[i].length() + recs[i].recordSize();
            if (isNew) {
                memDelta.merge(owner, size, Long::sum);
            } else {
                memDelta.merge(recs[i].owner(), size - (names[i].length() + parent.recordSize()), Long::sum);
            }
        }
        checkMemory(ctx, memDelta);

        for (int i = 0; i <= levels; i++) {
            NodeRecord rec = new NodeRecord(recs[i].data(), recs[i].perms(), recs[i].children(), nextGeneration());
            writeNode(ctx, names[i], rec);
            if (i < levels && ctx.tx != null) {
                ctx.tx.entryDelta(owner, 1);
            }
            recs[i] = rec;
        }
        return recs[0];
    }

    private static List<String> append(List<String> list, String item) {
        List<String> out = new ArrayList<>(list.size() + 1);
        out.addAll(list);
        out.add(item);
        return out;
    }

    /**
     * Removes {@code name} and its subtree, children before parents, firing each removed node's watches (exact
     * matches only for the nodes below {@code name}, C {@code delnode_sub()}), then unlinks it from its parent.
     */
    private void rmNode(Ctx ctx, String name) {
        String parentName = Paths.parent(name);
        NodeRecord parent = readNode(ctx, parentName);
        if (parent == null) {
            throw fail(EINVAL);
        }
        deleteSubtree(ctx, name, name);
        parent = readNode(ctx, parentName);
        if (parent == null) {
            throw new AssertionError("parent vanished during rm: " + parentName);
        }
        List<String> children = new ArrayList<>(parent.children());
        if (!children.remove(Paths.basename(name))) {
            LOG.error("corrupt store: {} not listed in {}", name, parentName);
            return;
        }
        writeNode(ctx, parentName, parent.withChildren(children, nextGeneration()));
    }

    private void deleteSubtree(Ctx ctx, String node, String root) {
        NodeRecord rec = readNode(ctx, node);
        if (rec == null) {
            LOG.error("corrupt store: child {} missing", node);
            return;
        }
        for (String child : rec.children()) {
            deleteSubtree(ctx, Paths.child(node, child), root);
        }
        deleteNode(ctx, node);
        fireWatches(ctx, node, rec, !node.equals(root), null);
        if (ctx.tx != null) {
            ctx.tx.entryDelta(rec.owner(), -1);
        }
    }

    // =====================================================================================================
    // Watches (C xenstored_watch.c)
    // =====================================================================================================

    /**
     * A change to {@code name}: inside a transaction the event is queued until commit (a non-exact event replaces
     * an exact one); otherwise every connection allowed to see it gets one event per matching watch.
     */
    private void fireWatches(Ctx ctx, String name, NodeRecord node, boolean exact, List<XsPermission> oldPerms) {
        if (ctx.tx != null) {
            Transaction.Accessed a = ctx.tx.accessed.get(name);
            if (a == null) {
                ctx.tx.fail = true;
                return;
            }
            if (!a.fireWatch) {
                a.fireWatch = true;
                a.watchExact = exact;
            } else if (!exact) {
                a.watchExact = false;
            }
            return;
        }
        fireGlobal(name, node, exact, oldPerms);
    }

    private void fireGlobal(String name, NodeRecord node, boolean exact, List<XsPermission> oldPerms) {
        XsConnection[] watchers = watchers();
        if (watchers == null) {
            return;   // no watch anywhere: nothing to match (most writes of a benchmark or a boot)
        }
        for (XsConnection c : watchers) {
            if (!watchPermitted(c, name, node, oldPerms)) {
                continue;
            }
            sendMatching(c, name, exact);
        }
    }

    /**
     * The connections with at least one watch, in connection order, or null if there are none. A snapshot, because
     * sending an event may disconnect a connection whose sink fails; a connection without watches gets no event, so
     * leaving it out changes nothing.
     */
    private XsConnection[] watchers() {
        int n = 0;
        for (XsConnection c : connections) {
            if (!c.watches.isEmpty()) {
                n++;
            }
        }
        if (n == 0) {
            return null;
        }
        XsConnection[] out = new XsConnection[n];
        int i = 0;
        for (XsConnection c : connections) {
            if (!c.watches.isEmpty()) {
                out[i++] = c;
            }
        }
        return out;
    }

    /** {@code @introduceDomain} and {@code @releaseDomain} events go only to connections the special node admits. */
    private void fireSpecial(String name, boolean exact) {
        XsConnection[] watchers = watchers();
        if (watchers == null) {
            return;
        }
        for (XsConnection c : watchers) {
            if ((permFor(c, specialPerms(name)) & PERM_READ) != 0) {
                sendMatching(c, name, exact);
            }
        }
    }

    private void sendMatching(XsConnection c, String name, boolean exact) {
        // By index, not by iterator: a sink failing inside sendEvent disconnects c and clears its watches, which
        // ends the loop (the events it would have sent after that go nowhere anyway).
        List<Watch> watches = c.watches;
        for (int i = 0; i < watches.size(); i++) {
            Watch w = watches.get(i);
            boolean match = exact ? name.equals(w.path()) : Paths.isChild(name, w.path());
            if (match) {
                sendEvent(c, w.eventPath(name), w.token());
            }
        }
    }

    /** C {@code send_event()}: an event that would not fit in a message is not sent. */
    private void sendEvent(XsConnection c, String path, String token) {
        var event = XsMessage.watchEvent(path, token);
        if (event.len() <= XsdSockmsg.XENSTORE_PAYLOAD_MAX) {
            send(c, event);
        }
    }

    /**
     * C {@code watch_permitted()}: the watcher may read the node (or could before a permission change), or may read
     * its parent (so the removal of a readable node is reported).
     */
    private boolean watchPermitted(XsConnection c, String name, NodeRecord node, List<XsPermission> oldPerms) {
        if (oldPerms != null && (permFor(c, oldPerms) & PERM_READ) != 0) {
            return true;
        }
        if (node == null) {
            node = db.get(name);
            if (node == null) {
                return false;
            }
        }
        if ((permFor(c, node.perms()) & PERM_READ) != 0) {
            return true;
        }
        NodeRecord parent = db.get(Paths.parent(name));
        return parent != null && (permFor(c, parent.perms()) & PERM_READ) != 0;
    }

    private List<XsPermission> specialPerms(String name) {
        return name.equals(INTRODUCE_DOMAIN) || name.startsWith(INTRODUCE_DOMAIN + "/")
                ? introducePerms : releasePerms;
    }

    private void deleteAllWatches(XsConnection c) {
        for (Watch w : c.watches) {
            DomainState d = domain(c.info().domid());
            d.watches--;
            d.memory -= w.memory();
        }
        c.watches.clear();
    }

    // =====================================================================================================
    // Domains (C xenstored_domain.c)
    // =====================================================================================================

    private void introduce(int domid) {
        DomainState d = domain(domid);
        if (!d.introduced) {
            d.introduced = true;
            d.shutdown = false;
            if (domid != 0) {
                fireSpecial(INTRODUCE_DOMAIN, false);
            }
        }
    }

    private void release(int domid) {
        DomainState d = domains.get(domid);
        boolean wasIntroduced = d != null && d.introduced;
        // The domain's own connections go first, so they get no events about their own end.
        for (XsConnection c : List.copyOf(connections)) {
            if (c.info().domid() == domid && !c.info().privileged()) {
                disconnect(c, "domain " + domid + " released");
            }
        }
        removeOrphans(domid);
        for (DomainState other : domains.values()) {
            if (other.target == domid) {
                other.target = -1;
            }
        }
        if (d != null) {
            d.target = -1;
            d.introduced = false;
            d.shutdown = false;
        }
        if (wasIntroduced) {
            DomainIntroducer hook = introducer;
            if (hook != null) {
                try {
                    hook.release(domid);
                } catch (RuntimeException e) {
                    LOG.warn("release hook failed for dom{}", domid, e);
                }
            }
            fireSpecial(RELEASE_DOMAIN, false);
            fireSpecial(RELEASE_DOMAIN + "/" + domid, true);
        }
    }

    /** C {@code domain_tree_remove()}: delete (or hand to dom0) every subtree whose root the domain owns. */
    private void removeOrphans(int domid) {
        if (nodesOwned(domid) == 0) {
            return;
        }
        List<String> roots = new ArrayList<>();
        collectOwnedRoots("/", domid, roots);
        for (String root : roots) {
            if (config.keepOrphans()) {
                NodeRecord rec = db.get(root);
                List<XsPermission> perms = new ArrayList<>(rec.perms());
                perms.set(0, new XsPermission(perms.getFirst().access(), 0));
                putGlobal(root, rec.withPerms(perms, rec.generation()));
            } else if (db.containsKey(root) && !root.equals("/")) {
                rmNode(INTERNAL, root);
            }
        }
    }

    private void collectOwnedRoots(String node, int domid, List<String> out) {
        NodeRecord rec = db.get(node);
        if (rec == null) {
            return;
        }
        if (rec.owner() == domid) {
            out.add(node);
            if (!config.keepOrphans()) {
                return;   // the whole subtree goes
            }
        }
        for (String child : rec.children()) {
            collectOwnedRoots(Paths.child(node, child), domid, out);
        }
    }

    private static void checkDomid(int domid) {
        if (domid < 0 || domid >= DOMID_FIRST_RESERVED) {
            throw new IllegalArgumentException("domid: " + domid + " (expected: 0.." + (DOMID_FIRST_RESERVED - 1)
                    + ")");
        }
    }

    // =====================================================================================================
    // Request handlers
    // =====================================================================================================

    private void doRead(Ctx ctx) {
        NodeRecord node = getNode(ctx, canonical(ctx, XsPayloads.oneArg(ctx.req.payload())), PERM_READ);
        reply(ctx, XsType.XS_READ, node.data());
    }

    private void doDirectory(Ctx ctx) {
        NodeRecord node = getNode(ctx, canonical(ctx, XsPayloads.oneArg(ctx.req.payload())), PERM_READ);
        reply(ctx, XsType.XS_DIRECTORY, childBytes(node));
    }

    private static byte[] childBytes(NodeRecord node) {
        return XsPayloads.strings(node.children().toArray(String[]::new));
    }

    /**
     * C {@code send_directory_part()}: {@code <gencnt>\0} then as many whole child names from byte {@code offset}
     * of the child list as fit in one message; the chunk that reaches the end of the list carries an extra
     * {@code \0}, and an offset at or past the end yields {@code <gencnt>\0\0}.
     */
    private void doDirectoryPart(Ctx ctx) {
        byte[] payload = ctx.req.payload();
        if (XsPayloads.countStrings(payload) != 2) {
            throw fail(EINVAL);
        }
        List<String> args = XsPayloads.split(payload);
        NodeRecord node = getNode(ctx, canonical(ctx, args.get(0)), PERM_READ);
        int off = CNumbers.atoi(args.get(1));
        byte[] children = childBytes(node);
        byte[] gen = XsPayloads.strings(Long.toUnsignedString(node.generation()));
        var out = new ByteArrayOutputStream();
        out.writeBytes(gen);
        if (Integer.compareUnsigned(off, children.length) >= 0) {
            out.write(0);
            reply(ctx, XsType.XS_DIRECTORY_PART, out.toByteArray());
            return;
        }
        int maxLen = XsdSockmsg.XENSTORE_PAYLOAD_MAX - gen.length - 1;
        int len = 0;
        int child = off;
        while (len + strlen(children, child) < maxLen) {
            int step = strlen(children, child) + 1;
            len += step;
            child += step;
            if (off + len == children.length) {
                break;
            }
        }
        out.write(children, off, len);
        if (off + len == children.length) {
            out.write(0);
        }
        reply(ctx, XsType.XS_DIRECTORY_PART, out.toByteArray());
    }

    private static int strlen(byte[] b, int from) {
        int i = from;
        while (i < b.length && b[i] != 0) {
            i++;
        }
        return i - from;
    }

    private void doGetPerms(Ctx ctx) {
        NodeRecord node = getNode(ctx, canonical(ctx, XsPayloads.oneArg(ctx.req.payload())), PERM_READ);
        reply(ctx, XsType.XS_GET_PERMS, permStrings(node.perms()));
    }

    private static byte[] permStrings(List<XsPermission> perms) {
        return XsPayloads.strings(perms.stream().map(XsPermission::toString).toArray(String[]::new));
    }

    private void doWrite(Ctx ctx) {
        byte[] payload = ctx.req.payload();
        int nul = indexOfNul(payload);
        if (nul < 0) {
            throw fail(EINVAL);
        }
        String name = canonical(ctx, new String(payload, 0, nul, StandardCharsets.ISO_8859_1));
        byte[] data = java.util.Arrays.copyOfRange(payload, nul + 1, payload.length);
        NodeRecord node;
        try {
            node = getNode(ctx, name, PERM_WRITE);
        } catch (Failure f) {
            if (f.error != ENOENT) {
                throw f;
            }
            node = null;
        }
        if (node == null) {
            node = createNode(ctx, name, data);
        } else {
            // Built with the generation it will get; the counter only advances once the quota checks passed.
            NodeRecord updated = node.withData(data, generation);
            checkNodeSize(ctx, updated);
            checkMemory(ctx, updated.owner(), (long) updated.recordSize() - node.recordSize());
            nextGeneration();
            node = updated;
            writeNode(ctx, name, node);
        }
        fireWatches(ctx, name, node, false, null);
        ack(ctx, XsType.XS_WRITE);
    }

    private static int indexOfNul(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return -1;
    }

    private void doMkdir(Ctx ctx) {
        String name = canonical(ctx, XsPayloads.oneArg(ctx.req.payload()));
        try {
            getNode(ctx, name, PERM_WRITE);
        } catch (Failure f) {
            if (f.error != ENOENT) {
                throw f;
            }
            NodeRecord node = createNode(ctx, name, new byte[0]);
            fireWatches(ctx, name, node, false, null);
        }
        ack(ctx, XsType.XS_MKDIR);
    }

    private void doRm(Ctx ctx) {
        String name = canonical(ctx, XsPayloads.oneArg(ctx.req.payload()));
        try {
            getNode(ctx, name, PERM_WRITE);
        } catch (Failure f) {
            if (f.error != ENOENT) {
                throw f;
            }
            // "Didn't exist already? Fine, if parent exists."
            if (readNode(ctx, Paths.parent(name)) != null) {
                ack(ctx, XsType.XS_RM);
                return;
            }
            throw fail(ENOENT);
        }
        if (name.equals("/")) {
            throw fail(EINVAL);
        }
        rmNode(ctx, name);
        ack(ctx, XsType.XS_RM);
    }

    private void doSetPerms(Ctx ctx) {
        byte[] payload = ctx.req.payload();
        int num = XsPayloads.countStrings(payload) - 1;
        if (num < 1) {
            throw fail(EINVAL);
        }
        if (ctx.unprivileged() && num > config.permsPerNode()) {
            throw fail(ENOSPC);
        }
        List<String> strings = XsPayloads.split(payload);
        List<XsPermission> perms = new ArrayList<>(num);
        for (int i = 1; i <= num; i++) {
            switch (XsPermission.parse(strings.get(i))) {
                case Decoded.Ok<XsPermission>(var p) -> perms.add(p);
                case Decoded.Malformed<XsPermission> _ -> throw fail(EINVAL);
            }
        }
        String path = strings.getFirst();
        if (path.startsWith("@")) {
            setPermsSpecial(ctx, path, perms);
            ack(ctx, XsType.XS_SET_PERMS);
            return;
        }
        String name = canonical(ctx, path);
        // "We must own node to do this (tools can do this too)."
        NodeRecord node = getNode(ctx, name, PERM_WRITE | PERM_OWNER);
        if (ctx.unprivileged() && perms.getFirst().domid() != node.owner()) {
            throw fail(EPERM);
        }
        NodeRecord updated = node.withPerms(perms, 0);
        checkNodeSize(ctx, updated);
        long newSize = name.length() + updated.recordSize();
        long oldSize = name.length() + node.recordSize();
        Map<Integer, Long> memDelta = new HashMap<>();
        memDelta.merge(updated.owner(), newSize, Long::sum);
        memDelta.merge(node.owner(), -oldSize, Long::sum);
        checkMemory(ctx, memDelta);
        if (ctx.tx != null && updated.owner() != node.owner()) {
            ctx.tx.entryDelta(node.owner(), -1);
            ctx.tx.entryDelta(updated.owner(), 1);
        }
        updated = node.withPerms(perms, nextGeneration());
        writeNode(ctx, name, updated);
        fireWatches(ctx, name, updated, false, node.perms());
        ack(ctx, XsType.XS_SET_PERMS);
    }

    /** C {@code set_perms_special()}: the special node must grant write and ownership to the caller. */
    private void setPermsSpecial(Ctx ctx, String name, List<XsPermission> perms) {
        boolean introduce = name.equals(INTRODUCE_DOMAIN);
        if (!introduce && !name.equals(RELEASE_DOMAIN)) {
            throw fail(EINVAL);
        }
        List<XsPermission> current = introduce ? introducePerms : releasePerms;
        if ((permFor(ctx.conn, current) & (PERM_WRITE | PERM_OWNER)) != (PERM_WRITE | PERM_OWNER)) {
            throw fail(EACCES);
        }
        if (introduce) {
            introducePerms = List.copyOf(perms);
        } else {
            releasePerms = List.copyOf(perms);
        }
    }

    private void doWatch(Ctx ctx) {
        List<String> args = XsPayloads.split(ctx.req.payload());
        if (args.size() != 2) {
            throw fail(EINVAL);
        }
        String path = args.get(0);
        String token = args.get(1);
        String relativeBase = null;
        if (path.startsWith("@")) {
            if (path.length() > XsdSockmsg.XENSTORE_REL_PATH_MAX) {
                throw fail(EINVAL);
            }
        } else {
            if (!path.startsWith("/")) {
                relativeBase = Paths.domainPath(ctx.domid());
            }
            path = canonical(ctx, path);
            if (!Paths.isValidNodename(path)) {
                throw fail(EINVAL);
            }
        }
        for (Watch w : ctx.conn.watches) {
            if (w.path().equals(path) && w.token().equals(token)) {
                throw fail(EEXIST);
            }
        }
        DomainState d = domain(ctx.domid());
        if (ctx.unprivileged() && d.watches > config.watchesPerDomain()) {
            throw fail(E2BIG);
        }
        var watch = new Watch(path, token, relativeBase);
        if (ctx.unprivileged() && config.memoryPerDomain() != 0
                && d.memory + watch.memory() >= config.memoryPerDomain()) {
            throw fail(ENOMEM);
        }
        ctx.conn.watches.add(watch);
        d.watches++;
        d.memory += watch.memory();
        ack(ctx, XsType.XS_WATCH);
        // "We fire once up front: simplifies clients and restart."
        sendEvent(ctx.conn, watch.eventPath(watch.path()), token);
    }

    private void doUnwatch(Ctx ctx) {
        List<String> args = XsPayloads.split(ctx.req.payload());
        if (args.size() != 2) {
            throw fail(EINVAL);
        }
        String path = canonical(ctx, args.get(0));
        String token = args.get(1);
        for (var it = ctx.conn.watches.iterator(); it.hasNext(); ) {
            Watch w = it.next();
            if (w.path().equals(path) && w.token().equals(token)) {
                it.remove();
                DomainState d = domain(ctx.domid());
                d.watches--;
                d.memory -= w.memory();
                ack(ctx, XsType.XS_UNWATCH);
                return;
            }
        }
        throw fail(ENOENT);
    }

    private void doTransactionStart(Ctx ctx) {
        // "We don't support nested transactions."
        if (ctx.tx != null) {
            throw fail(EBUSY);
        }
        XsConnection c = ctx.conn;
        if (ctx.domid() != 0 && c.transactions.size() > config.transactionsPerConnection()) {
            throw fail(ENOSPC);
        }
        int id;
        do {
            id = c.nextTransactionId++;
        } while (id == 0 || c.transactions.containsKey(id));
        c.transactions.put(id, new Transaction(id, nextGeneration()));
        reply(ctx, XsType.XS_TRANSACTION_START, XsPayloads.strings(Integer.toUnsignedString(id)));
    }

    private void doTransactionEnd(Ctx ctx) {
        String arg = XsPayloads.oneArg(ctx.req.payload());
        if (arg == null || !(arg.equals("T") || arg.equals("F"))) {
            throw fail(EINVAL);
        }
        Transaction tx = ctx.tx;
        if (tx == null) {
            throw fail(ENOENT);
        }
        ctx.conn.transactions.remove(tx.id);
        if (arg.equals("T")) {
            if (tx.fail) {
                throw fail(ENOMEM);
            }
            // C transaction_fix_domains(): the node count each changed domain would end with must stay below the
            // quota (note ">=", stricter by one than the check outside transactions).
            for (var e : tx.nodeDelta.entrySet()) {
                int cnt = nodesOwned(e.getKey()) + e.getValue();
                if (domidUnprivileged(e.getKey()) && cnt >= config.nodesPerDomain()) {
                    throw fail(ENOSPC);
                }
            }
            for (var e : tx.accessed.entrySet()) {
                Transaction.Accessed a = e.getValue();
                if (a.checkGeneration) {
                    NodeRecord now = db.get(e.getKey());
                    long gen = now == null ? NodeRecord.NO_GENERATION : now.generation();
                    if (gen != a.generation) {
                        throw fail(EAGAIN);
                    }
                }
            }
            for (var e : tx.accessed.entrySet()) {
                Transaction.Accessed a = e.getValue();
                if (a.modified) {
                    if (a.node != null) {
                        NodeRecord n = a.node;
                        putGlobal(e.getKey(), new NodeRecord(n.data(), n.perms(), n.children(), nextGeneration()));
                    } else {
                        removeGlobal(e.getKey());
                    }
                }
            }
            for (var e : tx.accessed.entrySet()) {
                Transaction.Accessed a = e.getValue();
                if (a.fireWatch) {
                    fireGlobal(e.getKey(), null, a.watchExact, a.originalPerms);
                }
            }
        }
        ack(ctx, XsType.XS_TRANSACTION_END);
    }

    private void doIntroduce(Ctx ctx) {
        List<String> args = XsPayloads.split(ctx.req.payload());
        if (args.size() < 3) {
            throw fail(EINVAL);
        }
        int domid = CNumbers.atoi(args.get(0));
        long gfn = CNumbers.atol(args.get(1));
        int port = CNumbers.atoi(args.get(2));
        // evtchn_port_t is unsigned: "port <= 0" only catches 0.
        if (port == 0) {
            throw fail(EINVAL);
        }
        if (domid < 0 || domid >= DOMID_FIRST_RESERVED) {
            throw fail(EINVAL);
        }
        DomainIntroducer hook = introducer;
        if (hook != null && !hook.introduce(domid, gfn, port)) {
            throw fail(EINVAL);
        }
        introduce(domid);
        ack(ctx, XsType.XS_INTRODUCE);
    }

    /** C {@code onearg_domain()}: a non-zero domid of an introduced domain. */
    private int oneArgDomain(Ctx ctx) {
        String arg = XsPayloads.oneArg(ctx.req.payload());
        if (arg == null) {
            throw fail(EINVAL);
        }
        int domid = CNumbers.atoi(arg);
        if (domid == 0) {
            throw fail(EINVAL);
        }
        DomainState d = domains.get(domid);
        if (d == null || !d.introduced) {
            throw fail(ENOENT);
        }
        return domid;
    }

    private void doRelease(Ctx ctx) {
        int domid = oneArgDomain(ctx);
        release(domid);
        ack(ctx, XsType.XS_RELEASE);
    }

    private void doResume(Ctx ctx) {
        int domid = oneArgDomain(ctx);
        domains.get(domid).shutdown = false;
        ack(ctx, XsType.XS_RESUME);
    }

    private void doSetTarget(Ctx ctx) {
        List<String> args = XsPayloads.split(ctx.req.payload());
        if (args.size() < 2) {
            throw fail(EINVAL);
        }
        int domid = CNumbers.atoi(args.get(0));
        int tdomid = CNumbers.atoi(args.get(1));
        DomainState d = domains.get(domid);
        DomainState t = domains.get(tdomid);
        if (d == null || !d.introduced || t == null || !t.introduced) {
            throw fail(ENOENT);
        }
        d.target = tdomid;
        ack(ctx, XsType.XS_SET_TARGET);
    }

    private void doGetDomainPath(Ctx ctx) {
        String arg = XsPayloads.oneArg(ctx.req.payload());
        if (arg == null) {
            throw fail(EINVAL);
        }
        long domid = Integer.toUnsignedLong(CNumbers.atoi(arg));   // printed with %u
        reply(ctx, XsType.XS_GET_DOMAIN_PATH, XsPayloads.strings(Paths.domainPath(domid)));
    }

    private void doIsDomainIntroduced(Ctx ctx) {
        String arg = XsPayloads.oneArg(ctx.req.payload());
        if (arg == null) {
            throw fail(EINVAL);
        }
        int domid = CNumbers.atoi(arg);
        DomainState d = domains.get(domid);
        boolean result = domid == DOMID_SELF || (d != null && d.introduced);
        reply(ctx, XsType.XS_IS_DOMAIN_INTRODUCED, XsPayloads.strings(result ? "T" : "F"));
    }

    private void doResetWatches(Ctx ctx) {
        deleteAllWatches(ctx.conn);
        ctx.conn.transactions.clear();
        ack(ctx, XsType.XS_RESET_WATCHES);
    }

    // ---- CONTROL (C xenstored_control.c) ----

    private static final String[][] CONTROL_COMMANDS = {
        {"check", ""}, {"log", "on|off"}, {"logfile", "<file>"}, {"memreport", "[<file>]"}, {"print", "<string>"},
        {"quota", "[set <name> <val>|<domid>]"}, {"quota-soft", "[set <name> <val>]"}, {"help", ""},
    };

    private void doControl(Ctx ctx) {
        byte[] payload = ctx.req.payload();
        if (XsPayloads.countStrings(payload) < 1) {
            throw fail(EINVAL);
        }
        List<String> vec = XsPayloads.split(payload);
        List<String> args = vec.subList(1, vec.size());
        switch (vec.getFirst()) {
            case "check" -> {
                if (!args.isEmpty()) {
                    throw fail(EINVAL);
                }
                ack(ctx, XsType.XS_CONTROL);
            }
            case "log" -> {
                if (args.size() != 1 || !(args.getFirst().equals("on") || args.getFirst().equals("off"))) {
                    throw fail(EINVAL);
                }
                ack(ctx, XsType.XS_CONTROL);
            }
            case "logfile" -> {
                if (args.size() != 1) {
                    throw fail(EINVAL);
                }
                ack(ctx, XsType.XS_CONTROL);
            }
            // C writes a talloc report to the trace file; we keep no trace file, and C answers EBADF (sent as
            // EINVAL, which xsd_errors lacks) when it has none.
            case "memreport" -> throw fail(EINVAL);
            case "print" -> {
                if (args.size() != 1) {
                    throw fail(EINVAL);
                }
                LOG.info("control: {}", args.getFirst());
                ack(ctx, XsType.XS_CONTROL);
            }
            case "quota" -> controlQuota(ctx, args, false);
            case "quota-soft" -> controlQuota(ctx, args, true);
            case "help" -> {
                if (!args.isEmpty()) {
                    throw fail(EINVAL);
                }
                var sb = new StringBuilder();
                for (String[] cmd : CONTROL_COMMANDS) {
                    sb.append(cmd[0]).append('\t').append(cmd[1]).append('\n');
                }
                // C sends the text without its terminating NUL.
                reply(ctx, XsType.XS_CONTROL, XsPayloads.bytes(sb.toString()));
            }
            default -> throw fail(EINVAL);
        }
    }

    private record Quota(String name, String descr, java.util.function.ToIntFunction<XenstoredConfig> get,
                         java.util.function.BiFunction<XenstoredConfig, Integer, XenstoredConfig> set) {
    }

    private static final List<Quota> HARD_QUOTAS = List.of(
            new Quota("nodes", "Nodes per domain", XenstoredConfig::nodesPerDomain,
                    XenstoredConfig::withNodesPerDomain),
            new Quota("watches", "Watches per domain", XenstoredConfig::watchesPerDomain,
                    XenstoredConfig::withWatchesPerDomain),
            new Quota("transactions", "Transactions per domain", XenstoredConfig::transactionsPerConnection,
                    XenstoredConfig::withTransactionsPerConnection),
            new Quota("outstanding", "Outstanding requests per domain", XenstoredConfig::outstandingRequests,
                    (c, v) -> c.withOutstandingRequests(v, Math.max(v, c.maxQueuedRequests()))),
            new Quota("transaction-nodes", "Max. number of accessed nodes per transaction",
                    XenstoredConfig::transactionNodes, XenstoredConfig::withTransactionNodes),
            new Quota("memory", "Total Xenstore memory per domain (error level)", XenstoredConfig::memoryPerDomain,
                    XenstoredConfig::withMemoryPerDomain),
            new Quota("node-size", "Max. size of a node", XenstoredConfig::nodeSize, XenstoredConfig::withNodeSize),
            new Quota("permissions", "Max. number of permissions per node", XenstoredConfig::permsPerNode,
                    XenstoredConfig::withPermsPerNode));

    private static final List<Quota> SOFT_QUOTAS = List.of(
            new Quota("memory", "Total Xenstore memory per domain (warning level)",
                    XenstoredConfig::memoryPerDomainSoft,
                    (c, v) -> new XenstoredConfig(c.nodesPerDomain(), c.watchesPerDomain(), c.nodeSize(),
                            c.transactionsPerConnection(), c.permsPerNode(), c.transactionNodes(),
                            c.outstandingRequests(), c.memoryPerDomain(), v, c.maxQueuedRequests(),
                            c.keepOrphans())));

    private void controlQuota(Ctx ctx, List<String> args, boolean soft) {
        List<Quota> quotas = soft ? SOFT_QUOTAS : HARD_QUOTAS;
        if (args.isEmpty()) {
            var sb = new StringBuilder("Quota settings:\n");
            for (Quota q : quotas) {
                sb.append(String.format("%-17s: %8d %s\n", q.name, q.get.applyAsInt(config), q.descr));
            }
            reply(ctx, XsType.XS_CONTROL, XsPayloads.strings(sb.toString()));
            return;
        }
        if (args.getFirst().equals("set")) {
            if (args.size() != 3) {
                throw fail(EINVAL);
            }
            int val = CNumbers.atoi(args.get(2));
            if (val < 1) {
                throw fail(EINVAL);
            }
            for (Quota q : quotas) {
                if (q.name.equals(args.get(1))) {
                    config = q.set.apply(config, val);
                    ack(ctx, XsType.XS_CONTROL);
                    return;
                }
            }
            throw fail(EINVAL);
        }
        if (soft || args.size() != 1) {
            throw fail(EINVAL);
        }
        int domid = CNumbers.atoi(args.getFirst());
        DomainState d = domains.get(domid);
        if (d == null) {
            throw fail(ENOENT);
        }
        int txs = 0;
        int outstanding = 0;
        for (XsConnection c : connections) {
            if (c.info().domid() == domid) {
                txs += c.transactions.size();
                outstanding += c.queuedRequests();
            }
        }
        String text = "Domain " + Integer.toUnsignedString(domid) + ":\n"
                + String.format("%-16s: %8d\n", "nodes", d.nodes)
                + String.format("%-16s: %8d\n", "watches", d.watches)
                + String.format("%-16s: %8d\n", "transactions", txs)
                + String.format("%-16s: %8d\n", "outstanding", outstanding)
                + String.format("%-16s: %8d\n", "memory", d.memory);
        reply(ctx, XsType.XS_CONTROL, XsPayloads.strings(text));
    }
}
