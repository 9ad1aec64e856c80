package io.xensim.xenbus.store.server;

import io.xensim.xenbus.store.wire.XsdSockmsg;

/**
 * Quotas and limits of xenstored. {@link #defaults()} are C xenstored 4.17's built-in values
 * ({@code quota_*} in xenstored_core.c). Quotas apply to unprivileged connections only, as in C.
 *
 * @param nodesPerDomain       {@code quota_nb_entry_per_domain} (1000): nodes owned by one domain; more → ENOSPC
 * @param watchesPerDomain     {@code quota_nb_watch_per_domain} (128): C refuses a watch with E2BIG once the
 *                             domain has <em>more</em> than this many (so 129 fit)
 * @param nodeSize             {@code quota_max_entry_size} (2048): a node record (24-byte header, 8 bytes per
 *                             permission, value, child names) of this size or more → ENOSPC
 * @param transactionsPerConnection {@code quota_max_transaction} (10): C refuses TRANSACTION_START with ENOSPC once
 *                             a connection has <em>more</em> than this many open (so 11 fit); domid 0 is exempt
 * @param permsPerNode         {@code quota_nb_perms_per_node} (5): SET_PERMS with more entries → ENOSPC
 * @param transactionNodes     {@code quota_trans_nodes} (1024): nodes one transaction may touch; more → ENOSPC and
 *                             the transaction is doomed
 * @param outstandingRequests  {@code quota_req_outstanding} (20): C stops reading a domain's ring while this many
 *                             of its requests are unanswered; here {@link XsConnection#isStalled()} tells the
 *                             transport to stop reading
 * @param memoryPerDomain      {@code quota_memory_per_domain_hard} (2.5 MiB): bytes of node records and watches
 *                             charged to a domain; a write that would reach it → ENOMEM (0 disables)
 * @param memoryPerDomainSoft  {@code quota_memory_per_domain_soft} (2 MiB): only reported by CONTROL quota-soft
 * @param maxQueuedRequests    our own guard (not in C, where reading simply stalls): requests queued for one
 *                             connection beyond this close it, so a transport that ignores
 *                             {@link XsConnection#isStalled()} cannot grow memory without bound
 * @param keepOrphans          C's {@code -K}: keep nodes owned by a released domain (given to dom0) instead of
 *                             deleting them
 * @param pathMax              {@code quota_max_path_len} ({@code XENSTORE_REL_PATH_MAX}, 2048): bytes a node path
 *                             may have after a leading {@code /local/domain/<domid>/}; longer → EINVAL, for
 *                             every connection (C's {@code is_valid_nodename()}, CONTROL's {@code path-max})
 */
