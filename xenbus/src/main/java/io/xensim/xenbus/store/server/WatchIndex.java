package io.xensim.xenbus.store.server;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * Which connections watch which paths, so that a change finds its watches by looking up the changed node and its
 * ancestors (a handful of paths) instead of scanning every connection's every watch. C xenstored's
 * {@code fire_watches()} walks the whole connection list and each connection's watch list for each change: the
 * same answer at O(watches) per write, and with a thousand guests (each a connection with watches, and dom0's
 * backends holding a few watches per guest) it made a boot O(guests²). The events and their order do not change:
 * {@link #matches} gives the connections in connection order and each one's watches in registration order, the
 * order of C's lists.
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
    /** A connection's watches that match one change, in registration order. */
    record Match<C>(C connection, List<Watch> watches) {}

    /** A watch and when it was registered (its place in its connection's list). */
    private record Entry(Watch watch, long seq) {}

    /** Watch path → the connections with a watch on it → those watches (one per token). */
    private final Map<String, Map<C, List<Entry>>> byPath = new HashMap<>();
    private final ToLongFunction<C> connectionOrder;
    private long registrations;

    /** {@code connectionOrder}: a connection's place in the connection list (C's {@code connections}). */
    WatchIndex(ToLongFunction<C> connectionOrder) {
        this.connectionOrder = connectionOrder;
    }

    void added(C c, Watch w) {
        byPath.computeIfAbsent(w.path(), k -> new HashMap<>()).computeIfAbsent(c, k -> new ArrayList<>(1))
                .add(new Entry(w, registrations++));
    }

    void removed(C c, Watch w) {
        Map<C, List<Entry>> watchers = byPath.get(w.path());
        if (watchers == null) {
            return;
        }
        List<Entry> entries = watchers.get(c);
        if (entries == null) {
            return;
        }
        entries.removeIf(e -> e.watch().equals(w));
        if (entries.isEmpty()) {
            watchers.remove(c);
            if (watchers.isEmpty()) {
                byPath.remove(w.path());
            }
        }
    }

    boolean isEmpty() {
        return byPath.isEmpty();
    }

    /**
     * The watches matching a change of {@code name}, by connection in connection order, each connection's in
     * registration order; empty when none matches.
     */
    List<Match<C>> matches(String name, boolean exact) {
        if (byPath.isEmpty()) {
            return List.of();
        }
        Map<C, List<Entry>> found = null;
        String node = name;
        while (true) {
            Map<C, List<Entry>> watchers = byPath.get(node);
            if (watchers != null) {
                if (found == null) {
                    found = new HashMap<>();
                }
                for (var e : watchers.entrySet()) {
                    found.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).addAll(e.getValue());
                }
            }
            if (exact || node.equals("/")) {
                break;
            }
            node = Paths.parent(node);
        }
        if (found == null) {
            return List.of();
        }
        List<Match<C>> out = new ArrayList<>(found.size());
        for (var e : found.entrySet()) {
            List<Entry> entries = e.getValue();
            if (entries.size() > 1) {
                entries.sort(Comparator.comparingLong(Entry::seq));
            }
            List<Watch> watches = new ArrayList<>(entries.size());
            for (Entry entry : entries) {
                watches.add(entry.watch());
            }
            out.add(new Match<>(e.getKey(), watches));
        }
        if (out.size() > 1) {
            out.sort(Comparator.comparingLong(m -> connectionOrder.applyAsLong(m.connection())));
        }
        return out;
    }
}
