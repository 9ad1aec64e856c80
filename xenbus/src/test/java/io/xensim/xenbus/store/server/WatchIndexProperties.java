package io.xensim.xenbus.store.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The index finds exactly the watches a full scan with {@link Paths#isChild} (C {@code fire_watches()}'s walk of
 * every connection's list) finds, in the same order, for any watches, removals and changed names.
 */
class WatchIndexProperties {
    /** A watch of connection {@code conn} ("a" to "d", attached in that order) on {@code path}. */
    record W(String conn, String path, String token) {}

    @Property
    void findsWhatAScanFindsInItsOrder(@ForAll("watches") List<W> watches, @ForAll("removals") List<Integer> removals,
            @ForAll("paths") String name, @ForAll boolean exact) {
        var index = new WatchIndex<String>(conn -> conn.charAt(0));
        List<W> live = new ArrayList<>();
        for (W w : watches) {
            if (live.stream().noneMatch(l -> l.conn().equals(w.conn()) && l.path().equals(w.path())
                    && l.token().equals(w.token()))) {   // xenstored refuses a duplicate with EEXIST
                live.add(w);
                index.added(w.conn(), new Watch(w.path(), w.token(), null));
            }
        }
        for (int r : removals) {
            if (!live.isEmpty()) {
                W w = live.remove(r % live.size());
                index.removed(w.conn(), new Watch(w.path(), w.token(), null));
            }
        }
        // The scan: connections in attach order, each one's watches in registration order.
        List<String> scanned = new ArrayList<>();
        for (String conn : List.of("a", "b", "c", "d")) {
            for (W w : live) {
                if (w.conn().equals(conn) && (exact ? name.equals(w.path()) : Paths.isChild(name, w.path()))) {
                    scanned.add(conn + " " + w.path() + " " + w.token());
                }
            }
        }
        List<String> found = new ArrayList<>();
        for (var m : index.matches(name, exact)) {
            m.watches().forEach(w -> found.add(m.connection() + " " + w.path() + " " + w.token()));
        }

        assertThat(found).isEqualTo(scanned);
        assertThat(index.isEmpty()).isEqualTo(live.isEmpty());
    }

    @Provide
    Arbitrary<List<W>> watches() {
        return Combinators.combine(Arbitraries.of("a", "b", "c", "d"), paths(), Arbitraries.of("t1", "t2"))
                .as(W::new).list().ofMaxSize(16);
    }
    @Provide
    Arbitrary<List<Integer>> removals() {
        return Arbitraries.integers().between(0, 100).list().ofMaxSize(6);
    }

    /** Short paths over few names, so that watches and changes overlap often; with the root and special nodes. */
    @Provide
    Arbitrary<String> paths() {
        Arbitrary<String> nested = Arbitraries.of("local", "domain", "1", "vif", "x")
                .list().ofMinSize(1).ofMaxSize(4).map(parts -> "/" + String.join("/", parts));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, nested),
                net.jqwik.api.Tuple.of(1, Arbitraries.just("/")),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("@introduceDomain", "@releaseDomain")));
    }
}
