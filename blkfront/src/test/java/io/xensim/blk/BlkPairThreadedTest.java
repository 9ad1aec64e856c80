package io.xensim.blk;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.back.Blkback;
import io.xensim.blk.back.BlkbackConfig;
import io.xensim.blk.back.ImageOpener;
import io.xensim.blk.front.BlkfrontConfig;
import io.xensim.blk.front.BlkfrontDevice;
import io.xensim.blk.front.BlkfrontDrivers;
import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.image.RawImage;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import io.xensim.xenbus.toolstack.Toolstack;
import io.xensim.xenbus.trace.TraceEvent;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real pair in DEDICATED mode (dom0 and each guest on a thread of its own) over raw image files: two guests
 * write and read their disks at once, hundreds of operations in flight over four rings each, then one guest's
 * backend is restarted while its writes are in flight. Every operation completes OK exactly once and every byte is
 * where the model says, in the guest's reads and in the files. Bounded by {@link Timeout}.
 */
@Timeout(90)
class BlkPairThreadedTest {
    private static final long SECTORS = 8192;   // 4 MiB
    private static final int SLOTS = 256;
    private static final int SLOT_SECTORS = (int) (SECTORS / SLOTS);

    @TempDir
    Path dir;

    @RepeatedTest(3)
    void twoGuestsAtOnceOnThreadsOfTheirOwnThenARestartUnderLoad() throws Exception {
        run(true);
    }

    /**
     * The same with the backend brought back at once, racing the frontend's reaction to its going. This once failed
     * two ways: the new blkback read the frontend's stale Connected state and the old connection's ring refs (map
     * failed, {@code xenbus_dev_fatal}), and two of the frontend's state writes overlapped so that the second judged
     * its transition from a stale value. The toolstack's restore now waits for the frontend to let go of the old
     * connection, and a device's state writes run one at a time.
     */
    @RepeatedTest(3)
    void restartRacingTheFrontendsReaction() throws Exception {
        run(false);
    }

    private void run(boolean settle) throws Exception {
        var connected = new CountDownLatch(4);
        var recovered = new CountDownLatch(1);
        var log = new ConcurrentLinkedQueue<TraceEvent>();
        try (var hv = Hypervisor.builder().threadingMode(ThreadingMode.DEDICATED).tracer(e -> {
            if (e.kind() == TraceEvent.Kind.STATE || e.kind() == TraceEvent.Kind.INFO) {
                log.add(e);
            }
            if (e.kind() == TraceEvent.Kind.STATE && e.detail().contains("-> Connected")) {
                connected.countDown();
            }
            if (e.kind() == TraceEvent.Kind.INFO && e.detail().startsWith("blkif_recover: ")) {
                recovered.countDown();
            }
        }).build()) {
            var toolstack = Toolstack.start(hv);
            var blkback = new Blkback(BlkbackConfig.defaults(), ImageOpener.raw());
            toolstack.await(blkback.install(toolstack));
            Path[] images = new Path[3];
            ManagedDomain[] guests = new ManagedDomain[3];
            for (int domid = 1; domid <= 2; domid++) {
                images[domid] = dir.resolve("dom" + domid + ".img");
                RawImage.create(images[domid], SECTORS, RawImage.Allocation.SPARSE).close();
                guests[domid] = toolstack.await(toolstack.createDomain(DomainConfig.of(domid, "guest" + domid, 16)));
                toolstack.await(guests[domid].frontends().register(BlkfrontDrivers.frontend(
                        BlkfrontConfig.DEFAULT.withMaxRingPageOrder(domid))));
                toolstack.await(toolstack.addDevice(DeviceConfig.vbd(domid, 0,
                        BlkPair.xvda(images[domid].toString()))));
            }
            assertThat(connected.await(30, TimeUnit.SECONDS)).as("both vbds Connected, both ends").isTrue();
            byte[][] models = {null, new byte[(int) SECTORS * 512], new byte[(int) SECTORS * 512]};

            // Both guests write every slot at once, then read every slot back at once.
            var w1 = onAsync(guests[1], () -> writeAll(guests[1], models[1], 1));
            var w2 = onAsync(guests[2], () -> writeAll(guests[2], models[2], 2));
            assertOk(w1.get(30, TimeUnit.SECONDS));
            assertOk(w2.get(30, TimeUnit.SECONDS));
            for (int domid = 1; domid <= 2; domid++) {
                ManagedDomain g = guests[domid];
                MemorySegment whole = MemorySegment.ofArray(new byte[(int) SECTORS * 512]);
                var reads = onAsync(g, () -> readAll(g, whole)).get(30, TimeUnit.SECONDS);
                assertOk(reads);
                assertThat(Arrays.equals(whole.toArray(ValueLayout.JAVA_BYTE), models[domid]))
                        .as("dom%d reads its writes", domid).isTrue();
            }

            // Guest 1 writes again while the toolstack restarts its backend; guest 2 goes on beside it.
            var again1 = onAsync(guests[1], () -> writeAll(guests[1], models[1], 3));
            var again2 = onAsync(guests[2], () -> writeAll(guests[2], models[2], 4));
            var futures1 = again1.get(30, TimeUnit.SECONDS);
            toolstack.await(toolstack.removeBackend("vbd", 1, BlkPair.XVDA));
            if (settle) {
                // The frontend has seen its backend go (xenstore says Closed) before the toolstack brings it back.
                String state = BlkPair.frontendPath(1) + "/state";
                assertThat(until(() -> "6".equals(toolstack.await(toolstack.xs().readOptional(state)).orElse(null))))
                        .as("dom1's frontend Closed").isTrue();
            }
            toolstack.await(toolstack.restoreBackend("vbd", 1, BlkPair.XVDA));
            boolean ok = recovered.await(10, TimeUnit.SECONDS);
            if (!ok) {
                log.forEach(e -> System.out.println("TRACE " + e));
            }
            assertThat(ok).as("dom1 recovered").isTrue();
            assertOk(futures1);
            assertOk(again2.get(30, TimeUnit.SECONDS));
            for (int domid = 1; domid <= 2; domid++) {
                ManagedDomain g = guests[domid];
                MemorySegment whole = MemorySegment.ofArray(new byte[(int) SECTORS * 512]);
                assertOk(onAsync(g, () -> readAll(g, whole)).get(30, TimeUnit.SECONDS));
                assertThat(Arrays.equals(whole.toArray(ValueLayout.JAVA_BYTE), models[domid]))
                        .as("dom%d after the restart", domid).isTrue();
                assertThat(Arrays.equals(Files.readAllBytes(images[domid]), models[domid]))
                        .as("dom%d's image file", domid).isTrue();
            }
            toolstack.close();
            assertThat(hv.uncaughtErrors()).as("no domain's work failed").isEmpty();
        }
    }

