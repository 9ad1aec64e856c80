package io.xensim.testbed.fault;

import io.xensim.blk.front.BlkfrontDevice;
import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.protocol.BlkifRing;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.event.SendFilter;
import io.xensim.xenbus.toolstack.ManagedDomain;
import io.xensim.xenbus.toolstack.Toolstack;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * A connected blkfront/blkback pair for a fault to act on: guest domid {@link #DOMID} with one {@link FaultDisk}
 * ({@code xvda}, one ring of {@link #RING_SIZE} slots, so a fault's effect is on a ring it knows), on a
 * {@link FaultHost}.
 *
 * <p><b>Threading:</b> INVOKER mode: the thread that built the pair steps every domain through {@link #run} and
 * {@link #onGuest}; blkfront is only touched on the guest's executor.
 */
public final class BlkPair implements AutoCloseable {
    public static final int DOMID = 1;
    public static final String VDEV = FaultDisk.VDEV;
    /** 4 MiB, sparse. */
    public static final long SECTORS = FaultDisk.SECTORS;
    public static final int RING_SIZE = BlkifRing.RING_SIZE;

    private final FaultHost host = new FaultHost();
    private final ManagedDomain guest;
    private final FaultDisk disk;

    private BlkPair() {
        guest = host.guest(DOMID);
        disk = new FaultDisk(host, guest);
        if (!host.runUntil(disk::connected)) {
            close();
            throw new IllegalStateException("the pair did not connect");
        }
        run();
    }

    /** A connected pair; {@link #close()} it. */
    public static BlkPair connect() {
        return new BlkPair();
    }

    FaultHost host() {
        return host;
    }

    public Hypervisor hypervisor() {
        return host.hypervisor();
    }

    public Toolstack toolstack() {
        return host.toolstack();
    }

    public ManagedDomain guest() {
        return guest;
    }

    public FaultDisk disk() {
        return disk;
    }

    public int devid() {
        return disk.devid();
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
        return disk.submitWrite(sector, bytes);
    }

    /** Every event-channel send from now on goes through {@code filter} (false drops it). */
    public void guestToBackendEvents(SendFilter filter) {
        host.events(filter);
    }

    /**
     * dom0 maps the guest's shared ring page ({@code ring-ref}), as blkback itself does, so a fault can write into it;
     * the mapping lives as long as the pair. The caller must be on dom0's thread or between steps.
     */
    public MemorySegment mapSharedRing() {
        return host.mapFromDom0(DOMID, ringRef());
    }

    /** The guest's grant reference of its one shared ring page. */
    public int ringRef() {
        return disk.ringRef();
    }

    public String frontendDir() {
        return disk.frontendDir();
    }

    /** The guest's event-channel port of its one ring. */
    public int guestPort() {
        return disk.guestPort();
    }

    /** The guest notifies its backend once more, as a re-kick of the ring (EVTCHNOP_send on its port). */
    public void kick() {
        host.kick(guest, guestPort());
    }

    /** Whether the image file holds {@code bytes} at {@code sector}, read past blkfront and blkback. */
    public boolean imageHolds(long sector, byte[] bytes) {
        return disk.imageHolds(sector, bytes);
    }

    public boolean connected() {
        return disk.connected();
    }

    public BlkfrontDevice front() {
        return disk.front();
    }

    /** Bytes for a write: every byte derived from {@code seed}, so two writes differ. */
    public static byte[] pattern(int bytes, int seed) {
        return FaultDisk.pattern(bytes, seed);
    }

    @Override
    public void close() {
        host.close();
        if (disk != null) {
            disk.close();
        }
    }
}
