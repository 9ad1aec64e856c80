package io.xensim.testbed.bench;

import io.xensim.blk.back.Blkback;
import io.xensim.blk.back.BlkbackConfig;
import io.xensim.blk.front.BlkfrontConfig;
import io.xensim.blk.front.BlkfrontDevice;
import io.xensim.blk.front.BlkfrontDrivers;
import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.guest.GuestBlockDevice;
import io.xensim.blk.image.BlockImage;
import io.xensim.blk.image.MemoryImage;
import io.xensim.hvm.ide.IdeController;
import io.xensim.hvm.ide.IdeDrive;
import io.xensim.hvm.ide.IdePioConfig;
import io.xensim.hvm.ide.IdePioDisk;
import io.xensim.hvm.platform.EmulatedDevices;
import io.xensim.hvm.platform.HvmMachine;
import io.xensim.hvm.platform.HvmMachineConfig;
import io.xensim.xenbus.Domain;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ManualClock;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import io.xensim.xenbus.toolstack.Toolstack;
import io.xensim.xenbus.toolstack.ToolstackConfig;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One guest's disk over the same in-memory image format ({@link MemoryImage}, 64 MiB) either as the emulated IDE
 * primary master ({@code hda}: the PIIX3 legacy ports 0x1f0/0x3f6 and IRQ 14 on the guest's I/O-port bus, driven
 * by libata's PIO data path in {@link IdePioDisk}) or as blkfront's {@code xvda} (the vbd added as libxl adds a
 * {@code phy} disk, blkback in dom0). Both get the same seeded sequence of 4 KiB random reads or writes, one at a
 * time: the PIO disk has no queue, so the PV disk runs at queue depth 1 too.
 *
 * <p>Exits and injections are the guest's: for IDE its I/O-port exits and the channel's IRQ 14 injections; for
 * blkfront its event sends and upcalls ({@link GuestExits}).
 *
 * <p><b>Threading:</b> INVOKER mode: JMH's thread steps every domain; blkfront is used only inside tasks on the
 * guest's executor. The PIO disk is confined to the guest's vCPU, which here is JMH's thread.
 */
@State(Scope.Thread)
public class DiskGuest {
    static final long SECTORS = (64L << 20) / BlockImage.SECTOR_SIZE;
    static final int XVDA = 51712;
    static final int GUEST = 9;
    static final int OP_BYTES = 4096;
    /** Offsets precomputed, used in turn. */
    static final int OFFSETS = 1024;
    static final long SEED = 0x1de_b1c0L;

    /** {@code ide}: the emulated IDE disk over PIO; {@code blkfront}: the PV vbd. */
    @Param({"ide", "blkfront"})
    public String disk = "ide";
    /** {@code randread} or {@code randwrite}, 4 KiB at 4 KiB-aligned random offsets. */
    @Param({"randread", "randwrite"})
    public String op = "randread";
    /** The IDE driver's data-port width: 16 (libata's default) or 32 bits ({@code ATA_PFLAG_PIO32}). */
    @Param({"16"})
    public int pioBits = 16;

    Hypervisor hv;
    Toolstack toolstack;
    Blkback blkback;
    MemoryImage image;
    Domain guest;
    HvmMachine machine;
    IdeController ide;
    GuestBlockDevice device;
    boolean write;
    long[] sectors;
    Arena arena;
    MemorySegment buffer;
    int next;

    @Setup(Level.Trial)
    public void start() {
        write = switch (op) {
            case "randread" -> false;
            case "randwrite" -> true;
            default -> throw new IllegalArgumentException("op: " + op + " (expected: randread or randwrite)");
        };
        image = MemoryImage.create(disk.equals("ide") ? "hda" : "xvda", SECTORS);
        var random = new Random(SEED);
        sectors = new long[OFFSETS];
        for (int i = 0; i < OFFSETS; i++) {
            sectors[i] = random.nextLong(SECTORS / 8) * 8;
        }
        arena = Arena.ofShared();
        buffer = arena.allocate(OP_BYTES, 4096);
        for (int i = 0; i < OP_BYTES; i++) {
            buffer.set(ValueLayout.JAVA_BYTE, i, (byte) (i * 31 + 7));
        }
        hv = Hypervisor.builder().threadingMode(ThreadingMode.INVOKER).clock(new ManualClock()).build();
        switch (disk) {
            case "ide" -> startIde();
            case "blkfront" -> startBlkfront();
            default -> throw new IllegalArgumentException("disk: " + disk + " (expected: ide or blkfront)");
        }
    }

    private void startIde() {
        if (pioBits != 16 && pioBits != 32) {
            throw new IllegalArgumentException("pioBits: " + pioBits + " (expected: 16 or 32)");
        }
        guest = hv.createDomain(DomainConfig.of(GUEST, "hvm" + GUEST, 4));
        machine = HvmMachine.create(GUEST, HvmMachineConfig.defaults(), EmulatedDevices.NONE);
        ide = IdeController.install(machine.ioBus(), Map.of(0, IdeDrive.disk(image, 0)));
        device = IdePioDisk.open(machine.ioBus(), 0, IdePioConfig.defaults().withPio32(pioBits == 32))
                .orElseThrow(() -> new IllegalStateException("hda: no ATA disk found"));
    }

    private void startBlkfront() {
        toolstack = Toolstack.start(hv, ToolstackConfig.defaults());
        blkback = new Blkback(BlkbackConfig.defaults(), (params, writable) -> image);
        toolstack.await(blkback.install(toolstack));
        ManagedDomain g = toolstack.await(toolstack.createDomain(DomainConfig.of(GUEST, "guest" + GUEST, 64)));
        toolstack.await(g.frontends().register(BlkfrontDrivers.frontend(BlkfrontConfig.DEFAULT)));
        toolstack.await(toolstack.addDevice(DeviceConfig.vbd(GUEST, 0, Blkback.disk("xvda", "memory:xvda"))));
        hv.runUntilIdle();
        guest = g.domain();
        BlkfrontDevice front = BlkfrontDrivers.device(g, XVDA).orElseThrow(
                () -> new IllegalStateException("no vbd/" + XVDA + " in dom" + GUEST));
        if (front.state() != GuestBlockDevice.State.CONNECTED) {
            throw new IllegalStateException("xvda: " + front.state() + " (expected: CONNECTED)");
        }
        device = front;
    }

    /** The guest's exits so far: port I/O for IDE, event sends for blkfront. */
    long exits() {
        return machine != null ? machine.exits() : GuestExits.snapshot(guest).sends();
    }

    /** Interrupts injected into the guest so far: IRQ 14, or blkfront's upcalls. */
    long injections() {
        return ide != null ? ide.injections() : GuestExits.snapshot(guest).upcalls();
    }

    /** The sector of the next operation. */
    long nextSector() {
        long s = sectors[next];
        next = (next + 1) % OFFSETS;
        return s;
    }

    /** One 4 KiB operation at {@code sector}, run to completion; throws unless it completed OK. */
    void runOne(long sector) {
        CompletableFuture<BlkStatus> done;
        if (machine != null) {
            done = write ? device.write(sector, buffer) : device.read(sector, buffer);
        } else {
            var submitted = new CompletableFuture<CompletableFuture<BlkStatus>>();
            guest.executor().execute(() -> submitted.complete(write ? device.write(sector, buffer)
                    : device.read(sector, buffer)));
            hv.runUntilIdle();
            done = submitted.getNow(null);
        }
        if (done == null || !done.isDone() || done.getNow(null) != BlkStatus.OK) {
            throw new IllegalStateException(disk + " " + op + " at sector " + sector + ": "
                    + (done == null ? "not submitted" : done.getNow(null)));
        }
    }

    @TearDown(Level.Trial)
    public void stop() {
        if (toolstack != null) {
            toolstack.close();
            hv.runUntilIdle();
            hv.assertCleanedUp();
        }
        hv.close();
        arena.close();
    }
}