    /** Polls {@code condition} until it holds, for at most 30 s. */
    private static boolean until(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1)); // a bounded poll
        }
        return true;
    }

    private static void assertOk(List<CompletableFuture<BlkStatus>> futures) throws Exception {
        for (var f : futures) {
            assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(BlkStatus.OK);
        }
    }

    /** On the guest: one write per slot, each a random length inside its slot, all submitted before any completes. */
    private static List<CompletableFuture<BlkStatus>> writeAll(ManagedDomain g, byte[] model, long seed) {
        Random rnd = new Random(seed);
        BlkfrontDevice d = front(g);
        List<CompletableFuture<BlkStatus>> out = new ArrayList<>();
        for (int slot = 0; slot < SLOTS; slot++) {
            int sectors = 1 + rnd.nextInt(SLOT_SECTORS);
            long sector = (long) slot * SLOT_SECTORS + rnd.nextInt(SLOT_SECTORS - sectors + 1);
            byte[] data = new byte[sectors * 512];
            rnd.nextBytes(data);
            System.arraycopy(data, 0, model, (int) sector * 512, data.length);
            out.add(d.write(sector, MemorySegment.ofArray(data)));
        }
        return out;
    }

    /** On the guest: the whole disk, one read per slot. */
    private static List<CompletableFuture<BlkStatus>> readAll(ManagedDomain g, MemorySegment whole) {
        BlkfrontDevice d = front(g);
        List<CompletableFuture<BlkStatus>> out = new ArrayList<>();
        for (int slot = 0; slot < SLOTS; slot++) {
            long sector = (long) slot * SLOT_SECTORS;
            out.add(d.read(sector, whole.asSlice(sector * 512, SLOT_SECTORS * 512L)));
        }
        return out;
    }

    private static BlkfrontDevice front(ManagedDomain g) {
        return BlkfrontDrivers.device(g, BlkPair.XVDA).orElseThrow();
    }

    private static <T> CompletableFuture<T> onAsync(ManagedDomain d, Supplier<T> action) {
        var result = new CompletableFuture<T>();
        d.domain().executor().execute(() -> {
            try {
                result.complete(action.get());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }
}
