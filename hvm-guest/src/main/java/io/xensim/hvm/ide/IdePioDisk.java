package io.xensim.hvm.ide;

import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.guest.GuestBlockDevice;
import io.xensim.hvm.platform.IoPortBus;
import java.lang.foreign.MemorySegment;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The guest's emulated IDE hard disk ({@code hda} .. {@code hdd}) behind the same {@link GuestBlockDevice}
 * interface as blkfront's {@code xvd*}, so scenarios drive either alike. Each operation runs to its end inside the
 * call, through {@link AtaPio} (LBA28 PIO, LBA48 past sector 2^28, at most 256 sectors a command), and returns an already completed future;
 * there is no queue: {@link #queueDepth()} is 1 and {@link #outstanding()} always 0.
 *
 * <p>An ATA disk cannot say it is read-only: a write to a read-only image is aborted by the drive and completes
 * {@link BlkStatus#IO_ERROR}. After any error the driver revalidates the drive with IDENTIFY DEVICE (as libata's
 * error handler does); if nothing answers any more (the platform device unplugged it) the disk is
 * {@link State#GONE} and every later operation completes {@link BlkStatus#NO_DEVICE}. Discard is not offered.
 *
 * <p><b>Threading:</b> confined to the guest vCPU's thread (the guest domain's executor), like the port bus.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/ata/libata-core.c ({@code ata_dev_read_id}, {@code ata_dev_configure}:
 * capacity from words 60-61) and libata-sff.c's PIO data path; the block layer's checks of a bio against the
 * capacity ({@code bio_check_eod}).
 */
public final class IdePioDisk implements GuestBlockDevice {
    private static final Logger log = LoggerFactory.getLogger(IdePioDisk.class);

    private final AtaPio pio;
    private final int index;
    private final int position;
    private final AtaIdentify identify;
    private State state = State.CONNECTED;

    private IdePioDisk(AtaPio pio, int index, AtaIdentify identify) {
        this.pio = pio;
        this.index = index;
        this.position = index % 2;
        this.identify = identify;
    }

    /**
     * Probes the channel of IDE index {@code index} (0..3) as the guest's ATA driver does at boot and opens the
     * hard disk there; empty if the position holds nothing, a CD-ROM, or a drive that fails IDENTIFY.
     */
    public static Optional<IdePioDisk> open(IoPortBus bus, int index, IdePioConfig config) {
        Objects.requireNonNull(bus, "bus");
        if (index < 0 || index >= IdeController.MAX_DRIVES) {
            throw new IllegalArgumentException("index: " + index + " (expected: 0..3)");
        }
        var pio = AtaPio.channel(bus, index / 2, config);
        if (pio.probe().get(index % 2) != AtaPio.Class.ATA) {
            return Optional.empty();
        }
        Optional<AtaIdentify> id = pio.identify(index % 2);
        if (id.isEmpty() || !id.get().lba()) {
            return Optional.empty();
        }
        if (config.multipleSectors() > 0 && !pio.setMultiple(index % 2, config.multipleSectors()).ok()) {
            return Optional.empty();
        }
        var disk = new IdePioDisk(pio, index, id.get());
        log.info("{}: {}, {} sectors{}", disk.name(), id.get().model(), id.get().capacity(),
                id.get().lba48() ? ", LBA48" : "");
        return Optional.of(disk);
    }

    /** The IDENTIFY DEVICE data read at open. */
    public AtaIdentify identify() {
        return identify;
    }

    public int index() {
        return index;
    }

    @Override
    public State state() {
        return state;
    }

    @Override
    public long sectors() {
        return identify.capacity();
    }

    @Override
    public int sectorSize() {
        return Ata.ATA_SECT_SIZE;
    }

    @Override
    public int physicalSectorSize() {
        return Ata.ATA_SECT_SIZE;
    }

    @Override
    public boolean readOnly() {
        return false;
    }

    /** The old IDE driver's name by index ({@code hda} primary master .. {@code hdd} secondary slave). */
    @Override
    public String name() {
        return "hd" + (char) ('a' + index);
    }

    @Override
    public int queueDepth() {
        return state == State.CONNECTED ? 1 : 0;
    }

    @Override
    public int outstanding() {
        return 0;
    }

    @Override
    public CompletableFuture<BlkStatus> read(long sector, MemorySegment dst) {
        return CompletableFuture.completedFuture(transfer(sector, dst, false));
    }

    @Override
    public CompletableFuture<BlkStatus> write(long sector, MemorySegment src) {
        return CompletableFuture.completedFuture(transfer(sector, src, true));
    }

    @Override
    public CompletableFuture<BlkStatus> writeFua(long sector, MemorySegment src) {
        BlkStatus written = transfer(sector, src, true);
        return written.ok() ? flush() : CompletableFuture.completedFuture(written);
    }

    @Override
    public CompletableFuture<BlkStatus> flush() {
        if (state == State.GONE) {
            return CompletableFuture.completedFuture(BlkStatus.NO_DEVICE);
        }
        return CompletableFuture.completedFuture(status(pio.flush(position)));
    }

    @Override
    public CompletableFuture<BlkStatus> discard(long sector, long nrSectors) {
        if (nrSectors <= 0 || sector < 0) {
            throw new IllegalArgumentException("discard: " + nrSectors + " sectors at " + sector
                    + " (expected: at least one sector at a non-negative sector)");
        }
        return CompletableFuture.completedFuture(state == State.GONE ? BlkStatus.NO_DEVICE : BlkStatus.NOT_SUPPORTED);
    }

    private BlkStatus transfer(long sector, MemorySegment buf, boolean write) {
        long bytes = buf.byteSize();
        if (bytes == 0 || bytes % Ata.ATA_SECT_SIZE != 0 || sector < 0) {
            throw new IllegalArgumentException("buffer: " + bytes + " bytes at sector " + sector
                    + " (expected: a non-zero multiple of 512 at a non-negative sector)");
        }
        if (state == State.GONE) {
            return BlkStatus.NO_DEVICE;
        }
        long count = bytes / Ata.ATA_SECT_SIZE;
        if (count > sectors() - sector || sector > sectors()) {
            return BlkStatus.IO_ERROR;   // past the end of the disk: the block layer refuses it
        }
        if (!identify.lba48() && AtaPio.needsLba48(sector, (int) Math.min(count, Ata.ATA_MAX_SECTORS))) {
            return BlkStatus.IO_ERROR;   // unreachable: a disk without LBA48 reports at most 2^28 sectors
        }
        for (long done = 0; done < count; ) {
            int n = (int) Math.min(Ata.ATA_MAX_SECTORS, count - done);
            long offset = done * Ata.ATA_SECT_SIZE;
            AtaPio.Result r = write ? pio.write(position, sector + done, n, buf, offset)
                    : pio.read(position, sector + done, n, buf, offset);
            BlkStatus status = status(r);
            if (!status.ok()) {
                return status;
            }
            done += n;
        }
        return BlkStatus.OK;
    }

    // An error triggers revalidation; a drive that no longer identifies itself is gone.
    private BlkStatus status(AtaPio.Result r) {
        if (r.ok()) {
            return BlkStatus.OK;
        }
        log.debug("{}: command failed: {} status 0x{} error 0x{}", name(), r.outcome(),
                Integer.toHexString(r.status()), Integer.toHexString(r.error()));
        if (pio.identify(position).isEmpty()) {
            log.info("{}: drive gone", name());
            state = State.GONE;
            return BlkStatus.NO_DEVICE;
        }
        return BlkStatus.IO_ERROR;
    }
}
