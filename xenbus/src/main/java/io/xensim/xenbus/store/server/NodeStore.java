package io.xensim.xenbus.store.server;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The committed tree, C's TDB database of node records keyed by path, with the global generation counter and
 * each owner's node count and memory kept in step with every write (C {@code do_tdb_write()},
 * {@code do_tdb_delete()}), and which nodes each domain owns, so that releasing a domain finds its nodes without
 * walking the whole tree (C {@code domain_tree_remove()} walks it; with a thousand guests that walk per release made
 * teardown O(guests²)). Transactions see it through {@link Transactions}.
 *
 * <p><b>Threading:</b> confined to xenstored's executor.
 *
 * <p><b>Reference:</b> C xenstored_core.c {@code read_node()}/{@code write_node_raw()} on the TDB, and the node
 * accounting of xenstored_domain.c.
 */
final class NodeStore {
    private final Map<String, NodeRecord> db = new HashMap<>();
    /** Owner domid → the paths of the nodes it owns (the first permission's domid). */
    private final Map<Integer, Set<String>> byOwner = new HashMap<>();
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
            if (old.owner() != rec.owner()) {
                disown(old.owner(), name);
            }
        }
        domains.account(rec.owner(), 1, name.length() + rec.recordSize());
        byOwner.computeIfAbsent(rec.owner(), k -> new HashSet<>()).add(name);
    }

    void remove(String name) {
        NodeRecord old = db.remove(name);
        if (old != null) {
            domains.account(old.owner(), -1, -(long) (name.length() + old.recordSize()));
            disown(old.owner(), name);
        }
    }

    /** The paths of the nodes {@code domid} owns now (a copy, in no particular order). */
    List<String> ownedBy(int domid) {
        Set<String> owned = byOwner.get(domid);
        return owned == null ? List.of() : List.copyOf(owned);
    }

    private void disown(int owner, String name) {
        Set<String> owned = byOwner.get(owner);
        if (owned != null && owned.remove(name) && owned.isEmpty()) {
            byOwner.remove(owner);
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
