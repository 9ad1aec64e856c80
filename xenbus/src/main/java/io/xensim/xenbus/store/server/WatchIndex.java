package io.xensim.xenbus.store.server;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which connections watch which paths, so that a change finds its watchers by looking up the changed node and its
 * ancestors (a handful of paths) instead of scanning every connection's watches. C xenstored's
 * {@code fire_watches()} walks the whole connection list for each change; that is the same answer at O(connections)
 * per write, and with a thousand guests (each a connection with watches) it made a boot O(guests²). The events and
 * their order do not change: {@link Connections#watchers(String, boolean)} returns the candidates in connection
 * order, and each connection's own watches are still matched in registration order.
 *
 * <p>A watch on {@code P} matches a change of {@code name} when {@code name} is {@code P} or lies below it
 * ({@link Paths#isChild}); for an exact match (a removed subtree's inner nodes) only when it is {@code P}. The
 * root {@code /} is above every name, special {@code @...} names included, as in {@code isChild}.
 *
 * <p>{@code C} is the connection type ({@link XsConnection}; tests use plain names).
 *
 * <p><b>Threading:</b> confined to xenstored's executor.
 */
final class WatchIndex<C> {
    /** Watch path → the connections with a watch on it → how many (one per token). */
    private final Map<String, Map<C, Integer>> byPath = new HashMap<>();

    void added(C c, String path) {
        byPath.computeIfAbsent(path, k -> new HashMap<>()).merge(c, 1, Integer::sum);
    }

    void removed(C c, String path) {
        Map<C, Integer> watchers = byPath.get(path);
        if (watchers == null) {
            return;
        }
        watchers.computeIfPresent(c, (k, n) -> n == 1 ? null : n - 1);
        if (watchers.isEmpty()) {
            byPath.remove(path);
        }
    }

    boolean isEmpty() {
        return byPath.isEmpty();
    }

    /**
     * Adds to {@code out} every connection with a watch that may match a change of {@code name} (possibly more than
     * once, in no particular order).
     */
    void collect(String name, boolean exact, List<? super C> out) {
        addWatchers(name, out);
        if (exact) {
            return;
        }
        String node = name;
        while (!node.equals("/")) {
            node = Paths.parent(node);
            addWatchers(node, out);
        }
    }

    private void addWatchers(String path, List<? super C> out) {
        Map<C, Integer> watchers = byPath.get(path);
        if (watchers != null) {
            out.addAll(watchers.keySet());
        }
    }
}
