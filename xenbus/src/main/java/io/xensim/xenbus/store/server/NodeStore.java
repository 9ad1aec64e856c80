package io.xensim.xenbus.store.server;

import java.util.HashMap;
import java.util.Map;

/**
 * The committed tree, C's TDB database of node records keyed by path, with the global generation counter and
 * each owner's node count and memory kept in step with every write (C {@code do_tdb_write()},
 * {@code do_tdb_delete()}). Transactions see it through {@link Transactions}.
 *
 * <p><b>Threading:</b> confined to xenstored's executor.
 *
 * <p><b>Reference:</b> C xenstored_core.c {@code read_node()}/{@code write_node_raw()} on the TDB, and the node
 * accounting of xenstored_domain.c.
 */
final class NodeStore {
    private final Map<String, NodeRecord> db = new HashMap<>();
    private final DomainTable domains;
    /** C's global {@code generation}: the last generation count handed out (0: none yet). */
    private long generation;

    NodeStore(DomainTable domains) {
        this.domains = domains;
    }

    NodeRecord get(String name) {
        return db.get(name);
    }

    boolean contains(String name) {
        return db.containsKey(name);
    }

    int size() {
        return db.size();
    }

    void put(String name, NodeRecord rec) {
        NodeRecord old = db.put(name, rec);
        if (old != null) {
            domains.account(old.owner(), -1, -(long) (name.length() + old.recordSize()));
        }
        domains.account(rec.owner(), 1, name.length() + rec.recordSize());
    }

    void remove(String name) {
        NodeRecord old = db.remove(name);
        if (old != null) {
            domains.account(old.owner(), -1, -(long) (name.length() + old.recordSize()));
        }
    }

    /**
     * Hands out the next generation count: C's {@code ++generation} in {@code access_node()}, pre-incremented, so
     * the first node ({@code /}) gets 1.
     */
    long nextGeneration() {
        return ++generation;
    }

    /** The count {@link #nextGeneration()} will hand out next. */
    long peekGeneration() {
        return generation + 1;
    }
}
