package io.xensim.testbed.fault;

import io.xensim.blk.back.Blkback;
import io.xensim.blk.back.BlkbackConfig;
import io.xensim.blk.back.ImageOpener;
import io.xensim.blk.front.BlkfrontConfig;
import io.xensim.blk.front.BlkfrontDevice;
import io.xensim.blk.front.BlkfrontDrivers;
import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.image.RawImage;
import io.xensim.blk.protocol.BlkifRing;
import io.xensim.testbed.scenario.DemoSteps;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ManualClock;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.bus.XenbusState;
import io.xensim.xenbus.event.SendFilter;
import io.xensim.xenbus.grant.MapResult;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import io.xensim.xenbus.toolstack.Toolstack;
import io.xensim.xenbus.toolstack.ToolstackConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * A connected blkfront/blkback pair for a fault to act on: dom0 runs the real blkback over a small sparse raw image
 * in a temporary directory, guest domid {@link #DOMID} runs the real blkfront with vbd {@code xvda} on one ring (one
 * queue, one page: {@link #RING_SIZE} slots, so a fault's effect is on a ring it knows), wired as
 * {@code xensim demo --blk} wires them (toolstack, {@code block} hotplug script, libxl's vbd keys).
 *
 * <p><b>Threading:</b> INVOKER mode: the thread that built the pair steps every domain through {@link #run} and
 * {@link #onGuest}; blkfront is only touched on the guest's executor.
 */
public final class BlkPair implements AutoCloseable {
    public static final int DOMID = 1;
    public static final String VDEV = "xvda";
    /** 4 MiB, sparse. */
    public static final long SECTORS = 8192;
    public static final int RING_SIZE = BlkifRing.RING_SIZE;

    private final Path dir;
    private final Path image;
    private final ManualClock clock = new ManualClock();
    private final Hypervisor hv;
    private final DemoSteps steps;
    private final Toolstack toolstack;
    private final ManagedDomain guest;
    private final int devid;

    private BlkPair() throws IOException {
        dir = Files.createTempDirectory("xensim-fault-");
        image = dir.resolve("xvda.img");
        RawImage.create(image, SECTORS, RawImage.Allocation.SPARSE).close();
        hv = Hypervisor.builder().threadingMode(ThreadingMode.INVOKER).clock(clock).build();
        steps = new DemoSteps(hv, clock);
        toolstack = Toolstack.start(hv, ToolstackConfig.defaults());
        steps.await(new Blkback(BlkbackConfig.defaults(), ImageOpener.raw()).install(toolstack));
        guest = steps.await(toolstack.createDomain(DomainConfig.of(DOMID, "guest" + DOMID, 16)));
        steps.await(guest.frontends().register(BlkfrontDrivers.frontend(BlkfrontConfig.DEFAULT.withMaxQueues(1))));
        var vbd = DeviceConfig.vbd(DOMID, 0, Blkback.disk(VDEV, image.toString()));
        devid = vbd.devid();
        steps.await(toolstack.addDevice(vbd));
        steps.runUntil(this::connected);
        if (!connected()) {
            close();
            throw new IllegalStateException("the pair did not connect");
        }
        run();
    }

    /** A connected pair; {@link #close()} it. */
    public static BlkPair connect() {
        try {
            return new BlkPair();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Hypervisor hypervisor() {
        return hv;
    }

    public Toolstack toolstack() {
        return toolstack;
    }

    public ManagedDomain guest() {
        return guest;
    }

    public int devid() {
        return devid;
    }

    /** Runs every domain until nothing is left to run. */
    public void run() {
        steps.runUntil(() -> !hv.hasPendingWork());
    }

    /** Runs every domain until {@code done} or nothing is left to run; whether {@code done} then holds. */
    public boolean runUntil(BooleanSupplier done) {
        steps.runUntil(() -> done.getAsBoolean() || !hv.hasPendingWork());
        return done.getAsBoolean();
    }

    /** Runs {@code action} on the guest's executor, with its blkfront, and returns its result. */
    public <T> T onGuest(Function<BlkfrontDevice, T> action) {
        return steps.onDomain(guest, () -> action.apply(front()));
    }

    /** Starts a write of {@code bytes} at {@code sector} on the guest; does not run the domains. */
    public CompletableFuture<BlkStatus> submitWrite(long sector, byte[] bytes) {
        var done = new CompletableFuture<BlkStatus>();
        guest.domain().executor().execute(() -> front().write(sector, MemorySegment.ofArray(bytes))
                .whenComplete((s, e) -> {
                    if (e != null) {
                        done.completeExceptionally(e);
                    } else {
                        done.complete(s);
                    }
                }));
        return done;
    }

    /** Drops (false) or delivers the guest's notifications to dom0 from now on. */
    public void guestToBackendEvents(SendFilter filter) {
        hv.eventChannels().sendFilter(filter);
    }

    /**
     * dom0 maps the guest's shared ring page ({@code ring-ref}), as blkback itself does, so a fault can write into it;
     * the mapping lives as long as the pair. The caller must be on dom0's thread or between steps.
     */
    public MemorySegment mapSharedRing() {
        int ref = ringRef();
        MapResult map = toolstack.dom0().domain().grantOps().mapGrantRef(DOMID, ref, 0);
        if (!map.ok()) {
            throw new IllegalStateException("cannot map ring-ref " + ref + ": status " + map.status());
        }
        return map.area();
    }

    /** The guest's grant reference of its one shared ring page. */
    public int ringRef() {
        return Integer.parseInt(steps.await(toolstack.xs().readOptional(frontendDir() + "/ring-ref")).orElseThrow());
    }

    public String frontendDir() {
        return "/local/domain/" + DOMID + "/device/vbd/" + devid;
    }

    /** The guest's event-channel port of its one ring. */
    public int guestPort() {
        return Integer.parseInt(steps.await(toolstack.xs().readOptional(frontendDir() + "/event-channel"))
                .orElseThrow());
    }

    /** The guest notifies its backend once more, as a re-kick of the ring (EVTCHNOP_send on its port). */
    public void kick() {
        int port = guestPort();
        steps.onDomain(guest, () -> guest.domain().eventChannels().send(port));
    }

    /** Whether the image file holds {@code bytes} at {@code sector}, read past blkfront and blkback. */
    public boolean imageHolds(long sector, byte[] bytes) {
        try (FileChannel file = FileChannel.open(image, StandardOpenOption.READ)) {
            ByteBuffer got = ByteBuffer.allocate(bytes.length);
            file.read(got, sector * 512);
            return Arrays.equals(got.array(), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean connected() {
        return guest.frontends().device(BlkfrontDrivers.TYPE, DOMID, devid)
                .map(d -> d.state() == XenbusState.CONNECTED).orElse(false);
    }

    public BlkfrontDevice front() {
        return BlkfrontDrivers.device(guest, devid).orElseThrow(
                () -> new IllegalStateException("no blkfront vbd/" + devid + " in d" + DOMID));
    }

    /** Bytes for a write: every byte derived from {@code seed}, so two writes differ. */
    public static byte[] pattern(int bytes, int seed) {
        byte[] b = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            b[i] = (byte) (seed * 31 + i / 512 + i);
        }
        return b;
    }

    @Override
    public void close() {
        hv.eventChannels().sendFilter(SendFilter.NONE);
        hv.close();
        try {
            Files.deleteIfExists(image);
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a temporary file left behind is only litter
        }
    }
}
