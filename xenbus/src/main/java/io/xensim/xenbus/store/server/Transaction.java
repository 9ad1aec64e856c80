package io.xensim.xenbus.store.server;

import io.xensim.xenbus.store.wire.XsPermission;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An open transaction: the nodes it has touched, in first-touch order, as C xenstored's {@code struct transaction}
 * with its list of {@code struct accessed_node}.
 *
 * <p>Reference (xenstored_transaction.c): a node first <em>read</em> in the transaction records the generation it
 * had (or {@code NO_GENERATION}) and is checked at commit; a node first <em>written</em> is not checked. Reads and
 * writes of touched nodes see the transaction's copy. Commit fails with EAGAIN if any checked node's generation in
 * the store differs; otherwise every modified node is written (or deleted) and gets a fresh generation, and the
 * watch events queued during the transaction fire. {@link Transactions} does all that; this class holds the state.
 *
 * <p><b>Threading:</b> confined to xenstored's executor.
 *
 * <p><b>Reference:</b> C xenstored_transaction.c {@code struct transaction}, {@code struct accessed_node}.
 */
final class Transaction {
    /** One touched node. {@code node} null means absent in this transaction (never existed or deleted). */
    static final class Accessed {
        private NodeRecord node;
        final long generation;
        final boolean checkGeneration;
        private boolean modified;
        private boolean fireWatch;
        private boolean watchExact;
        /** Permissions before the transaction touched it, for watch permission checks after a delete. */
        final List<XsPermission> originalPerms;

        Accessed(NodeRecord node, long generation, boolean checkGeneration, List<XsPermission> originalPerms) {
            this.node = node;
            this.generation = generation;
            this.checkGeneration = checkGeneration;
            this.originalPerms = originalPerms;
        }

        NodeRecord node() {
            return node;
        }

        boolean modified() {
            return modified;
        }

        boolean fireWatch() {
            return fireWatch;
        }

        boolean watchExact() {
            return watchExact;
        }

        /** The transaction's copy becomes {@code rec} (null: deleted), to be committed. */
        void write(NodeRecord rec) {
            node = rec;
            modified = true;
        }
    }

    final int id;
    /** Global generation count when the transaction started (C {@code trans->generation}). */
    final long startGeneration;
    private final Map<String, Accessed> accessed = new LinkedHashMap<>();
    /** Change in the number of nodes each domain owns, applied at commit (C {@code changed_domains}). */
    private final Map<Integer, Integer> nodeDelta = new HashMap<>();
    /** Set when an operation inside failed half way; commit then answers ENOMEM as C does. */
    private boolean fail;

    Transaction(int id, long startGeneration) {
        this.id = id;
        this.startGeneration = startGeneration;
    }

    /** The transaction's record of {@code name}, or null if it has not touched it. */
    Accessed accessed(String name) {
        return accessed.get(name);
    }

    void touch(String name, Accessed a) {
        accessed.put(name, a);
    }

    int accessedCount() {
        return accessed.size();
    }

    /** The touched nodes in first-touch order, for commit. */
    Set<Map.Entry<String, Accessed>> accessedNodes() {
        return Collections.unmodifiableMap(accessed).entrySet();
    }

    /**
     * C {@code queue_watches()}: remembers that {@code name} changed, to fire at commit (a non-exact event replaces
     * an exact one). False if the transaction never touched the node, which dooms it.
     */
    boolean queueWatch(String name, boolean exact) {
        Accessed a = accessed.get(name);
        if (a == null) {
            fail = true;
            return false;
        }
        if (!a.fireWatch) {
            a.fireWatch = true;
            a.watchExact = exact;
        } else if (!exact) {
            a.watchExact = false;
        }
        return true;
    }

    void entryDelta(int domid, int delta) {
        nodeDelta.merge(domid, delta, Integer::sum);
    }

    Map<Integer, Integer> nodeDeltas() {
        return Collections.unmodifiableMap(nodeDelta);
    }

    void markFailed() {
        fail = true;
    }

    boolean failed() {
        return fail;
    }
}
