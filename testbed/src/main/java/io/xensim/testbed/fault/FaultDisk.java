package io.xensim.testbed.fault;

import io.xensim.blk.back.Blkback;
import io.xensim.blk.back.BlkbackConfig;
import io.xensim.blk.back.ImageOpener;
import io.xensim.blk.front.BlkfrontConfig;
import io.xensim.blk.front.BlkfrontDevice;
import io.xensim.blk.front.BlkfrontDrivers;
import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.image.RawImage;
import io.xensim.xenbus.bus.XenbusState;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
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

/**
 * A vbd for a fault to act on: a small sparse raw image ({@link #SECTORS} sectors) in a temporary directory, served
 * by the real blkback in dom0 and attached to one guest as {@code xvda} with the real blkfront on one ring (one
 * queue, one page), as {@code xensim demo --blk} attaches it (toolstack, {@code block} hotplug script, libxl's vbd
 * keys). {@link BlkPair} is a guest with one of these; {@link VifPair} can give its guest 1 one too.
 *
 * <p><b>Threading:</b> built and used on the thread that steps the domains; blkfront is only touched on the
 * guest's executor.
 */
public final class FaultDisk implements AutoCloseable {
    public static final String VDEV = "xvda";
    /** 4 MiB, sparse. */
    public static final long SECTORS = 8192;

    private final FaultHost host;
    private final ManagedDomain guest;
    private final Path dir;
    private final Path image;
    private final int devid;

    /** Installs blkback in dom0 and blkfront in {@code guest}, and adds the vbd; does not wait for it to connect. */
    FaultDisk(FaultHost host, ManagedDomain guest) {
        this.host = host;
        this.guest = guest;
        try {
            dir = Files.createTempDirectory("xensim-fault-");
            image = dir.resolve(VDEV + ".img");
            RawImage.create(image, SECTORS, RawImage.Allocation.SPARSE).close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        host.await(new Blkback(BlkbackConfig.defaults(), ImageOpener.raw()).install(host.toolstack()));
        host.await(guest.frontends().register(BlkfrontDrivers.frontend(BlkfrontConfig.DEFAULT.withMaxQueues(1))));
        var vbd = DeviceConfig.vbd(guest.domid(), 0, Blkback.disk(VDEV, image.toString()));
        devid = vbd.devid();
        host.await(host.toolstack().addDevice(vbd));
    }

    public int devid() {
        return devid;
    }

    public boolean connected() {
        return guest.frontends().device(BlkfrontDrivers.TYPE, guest.domid(), devid)
                .map(d -> d.state() == XenbusState.CONNECTED).orElse(false);
    }

    public BlkfrontDevice front() {
        return BlkfrontDrivers.device(guest, devid).orElseThrow(
                () -> new IllegalStateException("no blkfront vbd/" + devid + " in d" + guest.domid()));
    }

    /** Whether dom0 still has a blkback device for this vbd. */
    public boolean hasBackend() {
        return Blkback.device(host.toolstack(), guest.domid(), devid).isPresent();
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

    public String frontendDir() {
        return "/local/domain/" + guest.domid() + "/device/vbd/" + devid;
    }

    /** The guest's grant reference of its one shared ring page. */
    public int ringRef() {
        return Integer.parseInt(host.read(frontendDir() + "/ring-ref"));
    }

    /** The guest's event-channel port of its one ring. */
    public int guestPort() {
        return Integer.parseInt(host.read(frontendDir() + "/event-channel"));
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

    /** Bytes for a write: every byte derived from {@code seed}, so two writes differ. */
    public static byte[] pattern(int bytes, int seed) {
        byte[] b = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            b[i] = (byte) (seed * 31 + i / 512 + i);
        }
        return b;
    }

    /** Deletes the image; call once the hypervisor is closed. */
    @Override
    public void close() {
        try {
            Files.deleteIfExists(image);
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a temporary file left behind is only litter
        }
    }
}
