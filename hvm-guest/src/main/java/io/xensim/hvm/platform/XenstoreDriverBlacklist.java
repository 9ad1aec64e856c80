package io.xensim.hvm.platform;

import io.xensim.xenbus.bus.TracedXs;
import io.xensim.xenbus.store.client.XsClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The driver blacklist read from xenstore by the device model (which runs in dom0), as qemu-xen-traditional looks
 * up {@code /mh/driver-blacklist/<product>/<build>}. Because the guest's port write needs an answer at once, this
 * keeps a copy of the subtree: a watch on {@value DriverBlacklist#ROOT} (xenstore watches cover the subtree, and
 * fire once when set) re-reads the two levels of it, and {@link #isBlacklisted} looks at the latest copy. An entry
 * added while the guest runs counts from the moment the re-read completes.
 *
 * <p><b>Threading:</b> the watch and the re-reads run on dom0's executor; {@link #isBlacklisted} may run on any
 * thread (the guest vCPU's) and reads the copy through a volatile field.
 */
public final class XenstoreDriverBlacklist implements DriverBlacklist, AutoCloseable {
    static final String TOKEN = "xen-platform-driver-blacklist";

    private final TracedXs xs;
    private final AtomicLong generation = new AtomicLong();
    private volatile Set<String> present = Set.of();

    private XenstoreDriverBlacklist(TracedXs xs) {
        this.xs = xs;
    }

    /** Watches the blacklist through {@code xs} (dom0's connection); completes once the watch is set. */
    public static CompletableFuture<XenstoreDriverBlacklist> watch(TracedXs xs) {
        var blacklist = new XenstoreDriverBlacklist(Objects.requireNonNull(xs, "xs"));
        return xs.watch(ROOT, TOKEN, (path, token) -> blacklist.refresh()).thenApply(v -> blacklist);
    }

    @Override
    public boolean isBlacklisted(String product, long build) {
        return present.contains(DriverBlacklist.path(product, build));
    }

    /** The blacklist paths as last read. */
    public Set<String> entries() {
        return present;
    }

    /** Removes the watch; completes when xenstored has. */
    public CompletableFuture<Void> unwatch() {
        return xs.unwatch(ROOT, TOKEN);
    }

    @Override
    public void close() {
        unwatch();
    }

    // Re-read both levels; a read overtaken by a later one is dropped. A missing directory is an empty list.
    private void refresh() {
        long mine = generation.incrementAndGet();
        list(ROOT).thenCompose(products -> {
            List<CompletableFuture<List<String>>> builds = new ArrayList<>();
            for (String product : products) {
                builds.add(list(ROOT + "/" + product)
                        .thenApply(ids -> ids.stream().map(id -> ROOT + "/" + product + "/" + id).toList()));
            }
            return CompletableFuture.allOf(builds.toArray(CompletableFuture[]::new))
                    .thenApply(v -> builds.stream().flatMap(f -> f.join().stream()).toList());
        }).thenAccept(paths -> {
            if (generation.get() == mine) {
                present = Set.copyOf(paths);
            }
        });
    }

    private CompletableFuture<List<String>> list(String path) {
        return xs.directory(XsClient.NO_TX, path).exceptionally(err -> List.of());
    }
}
