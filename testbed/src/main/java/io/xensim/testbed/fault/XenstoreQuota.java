package io.xensim.testbed.fault;

import io.xensim.blk.guest.BlkStatus;
import io.xensim.xenbus.store.client.XsErrorException;
import io.xensim.xenbus.store.wire.XsError;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Push a domain over a xenstore quota: the guest writes a node of {@link #BYTES} bytes under its own home, past
 * {@code quota_max_entry_size} (2048 bytes a record, C xenstored's default). The write must fail with ENOSPC and
 * store nothing; the guest's xenstore connection and its block device keep working.
 *
 * <p><b>Reference:</b> xen tools/xenstore/xenstored_core.c ({@code write_node_raw}: {@code quota_max_entry_size}).
 */
public record XenstoreQuota() implements Fault {
    public static final int BYTES = 2100; // over the quota, under XENSTORE_PAYLOAD_MAX (4096: past that the ring is dropped)

    @Override
    public String name() {
        return "xenstore: the guest writes a " + BYTES + "-byte node, over the node-size quota";
    }

    @Override
    public String expected() {
        return "the write fails with ENOSPC, nothing is stored; a small write and the guest's disk still work";
    }

    @Override
    public Outcome inject() {
        try (var pair = BlkPair.connect()) {
            var xs = pair.guest().xs();
            String home = "/local/domain/" + BlkPair.DOMID + "/data/";
            CompletableFuture<Void> big = pair.onGuest(f -> xs.write(home + "big", "x".repeat(BYTES)));
            pair.runUntil(big::isDone);
            String error = error(big);
            var stored = pair.onGuest(f -> xs.readOptional(home + "big"));
            pair.runUntil(stored::isDone);
            CompletableFuture<Void> small = pair.onGuest(f -> xs.write(home + "small", "ok"));
            pair.runUntil(small::isDone);
            var write = pair.submitWrite(64, BlkPair.pattern(4096, 1));
            pair.runUntil(write::isDone);
            boolean nothingStored = stored.isDone() && stored.join().isEmpty();
            boolean smallOk = small.isDone() && !small.isCompletedExceptionally();
            boolean diskOk = write.isDone() && write.join() == BlkStatus.OK;
            return Outcome.check(error.equals(XsError.ENOSPC.name()) && nothingStored && smallOk && diskOk,
                    "the write failed with " + error + ", stored nothing " + nothingStored + ", small write OK "
                            + smallOk + ", disk write OK " + diskOk);
        }
    }

    private static String error(CompletableFuture<?> f) {
        if (!f.isDone()) {
            return "nothing (still waiting)";
        }
        try {
            f.join();
            return "nothing (it succeeded)";
        } catch (CompletionException e) {
            return e.getCause() instanceof XsErrorException x ? x.errorName() : String.valueOf(e.getCause());
        }
    }
}
