package io.xensim.xenbus.store.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The index finds exactly the connections a full scan with {@link Paths#isChild} (C {@code fire_watches()}'s test)
 * would find, for any set of watches, removals and changed names.
 */
class WatchIndexProperties {
    /** A watch of connection {@code conn} on {@code path}. */
    record W(String conn, String path) {}

    @Property
    void findsWhatAScanFinds(@ForAll("watches") List<W> watches, @ForAll("removals") List<Integer> removals,
            @ForAll("paths") String name, @ForAll boolean exact) {
        var index = new WatchIndex<String>();
        List<W> live = new ArrayList<>(watches);
        watches.forEach(w -> index.added(w.conn(), w.path()));
        for (int r : removals) {
            if (!live.isEmpty()) {
                W w = live.remove(r % live.size());
                index.removed(w.conn(), w.path());
            }
        }
        Set<String> scanned = new TreeSet<>();
        for (W w : live) {
            if (exact ? name.equals(w.path()) : Paths.isChild(name, w.path())) {
                scanned.add(w.conn());
            }
        }
        List<String> found = new ArrayList<>();
        index.collect(name, exact, found);

        assertThat(new TreeSet<>(found)).isEqualTo(scanned);
        assertThat(index.isEmpty()).isEqualTo(live.isEmpty());
    }

    @Provide
    Arbitrary<List<W>> watches() {
        return Combinators.combine(Arbitraries.of("a", "b", "c", "d"), paths()).as(W::new).list().ofMaxSize(12);
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
