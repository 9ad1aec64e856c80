package io.xensim.testbed.fault;

import io.xensim.blk.front.BlkfrontDrivers;
import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.back.Blkback;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Kill and restart a backend: the toolstack removes blkback's directory ({@code removeBackend}, as when a driver
 * domain dies) while the guest has writes to submit, then writes it back ({@code restoreBackend}). blkfront must
 * reconnect ({@code blkfront_resume}, {@code blkif_recover} re-queue what was in flight) and lose nothing: every
 * write completes once, OK, and is in the image.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/block/xen-blkfront.c ({@code blkback_changed}, {@code blkfront_resume},
 * {@code blkif_recover}).
 */
public record BackendRestart(int writes) implements Fault {
    public static final int BYTES = 8192;

    public BackendRestart {
        if (writes < 1) {
            throw new IllegalArgumentException("writes: " + writes + " (expected: >= 1)");
        }
    }

    @Override
    public String name() {
        return "blk: backend killed and restarted with " + writes + " writes in flight";
    }

    @Override
    public String expected() {
        return "reconnect, nothing lost: every write completes once with OK and is in the image";
    }

    @Override
    public Outcome inject() {
        try (var pair = BlkPair.connect()) {
            var ts = pair.toolstack();
            var removal = ts.removeBackend(BlkfrontDrivers.TYPE, BlkPair.DOMID, pair.devid());
            pair.runUntil(() -> Blkback.device(ts, BlkPair.DOMID, pair.devid()).isEmpty());
            List<CompletableFuture<BlkStatus>> done = new ArrayList<>();
            for (int i = 0; i < writes; i++) {
                done.add(pair.submitWrite(sector(i), BlkPair.pattern(BYTES, i)));
            }
            pair.runUntil(removal::isDone);
            pair.run();
            long early = done.stream().filter(CompletableFuture::isDone).count();
            var restore = ts.restoreBackend(BlkfrontDrivers.TYPE, BlkPair.DOMID, pair.devid());
            pair.runUntil(() -> restore.isDone() && done.stream().allMatch(CompletableFuture::isDone));
            pair.run();
            long ok = done.stream().filter(f -> f.isDone() && f.join() == BlkStatus.OK).count();
            int inImage = 0;
            for (int i = 0; i < writes; i++) {
                inImage += pair.imageHolds(sector(i), BlkPair.pattern(BYTES, i)) ? 1 : 0;
            }
            int recoveries = pair.onGuest(f -> f.recoveries());
            boolean passed = early == 0 && ok == writes && inImage == writes && pair.connected() && recoveries >= 1;
            return Outcome.check(passed, "reconnected " + pair.connected() + ", recoveries " + recoveries + ", "
                    + early + " completed while the backend was away, " + ok + "/" + writes + " OK, " + inImage
                    + "/" + writes + " in the image");
        }
    }

    private static long sector(int i) {
        return 1024 + (long) i * BYTES / 512;
    }
}