public record XenstoredConfig(int nodesPerDomain, int watchesPerDomain, int nodeSize, int transactionsPerConnection,
                              int permsPerNode, int transactionNodes, int outstandingRequests, int memoryPerDomain,
                              int memoryPerDomainSoft, int maxQueuedRequests, boolean keepOrphans, int pathMax) {
    public XenstoredConfig {
        positive("nodesPerDomain", nodesPerDomain);
        positive("watchesPerDomain", watchesPerDomain);
        positive("nodeSize", nodeSize);
        positive("transactionsPerConnection", transactionsPerConnection);
        positive("permsPerNode", permsPerNode);
        positive("transactionNodes", transactionNodes);
        positive("outstandingRequests", outstandingRequests);
        positive("maxQueuedRequests", maxQueuedRequests);
        positive("pathMax", pathMax);
        if (memoryPerDomain < 0 || memoryPerDomainSoft < 0) {
            throw new IllegalArgumentException("memoryPerDomain: " + memoryPerDomain + " (expected: >= 0)");
        }
        if (maxQueuedRequests < outstandingRequests) {
            throw new IllegalArgumentException("maxQueuedRequests: " + maxQueuedRequests
                    + " (expected: >= outstandingRequests " + outstandingRequests + ")");
        }
    }

    /** The configuration with C's default {@code pathMax} ({@code XENSTORE_REL_PATH_MAX}). */
    public XenstoredConfig(int nodesPerDomain, int watchesPerDomain, int nodeSize, int transactionsPerConnection,
                           int permsPerNode, int transactionNodes, int outstandingRequests, int memoryPerDomain,
                           int memoryPerDomainSoft, int maxQueuedRequests, boolean keepOrphans) {
        this(nodesPerDomain, watchesPerDomain, nodeSize, transactionsPerConnection, permsPerNode, transactionNodes,
                outstandingRequests, memoryPerDomain, memoryPerDomainSoft, maxQueuedRequests, keepOrphans,
                XsdSockmsg.XENSTORE_REL_PATH_MAX);
    }

    /** C xenstored 4.17's defaults. */
    public static XenstoredConfig defaults() {
        return new XenstoredConfig(1000, 128, 2048, 10, 5, 1024, 20, 2 * 1024 * 1024 + 512 * 1024,
                2 * 1024 * 1024, 1024, false, XsdSockmsg.XENSTORE_REL_PATH_MAX);
    }

    public XenstoredConfig withNodesPerDomain(int v) {
        return new XenstoredConfig(v, watchesPerDomain, nodeSize, transactionsPerConnection, permsPerNode,
                transactionNodes, outstandingRequests, memoryPerDomain, memoryPerDomainSoft, maxQueuedRequests,
                keepOrphans, pathMax);
    }

    public XenstoredConfig withWatchesPerDomain(int v) {
        return new XenstoredConfig(nodesPerDomain, v, nodeSize, transactionsPerConnection, permsPerNode,
                transactionNodes, outstandingRequests, memoryPerDomain, memoryPerDomainSoft, maxQueuedRequests,
                keepOrphans, pathMax);
    }

    public XenstoredConfig withNodeSize(int v) {
        return new XenstoredConfig(nodesPerDomain, watchesPerDomain, v, transactionsPerConnection, permsPerNode,
                transactionNodes, outstandingRequests, memoryPerDomain, memoryPerDomainSoft, maxQueuedRequests,
                keepOrphans, pathMax);
    }

    public XenstoredConfig withTransactionsPerConnection(int v) {
        return new XenstoredConfig(nodesPerDomain, watchesPerDomain, nodeSize, v, permsPerNode, transactionNodes,
                outstandingRequests, memoryPerDomain, memoryPerDomainSoft, maxQueuedRequests, keepOrphans, pathMax);
    }

    public XenstoredConfig withPermsPerNode(int v) {
        return new XenstoredConfig(nodesPerDomain, watchesPerDomain, nodeSize, transactionsPerConnection, v,
                transactionNodes, outstandingRequests, memoryPerDomain, memoryPerDomainSoft, maxQueuedRequests,
                keepOrphans, pathMax);
    }

    public XenstoredConfig withTransactionNodes(int v) {
        return new XenstoredConfig(nodesPerDomain, watchesPerDomain, nodeSize, transactionsPerConnection,
                permsPerNode, v, outstandingRequests, memoryPerDomain, memoryPerDomainSoft, maxQueuedRequests,
                keepOrphans, pathMax);
    }

    public XenstoredConfig withOutstandingRequests(int v, int maxQueued) {
        return new XenstoredConfig(nodesPerDomain, watchesPerDomain, nodeSize, transactionsPerConnection,
                permsPerNode, transactionNodes, v, memoryPerDomain, memoryPerDomainSoft, maxQueued, keepOrphans,
                pathMax);
    }

    public XenstoredConfig withMemoryPerDomain(int hard) {
        return new XenstoredConfig(nodesPerDomain, watchesPerDomain, nodeSize, transactionsPerConnection,
                permsPerNode, transactionNodes, outstandingRequests, hard, memoryPerDomainSoft, maxQueuedRequests,
                keepOrphans, pathMax);
    }

    public XenstoredConfig withKeepOrphans(boolean v) {
        return new XenstoredConfig(nodesPerDomain, watchesPerDomain, nodeSize, transactionsPerConnection,
                permsPerNode, transactionNodes, outstandingRequests, memoryPerDomain, memoryPerDomainSoft,
                maxQueuedRequests, v, pathMax);
    }

    public XenstoredConfig withMemoryPerDomainSoft(int soft) {
        return new XenstoredConfig(nodesPerDomain, watchesPerDomain, nodeSize, transactionsPerConnection,
                permsPerNode, transactionNodes, outstandingRequests, memoryPerDomain, soft, maxQueuedRequests,
                keepOrphans, pathMax);
    }

    public XenstoredConfig withPathMax(int v) {
        return new XenstoredConfig(nodesPerDomain, watchesPerDomain, nodeSize, transactionsPerConnection,
                permsPerNode, transactionNodes, outstandingRequests, memoryPerDomain, memoryPerDomainSoft,
                maxQueuedRequests, keepOrphans, v);
    }

    private static void positive(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + ": " + v + " (expected: >= 1)");
        }
    }
}
