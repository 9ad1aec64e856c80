package io.xensim.blk.front;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Which of the keys a previous connection published a new one must remove, so that a backend coming back reads
 * only the new connection's: {@code multi-queue-num-queues} and whole {@code queue-N/} directories after a move to
 * fewer rings, {@code ring-ref0..N} after a smaller ring, {@code ring-page-order} after a one-page ring. Linux needs
 * no such step (after a save/restore or migration the toolstack writes the frontend's directory afresh); here a
 * backend restart rewrites only the backend's directory. Pure.
 *
 * <p><b>Threading:</b> stateless.
 */
final class BlkfrontKeys {
    private BlkfrontKeys() {
    }

    /** Paths (relative to the frontend's directory) in {@code previous} and not in {@code next}, a directory once. */
    static List<String> stale(Collection<String> previous, Collection<String> next) {
        List<String> stale = new ArrayList<>();
        for (String old : previous) {
            if (next.contains(old)) {
                continue;
            }
            int slash = old.indexOf('/');
            String dir = slash < 0 ? null : old.substring(0, slash);
            boolean dirKept = dir != null && next.stream().anyMatch(k -> k.startsWith(dir + "/"));
            String path = dir == null || dirKept ? old : dir;
            if (!stale.contains(path)) {
                stale.add(path);
            }
        }
        return stale;
    }
}
