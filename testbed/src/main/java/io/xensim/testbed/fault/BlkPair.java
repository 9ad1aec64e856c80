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
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.bus.XenbusState;
import io.xensim.xenbus.event.SendFilter;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import io.xensim.xenbus.toolstack.Toolstack;
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
    private final FaultHost host;
    private final Toolstack toolstack;
    private final ManagedDomain guest;
    private final int devid;

    private BlkPair() throws IOException {
        dir = Files.createTempDirectory("xensim-fault-");
        image = dir.resolve("xvda.img");
        RawImage.create(image, SECTORS, RawImage.Allocation.SPARSE).close();
        host = new FaultHost();
        toolstack = host.toolstack();
        host.await(new Blkback(BlkbackConfig.defaults(), ImageOpener.raw()).install(toolstack));
        guest = host.guest(DOMID, BlkfrontDrivers.frontend(BlkfrontConfig.DEFAULT.withMaxQueues(1)));
        var vbd = DeviceConfig.vbd(DOMID, 0, Blkback.disk(VDEV, image.toString()));
        devid = vbd.devid();
        host.await(toolstack.addDevice(vbd));
        host.runUntil(this::connected);
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

    FaultHost host() {
        return host;
    }

    public Hypervisor hypervisor() {
        return host.hypervisor();
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
        host.run();
    }

    /** Runs every domain until {@code done} or nothing is left to run; whether {@code done} then holds. */
    public boolean runUntil(BooleanSupplier done) {
        return host.runUntil(done);
    }

    /** Moves the clock past the toolstack's timeouts (libxl's 10 s) and lets them fire. */
    public void expireTimeouts() {
        host.expireTimeouts();
    }

    /** Runs {@code action} on the guest's executor, with its blkfront, and returns its result. */
    public <T> T onGuest(Function<BlkfrontDevice, T> action) {
        return host.onDomain(guest, () -> action.apply(front()));
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
        host.events(filter);
    }

    /**
     * dom0 maps the guest's shared ring page ({@code ring-ref}), as blkback itself does, so a fault can write into it;
     * the mapping lives as long as the pair. The caller must be on dom0's thread or between host.
     */
    public MemorySegment mapSharedRing() {
        return host.mapFromDom0(DOMID, ringRef());
    }

    /** The guest's grant reference of its one shared ring page. */
    public int ringRef() {
        return Integer.parseInt(host.read(frontendDir() + "/ring-ref"));
    }

    public String frontendDir() {
        return "/local/domain/" + DOMID + "/device/vbd/" + devid;
    }

    /** The guest's event-channel port of its one ring. */
    public int guestPort() {
        return Integer.parseInt(host.read(frontendDir() + "/event-channel"));
    }

    /** The guest notifies its backend once more, as a re-kick of the ring (EVTCHNOP_send on its port). */
    public void kick() {
        host.kick(guest, guestPort());
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
        host.close();
        try {
            Files.deleteIfExists(image);
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a temporary file left behind is only litter
        }
    }
}
