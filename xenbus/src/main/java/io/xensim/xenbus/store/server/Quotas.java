package io.xensim.xenbus.store.server;

import static io.xensim.xenbus.store.server.RequestFailure.fail;
import static io.xensim.xenbus.store.wire.XsError.E2BIG;
import static io.xensim.xenbus.store.wire.XsError.ENOMEM;
import static io.xensim.xenbus.store.wire.XsError.ENOSPC;

import java.util.Map;

/**
 * The quotas in force ({@link XenstoredConfig}, changed by CONTROL {@code quota set}) and the checks C xenstored
 * makes against them. Every check applies to unprivileged connections only, except the memory and node counts of
 * a node's owner, which apply to every owner but dom0 (C {@code domid_is_unprivileged()}).
 *
 * <p><b>Threading:</b> the checks run on xenstored's executor; {@link #config()} may be read from any thread.
 *
 * <p><b>Reference:</b> the {@code quota_*} checks of xenstored_core.c ({@code write_node_raw()},
 * {@code do_set_perms()}), xenstored_domain.c ({@code domain_nbentry()}, {@code domain_memory_add()}),
 * xenstored_watch.c ({@code do_watch()}) and xenstored_transaction.c ({@code access_node()},
 * {@code do_transaction_start()}, {@code transaction_fix_domains()}). Not modelled: transaction memory
 * accounting and the soft memory quota's warnings.
 */
final class Quotas {
    private final DomainTable domains;
    private volatile XenstoredConfig config;

    Quotas(DomainTable domains, XenstoredConfig config) {
        this.domains = domains;
        this.config = config;
    }

    XenstoredConfig config() {
        return config;
    }

    void set(XenstoredConfig config) {
        this.config = config;
    }

    /** C {@code domid_is_unprivileged()}: the owner's quotas apply to every domain but the control domain. */
    static boolean domidUnprivileged(int domid) {
        return domid != 0;
    }

    /** C {@code write_node_raw()}: an unprivileged connection may not write a record of quota size or more. */
    void checkNodeSize(Request r, NodeRecord rec) {
        if (r.unprivileged() && rec.recordSize() >= config.nodeSize()) {
            throw fail(ENOSPC);
        }
    }

    /** C {@code do_set_perms()}: an unprivileged connection may set at most {@code quota_nb_perms_per_node}. */
    void checkPermCount(Request r, int count) {
        if (r.unprivileged() && count > config.permsPerNode()) {
            throw fail(ENOSPC);
        }
    }

    /**
     * C {@code create_node()}: an unprivileged creator may own at most {@code quota_nb_entry_per_domain} nodes;
     * {@code created} nodes were already made by this request (outside transactions they are counted at once).
     */
    void checkNewNode(Request r, int ownedBefore, int created) {
        if (r.unprivileged() && ownedBefore + (r.tx == null ? created : 0) >= config.nodesPerDomain()) {
            throw fail(ENOSPC);
        }
    }

    /**
     * C {@code domain_memory_add()}/{@code domain_chk_quota()}: reaching the hard memory quota of an unprivileged
     * owner fails the write with ENOMEM. Checked for committed writes (transaction copies are not charged here).
     */
    void checkMemory(Request r, Map<Integer, Long> deltaByOwner) {
        if (r.tx != null || config.memoryPerDomain() == 0) {
            return;
        }
        for (var e : deltaByOwner.entrySet()) {
            checkOwnerMemory(e.getKey(), e.getValue());
        }
    }

    /** {@link #checkMemory(Request, Map)} for a change charged to one owner (no map to build per request). */
    void checkMemory(Request r, int owner, long delta) {
        if (r.tx != null || config.memoryPerDomain() == 0) {
            return;
        }
        checkOwnerMemory(owner, delta);
    }

    private void checkOwnerMemory(int owner, long delta) {
        if (domidUnprivileged(owner) && domains.memory(owner) + delta >= config.memoryPerDomain()) {
            throw fail(ENOMEM);
        }
    }

    /** C {@code do_watch()}: E2BIG once the domain has more watches than the quota, ENOMEM past its memory. */
    void checkWatch(Request r, Watch watch) {
        if (!r.unprivileged()) {
            return;
        }
        int domid = r.domid();
        if (domains.watches(domid) > config.watchesPerDomain()) {
            throw fail(E2BIG);
        }
        if (config.memoryPerDomain() != 0 && domains.memory(domid) + watch.memory() >= config.memoryPerDomain()) {
            throw fail(ENOMEM);
        }
    }

    /** C {@code do_transaction_start()}: ENOSPC once a connection (other than dom0's) has more than the quota. */
    void checkTransactionStart(Request r, int open) {
        if (r.domid() != 0 && open > config.transactionsPerConnection()) {
            throw fail(ENOSPC);
        }
    }

    /** C {@code access_node()}: a transaction may touch at most {@code quota_trans_nodes} nodes (unprivileged). */
    void checkTransactionNodes(Request r) {
        if (r.unprivileged() && r.tx.accessedCount() >= config.transactionNodes()) {
            r.tx.markFailed();
            throw fail(ENOSPC);
        }
    }

    /**
     * C {@code transaction_fix_domains()}: the node count each changed domain would end with must stay below the
     * quota (note {@code >=}, stricter by one than the check outside transactions).
     */
    void checkCommitNodes(Transaction tx) {
        for (var e : tx.nodeDeltas().entrySet()) {
            int count = domains.nodes(e.getKey()) + e.getValue();
            if (domidUnprivileged(e.getKey()) && count >= config.nodesPerDomain()) {
                throw fail(ENOSPC);
            }
        }
    }
}
