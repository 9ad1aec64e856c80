package io.xensim.blk.external;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.BlkPair;
import io.xensim.blk.back.Blkback;
import io.xensim.blk.back.BlkbackConfig;
import io.xensim.blk.back.ImageOpener;
import io.xensim.blk.front.BlkfrontConfig;
import io.xensim.blk.front.BlkfrontDevice;
import io.xensim.blk.front.BlkfrontDrivers;
import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.image.RawImage;
import io.xensim.testkit.HostTools;
import io.xensim.testkit.OutsidePrograms;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.attach.AttachLibrary;
import io.xensim.xenbus.attach.AttachServer;
import io.xensim.xenbus.attach.Detached;
import io.xensim.xenbus.store.socket.XenstoredSocketServer;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import io.xensim.xenbus.toolstack.Toolstack;
import io.xensim.xenbus.trace.TraceEvent;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A C blkback outside the JVM ({@code testkit/src/main/c/blkback.c}: libxenstore, libxengnttab, libxenevtchn, BACK_RING
 * and blkif.h from Debian's libxen-dev) serving the real Java blkfront of guest 1, through the attach socket and
 * xenstored's Unix socket, with the guest's memory in a file the C process maps. Needs gcc and libxen-dev.
 *
 * <p>DEDICATED mode: every domain on its own thread, the C process on its own; waits are latches on trace events
 * and bounded polls.
 */
class CBlkbackTest {
    private static final int DOMID = 1;
    private static final long SECTORS = 8192; // 4 MiB
    private static final int SLOTS = 16;
    private static final int SLOT_SECTORS = (int) (SECTORS / SLOTS);

    @TempDir
    Path dir;

    private Path library;
    private Path blkback;
    private Path image;
    private Hypervisor hv;
    private Toolstack toolstack;
    private XenstoredSocketServer xenstored;
    private AttachServer attach;
    private ManagedDomain guest;
    private final List<Process> processes = new ArrayList<>();
    private final BlockingQueue<Detached> detached = new LinkedBlockingQueue<>();
    private final CountDownLatch connected = new CountDownLatch(1);
    private final CountDownLatch recovered = new CountDownLatch(1);

    @BeforeEach
    void setUp() throws IOException {
        HostTools.requireGccAndXenHeaders();
        library = AttachLibrary.build(dir.resolve("lib"));
        blkback = OutsidePrograms.build(OutsidePrograms.BLKBACK, dir.resolve("bin"), "xenstore", "xengnttab",
                "xenevtchn");
        image = dir.resolve("xvda.img");
        RawImage.create(image, SECTORS, RawImage.Allocation.SPARSE).close();
        hv = Hypervisor.builder().threadingMode(ThreadingMode.DEDICATED).tracer(e -> {
            if (e.kind() == TraceEvent.Kind.STATE && e.domid() == DOMID && e.detail().contains("-> Connected")) {
                connected.countDown();
            }
            if (e.kind() == TraceEvent.Kind.INFO && e.detail().startsWith("blkif_recover: ")) {
                recovered.countDown();
            }
        }).build();
        toolstack = Toolstack.start(hv);
        xenstored = XenstoredSocketServer.start(toolstack.xenstored(), dir.resolve("xenstored.sock"));
        attach = AttachServer.start(hv, dir.resolve("attach.sock")).allow(Toolstack.DOM0).onDetach(d -> {
            detached.add(d);
            // The backend vanished as a crashed driver domain does: the toolstack removes its directory.
            toolstack.removeBackend("vbd", DOMID, BlkPair.XVDA);
        });
        guest = toolstack.await(toolstack.createDomain(DomainConfig.of(DOMID, "guest1", 16)
                .withMemoryFile(dir.resolve("guest1.mem"))));
        toolstack.await(guest.frontends().register(BlkfrontDrivers.frontend(
                BlkfrontConfig.DEFAULT.withMaxQueues(1))));
        toolstack.await(toolstack.addDevice(DeviceConfig.vbd(DOMID, 0, BlkPair.xvda(image.toString()))));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Process p : processes) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (attach != null) {
            attach.close();
        }
        if (xenstored != null) {
            xenstored.close();
        }
        if (toolstack != null) {
            toolstack.close();
        }
        if (hv != null) {
            hv.close();
        }
    }

    private Process startBlkback(String... flags) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(blkback.toString());
        command.add("/local/domain/0/backend/vbd/" + DOMID + "/" + BlkPair.XVDA);
        command.addAll(List.of(flags));
        var builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("blkback-" + processes.size() + ".log").toFile());
        builder.environment().putAll(AttachLibrary.environment(library, attach.socketPath(),
                xenstored.socketPath(), Toolstack.DOM0));
        Process p = builder.start();
        processes.add(p);
        return p;
    }

    private String logs() throws IOException {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < processes.size(); i++) {
            Path log = dir.resolve("blkback-" + i + ".log");
            out.append("--- blkback ").append(i).append('\n').append(Files.exists(log) ? Files.readString(log) : "");
        }
        return out.toString();
    }

    @Test
    void diskRoundTripsThroughTheCBackend() throws Exception {
        startBlkback();
        assertThat(connected.await(30, TimeUnit.SECONDS)).as("blkfront Connected to the C blkback\n%s", logs())
                .isTrue();
        byte[] model = new byte[(int) SECTORS * 512];
        assertOk(on(() -> writeAll(model, 1)).get(30, TimeUnit.SECONDS));
        MemorySegment whole = MemorySegment.ofArray(new byte[model.length]);
        assertOk(on(() -> readAll(whole)).get(30, TimeUnit.SECONDS));
        assertThat(Arrays.equals(whole.toArray(ValueLayout.JAVA_BYTE), model)).as("reads return the writes").isTrue();
        assertThat(Arrays.equals(Files.readAllBytes(image), model)).as("the image file holds the writes").isTrue();
    }

    @Test
    void killingTheCBackendMidIoRecoversWithNothingLost() throws Exception {
        killMidIoThenRecover(false);
    }

    @Test
    void aJavaBlkbackCanTakeOverFromAKilledCBackend() throws Exception {
        killMidIoThenRecover(true);
    }

    private void killMidIoThenRecover(boolean javaBackendAfter) throws Exception {
        // Writes of up to 32 pages take up to three requests each (11 segments, no indirect descriptors).
        Process first = startBlkback("--stall-after", "8");
        assertThat(connected.await(30, TimeUnit.SECONDS)).as("connected\n%s", logs()).isTrue();
        byte[] model = new byte[(int) SECTORS * 512];
        List<CompletableFuture<BlkStatus>> writes = on(() -> writeAll(model, 2)).get(30, TimeUnit.SECONDS);
        assertThat(until(() -> writes.getFirst().isDone())).as("the first write answered\n%s", logs()).isTrue();
        assertThat(writes.getLast().isDone()).as("the last write still in flight").isFalse();

        first.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // kill -9
        Detached gone = detached.poll(30, TimeUnit.SECONDS);
        assertThat(gone).as("the attach server saw the process go").isNotNull();
        assertThat(gone.domid()).isEqualTo(Toolstack.DOM0);
        assertThat(gone.mapsOutstanding()).as("the ring page was still mapped").isGreaterThanOrEqualTo(1);
        assertThat(gone.portsClosed()).as("its port was still bound").isEqualTo(1);

        if (javaBackendAfter) {
            toolstack.await(new Blkback(BlkbackConfig.defaults(), ImageOpener.raw()).install(toolstack));
        }
        toolstack.await(toolstack.restoreBackend("vbd", DOMID, BlkPair.XVDA));
        if (!javaBackendAfter) {
            startBlkback();
        }
        assertThat(recovered.await(30, TimeUnit.SECONDS)).as("blkfront recovered\n%s", logs()).isTrue();
        assertOk(writes);
        MemorySegment whole = MemorySegment.ofArray(new byte[model.length]);
        assertOk(on(() -> readAll(whole)).get(30, TimeUnit.SECONDS));
        assertThat(Arrays.equals(whole.toArray(ValueLayout.JAVA_BYTE), model)).as("nothing lost").isTrue();
        assertThat(Arrays.equals(Files.readAllBytes(image), model)).as("the image file").isTrue();
    }

    @Test
    void aResponseWithAnIdNeverIssuedDisablesBlkfront() throws Exception {
        startBlkback("--bad-id");
        assertThat(connected.await(30, TimeUnit.SECONDS)).as("connected\n%s", logs()).isTrue();
        var write = on(() -> front().write(0, MemorySegment.ofArray(new byte[4096]))).get(30, TimeUnit.SECONDS);
        assertThat(write.get(30, TimeUnit.SECONDS)).isEqualTo(BlkStatus.DISABLED);
        assertThat(on(() -> front().blkifState()).get(30, TimeUnit.SECONDS))
                .isEqualTo(BlkfrontDevice.BlkifState.ERROR);
        assertThat(on(() -> front().blkifStateReason()).get(30, TimeUnit.SECONDS)).contains("id");
    }

    private BlkfrontDevice front() {
        return BlkfrontDrivers.device(guest, BlkPair.XVDA).orElseThrow();
    }

    /** On the guest: one write per slot, random length and place inside it, all submitted before any completes. */
    private List<CompletableFuture<BlkStatus>> writeAll(byte[] model, long seed) {
        Random rnd = new Random(seed);
        List<CompletableFuture<BlkStatus>> out = new ArrayList<>();
        for (int slot = 0; slot < SLOTS; slot++) {
            int sectors = 1 + rnd.nextInt(SLOT_SECTORS);
            long sector = (long) slot * SLOT_SECTORS + rnd.nextInt(SLOT_SECTORS - sectors + 1);
            byte[] data = new byte[sectors * 512];
            rnd.nextBytes(data);
            System.arraycopy(data, 0, model, (int) sector * 512, data.length);
            out.add(front().write(sector, MemorySegment.ofArray(data)));
        }
        return out;
    }

    private List<CompletableFuture<BlkStatus>> readAll(MemorySegment whole) {
        List<CompletableFuture<BlkStatus>> out = new ArrayList<>();
        for (int slot = 0; slot < SLOTS; slot++) {
            long sector = (long) slot * SLOT_SECTORS;
            out.add(front().read(sector, whole.asSlice(sector * 512, SLOT_SECTORS * 512L)));
        }
        return out;
    }

    private static void assertOk(List<CompletableFuture<BlkStatus>> futures) throws Exception {
        for (var f : futures) {
            assertThat(f.get(30, TimeUnit.SECONDS)).isEqualTo(BlkStatus.OK);
        }
    }

    /** Runs {@code action} on the guest's thread. */
    private <T> CompletableFuture<T> on(Supplier<T> action) {
        var result = new CompletableFuture<T>();
        guest.domain().executor().execute(() -> {
            try {
                result.complete(action.get());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result;
    }

    /** Polls {@code condition} until it holds, for at most 30 s. */
    private static boolean until(BooleanSupplier condition) {
        return OutsidePrograms.await(Duration.ofSeconds(30), condition);
    }
}
