package io.xensim.xenbus.store.server;

import io.xensim.xenbus.store.wire.XsPermission;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An open transaction: the nodes it has touched, in first-touch order, as C xenstored's {@code struct transaction}
 * with its list of {@code struct accessed_node}.
 *
 * <p>Reference (xenstored_transaction.c): a node first <em>read</em> in the transaction records the generation it
 * had (or {@code NO_GENERATION}) and is checked at commit; a node first <em>written</em> is not checked. Reads and
 * writes of touched nodes see the transaction's copy. Commit fails with EAGAIN if any checked node's generation in
 * the store differs; otherwise every modified node is written (or deleted) and gets a fresh generation, and the
 * watch events queued during the transaction fire.
 *
 * <p><b>Threading:</b> confined to xenstored's executor.
 */
final class Transaction {
    /** One touched node. {@code node} null means absent in this transaction (never existed or deleted). */
    static final class Accessed {
        NodeRecord node;
        final long generation;
        final boolean checkGeneration;
        boolean modified;
        boolean fireWatch;
        boolean watchExact;
        /** Permissions before the transaction touched it, for watch permission checks after a delete. */
        final List<XsPermission> originalPerms;

        Accessed(NodeRecord node, long generation, boolean checkGeneration, List<XsPermission> originalPerms) {
            this.node = node;
            this.generation = generation;
            this.checkGeneration = checkGeneration;
            this.originalPerms = originalPerms;
        }
    }

    final int id;
    /** Global generation count when the transaction started (C {@code trans->generation}). */
    final long startGeneration;
    final Map<String, Accessed> accessed = new LinkedHashMap<>();
    /** Change in the number of nodes each domain owns, applied at commit (C {@code changed_domains}). */
    final Map<Integer, Integer> nodeDelta = new HashMap<>();
    /** Set when an operation inside failed half way; commit then answers ENOMEM as C does. */
    boolean fail;

    Transaction(int id, long startGeneration) {
        this.id = id;
        this.startGeneration = startGeneration;
    }

    void entryDelta(int domid, int delta) {
        nodeDelta.merge(domid, delta, Integer::sum);
    }
}
