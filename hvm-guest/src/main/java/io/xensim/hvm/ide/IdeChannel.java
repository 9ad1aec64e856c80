package io.xensim.hvm.ide;

import static io.xensim.hvm.ide.Ata.*;

import io.xensim.hvm.platform.IoPortBus;
import io.xensim.hvm.platform.IoPortDevice;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One IDE channel (the primary or the secondary of the PIIX controller): its command block (eight task-file
 * ports), its control block (alternate status and device control), the master and slave positions, the PIO data
 * buffer, and the interrupt line. The channel executes the ATA commands an emulated PC disk needs for PIO:
 * IDENTIFY DEVICE, READ/WRITE SECTORS and MULTIPLE (LBA28 or CHS) and their LBA48 EXT forms, FLUSH CACHE (EXT),
 * SET FEATURES, SET MULTIPLE MODE, CHECK POWER MODE, EXECUTE DEVICE DIAGNOSTIC; anything else is aborted (no DMA,
 * no SMART). Registers 1-5 keep their previous byte for LBA48, read back with HOB set in device control. A CD-ROM answers IDENTIFY PACKET DEVICE and DEVICE RESET, aborts
 * IDENTIFY DEVICE with the ATAPI signature, and aborts PACKET: no ATAPI command set is modelled.
 *
 * <p>Every command completes synchronously inside the guest's command write (the image is read or written there),
 * so BSY is seen only while SRST is held. The software reset completes when the guest clears SRST (ATA's
 * protocol; QEMU 8 completes it in a bottom half soon after SRST is set, and raises an interrupt there that this
 * model does not). The guest's bytes never make the model throw: a bad address is IDNF, an
 * unknown or refused command ABRT, an image error UNC (read) or ABRT (write), and data-port accesses outside a
 * transfer read 0 and are dropped.
 *
 * <p><b>Threading:</b> confined to the guest vCPU's thread (the {@link IoPortBus} calls it).
 *
 * <p><b>Reference:</b> QEMU {@code hw/ide/core.c} ({@code ide_ioport_write}, {@code ide_ioport_read},
 * {@code ide_status_read}, {@code ide_ctrl_write}, {@code ide_exec_cmd}, {@code ide_sector_read},
 * {@code ide_sector_write}, {@code ide_data_readw}, {@code ide_data_writew}, {@code ide_transfer_stop},
 * {@code cmd_set_features}, {@code cmd_set_multiple_mode}); ATA/ATAPI-7 for IDNF on an address past the capacity
 * (QEMU answers ABRT there).
 */
public final class IdeChannel {
    private static final Logger log = LoggerFactory.getLogger(IdeChannel.class);

    /** What the channel is doing between port accesses. */
    public enum Phase {
        /** No transfer: the guest may write registers and a command. */
        IDLE,
        /** A block waits in the buffer for the guest's data-port reads (DRQ set). */
        PIO_IN,
        /** The buffer waits for a block of the guest's data-port writes (DRQ set). */
        PIO_OUT,
        /** SRST is held in the device control register: both drives BSY. */
        RESET
    }

    private final String name;
    private final IrqLine irq;
    private final IdeUnit[] units = {new IdeUnit(0), new IdeUnit(1)};
    private final byte[] buffer = new byte[MAX_MULT_SECTORS * ATA_SECT_SIZE];
    private final MemorySegment bufferSegment = MemorySegment.ofArray(buffer);
    private int unit;
    private int control;
    private Phase phase = Phase.IDLE;
    private int dataPtr;
    private int dataEnd;
    private long lba;
    private boolean lba48;
    private int remaining;
    private int blockSectors;

    IdeChannel(String name, int irq) {
        this.name = name;
        this.irq = new IrqLine(irq);
    }

    public String name() {
        return name;
    }

    public IrqLine irq() {
        return irq;
    }

    public Phase phase() {
        return phase;
    }

    /** The drive at {@code position} (0 master, 1 slave), if any. */
    public Optional<IdeDrive> drive(int position) {
        return Optional.ofNullable(units[position].drive);
    }

    void attach(int position, IdeDrive drive) {
        units[position].attach(drive);
    }

    void detach(int position) {
        units[position].detach();
    }

    /** The command block's port handler (8 ports). */
    IoPortDevice commandBlock() {
        return new IoPortDevice() {
            @Override
            public int in(int offset, int size) {
                if (offset == ATA_REG_DATA && size > 1) {
                    return readData(size);
                }
                int value = 0;
                for (int i = 0; i < size; i++) {
                    value |= readRegister(offset + i) << (8 * i);
                }
                return value;
            }

            @Override
            public void out(int offset, int size, int value) {
                if (offset == ATA_REG_DATA && size > 1) {
                    writeData(size, value);
                    return;
                }
                for (int i = 0; i < size; i++) {
                    writeRegister(offset + i, (value >>> (8 * i)) & 0xff);
                }
            }
        };
    }

    /** The control block's port handler (1 port: alternate status / device control). */
    IoPortDevice controlBlock() {
        return new IoPortDevice() {
            @Override
            public int in(int offset, int size) {
                int value = 0;
                for (int i = 0; i < size; i++) {
                    value |= (offset + i == 0 ? visibleStatus() : 0xff) << (8 * i);
                }
                return value;
            }

            @Override
            public void out(int offset, int size, int value) {
                if (offset == 0) {
                    writeControl(value & 0xff);
                }
            }
        };
    }

    /** The bus reset of the controller ({@code ide_bus_reset}): both positions reset, master selected, IRQ low. */
    void reset() {
        unit = 0;
        control = 0;
        units[0].reset();
        units[1].reset();
        endTransfer(Phase.IDLE);
        irq.lower();
    }

    private IdeUnit selected() {
        return units[unit];
    }

    private boolean noDrives() {
        return units[0].drive == null && units[1].drive == null;
    }

    /** QEMU answers 0 for the error and status registers of an empty channel or of an absent slave. */
    private boolean floating() {
        return noDrives() || (unit == 1 && units[1].drive == null);
    }

    private int visibleStatus() {
        return floating() ? 0 : selected().status;
    }

    private int readRegister(int reg) {
        IdeUnit u = selected();
        boolean hob = (control & ATA_HOB) != 0;
        return switch (reg) {
            case ATA_REG_DATA -> 0xff;
            case ATA_REG_ERR -> floating() ? 0 : hob ? u.hobFeature : u.error;
            // an absent slave still holds the task file the guest wrote (only an empty channel reads 0)
            case ATA_REG_NSECT -> noDrives() ? 0 : hob ? u.hobNsector : u.nsector;
            case ATA_REG_LBAL -> noDrives() ? 0 : hob ? u.hobSector : u.sector;
            case ATA_REG_LBAM -> noDrives() ? 0 : hob ? u.hobLcyl : u.lcyl;
            case ATA_REG_LBAH -> noDrives() ? 0 : hob ? u.hobHcyl : u.hcyl;
            case ATA_REG_DEVICE -> noDrives() ? 0 : u.select;
            case ATA_REG_STATUS -> {
                int status = visibleStatus();
                irq.lower();
                yield status;
            }
            default -> 0xff;
        };
    }

    private void writeRegister(int reg, int value) {
        if (reg == ATA_REG_DATA) {
            return;
        }
        if (reg == ATA_REG_CMD) {
            irq.lower();
            execute(value);
            return;
        }
        // QEMU ignores writes to the command block while the selected drive is busy with a command.
        if ((selected().status & (ATA_BUSY | ATA_DRQ)) != 0) {
            return;
        }
        control &= ~ATA_HOB;   // ATA: a write to the command block clears HOB (QEMU's ide_clear_hob)
        for (IdeUnit u : units) {
            switch (reg) {
                case ATA_REG_FEATURE -> {
                    u.hobFeature = u.feature;
                    u.feature = value;
                }
                case ATA_REG_NSECT -> {
                    u.hobNsector = u.nsector;
                    u.nsector = value;
                }
                case ATA_REG_LBAL -> {
                    u.hobSector = u.sector;
                    u.sector = value;
                }
                case ATA_REG_LBAM -> {
                    u.hobLcyl = u.lcyl;
                    u.lcyl = value;
                }
                case ATA_REG_LBAH -> {
                    u.hobHcyl = u.hcyl;
                    u.hcyl = value;
                }
                case ATA_REG_DEVICE -> u.select = value | ATA_DEVICE_OBS;
                default -> throw new AssertionError(reg);
            }
        }
        if (reg == ATA_REG_DEVICE) {
            unit = (value & ATA_DEV1) != 0 ? 1 : 0;
        }
    }

    // QEMU ide_ctrl_write: SRST's rising edge makes both drives busy, its falling edge resets them.
    private void writeControl(int value) {
        boolean wasReset = (control & ATA_SRST) != 0;
        boolean reset = (value & ATA_SRST) != 0;
        control = value;
        if (!wasReset && reset) {
            for (IdeUnit u : units) {
                u.status |= ATA_BUSY;
            }
            endTransfer(Phase.RESET);
        } else if (wasReset && !reset) {
            for (IdeUnit u : units) {
                u.reset();
                u.diagnose();
            }
            unit = 0;
            endTransfer(Phase.IDLE);
        }
    }

    private int readData(int size) {
        IdeUnit u = selected();
        if (phase != Phase.PIO_IN || (u.status & ATA_DRQ) == 0 || dataPtr + size > dataEnd) {
            return 0;
        }
        int value = 0;
        for (int i = 0; i < size; i++) {
            value |= (buffer[dataPtr++] & 0xff) << (8 * i);
        }
        if (dataPtr >= dataEnd) {
            blockTransferred();
        }
        return value;
    }

    private void writeData(int size, int value) {
        IdeUnit u = selected();
        if (phase != Phase.PIO_OUT || (u.status & ATA_DRQ) == 0 || dataPtr + size > dataEnd) {
            return;
        }
        for (int i = 0; i < size; i++) {
            buffer[dataPtr++] = (byte) (value >>> (8 * i));
        }
        if (dataPtr >= dataEnd) {
            blockTransferred();
        }
    }

    // QEMU ide_exec_cmd.
    private void execute(int cmd) {
        IdeUnit u = selected();
        if (u.drive == null && unit == 1) {
            return;   // commands to a missing slave go nowhere
        }
        if ((u.status & (ATA_BUSY | ATA_DRQ)) != 0 && !(cmd == ATA_CMD_DEV_RESET && u.isCd() && phase != Phase.RESET)) {
            return;   // only DEVICE RESET of an ATAPI drive interrupts a command
        }
        u.error = 0;
        if (u.drive == null) {
            abort(u);
            return;
        }
        switch (cmd) {
            case ATA_CMD_ID_ATA -> identify(u);
            case ATA_CMD_ID_ATAPI -> identifyPacket(u);
            case ATA_CMD_PIO_READ -> startTransfer(u, false, false, false);
            case ATA_CMD_READ_MULTI -> startTransfer(u, false, true, false);
            case ATA_CMD_PIO_WRITE -> startTransfer(u, true, false, false);
            case ATA_CMD_WRITE_MULTI -> startTransfer(u, true, true, false);
            case ATA_CMD_PIO_READ_EXT -> startTransfer(u, false, false, true);
            case ATA_CMD_READ_MULTI_EXT -> startTransfer(u, false, true, true);
            case ATA_CMD_PIO_WRITE_EXT -> startTransfer(u, true, false, true);
            case ATA_CMD_WRITE_MULTI_EXT -> startTransfer(u, true, true, true);
            case ATA_CMD_FLUSH, ATA_CMD_FLUSH_EXT -> flush(u);
            case ATA_CMD_SET_FEATURES -> setFeatures(u);
            case ATA_CMD_SET_MULTI -> setMultiple(u);
            case ATA_CMD_CHK_POWER -> {
                u.nsector = 0xff;   // active or idle
                complete(u);
            }
            case ATA_CMD_DEV_RESET -> deviceReset(u);
            case ATA_CMD_EDD -> {
                u.diagnose();
                moveTo(u, Phase.IDLE, u.status, !u.isCd());
            }
            default -> abort(u);
        }
    }

    private void identify(IdeUnit u) {
        if (u.isCd()) {
            u.setSignature();   // QEMU: an ATAPI drive aborts IDENTIFY DEVICE and shows what it is
            abort(u);
            return;
        }
        startPioIn(u, AtaIdentify.disk(u.drive, u.geometry, u.multSectors, u.writeCache));
    }

    private void identifyPacket(IdeUnit u) {
        if (!u.isCd()) {
            abort(u);
            return;
        }
        startPioIn(u, AtaIdentify.atapi(u.drive));
    }

    private void startPioIn(IdeUnit u, byte[] data) {
        System.arraycopy(data, 0, buffer, 0, data.length);
        remaining = 0;
        dataPtr = 0;
        dataEnd = data.length;
        moveTo(u, Phase.PIO_IN, ATA_DRDY | ATA_DSC | ATA_DRQ, true);
    }

    private void startTransfer(IdeUnit u, boolean write, boolean multiple, boolean ext) {
        if (!u.isDisk()) {
            if (!multiple && !ext) {
                u.setSignature();   // QEMU cmd_read_pio: ATA-4 asks an ATAPI drive to show its signature
            }
            abort(u);
            return;
        }
        if (multiple && u.multSectors == 0) {
            abort(u);   // READ/WRITE MULTIPLE before SET MULTIPLE MODE enabled it
            return;
        }
        long start = ext ? u.startSector48() : u.startSector();
        int count = u.sectorCount(ext);
        if (start < 0 || start + count > u.drive.image().sectors()) {
            fail(u, ATA_IDNF);
            return;
        }
        if (write && !u.drive.image().writable()) {
            abort(u);   // a read-only image (QEMU: the write fails with EACCES, ide_rw_error aborts)
            return;
        }
        lba = start;
        lba48 = ext;
        remaining = count;
        blockSectors = multiple ? u.multSectors : 1;
        if (write) {
            nextWriteBlock(u, false);
        } else {
            nextReadBlock(u);
        }
    }

    private void nextReadBlock(IdeUnit u) {
        int n = Math.min(remaining, blockSectors);
        try {
            u.drive.image().read(lba * ATA_SECT_SIZE, bufferSegment.asSlice(0, (long) n * ATA_SECT_SIZE));
        } catch (IOException e) {
            log.warn("{}: read of {} sectors at {} from {} failed: {}", name, n, lba, u.drive.image().name(),
                    e.toString());
            fail(u, ATA_UNC | ATA_ABORTED);
            return;
        }
        dataPtr = 0;
        dataEnd = n * ATA_SECT_SIZE;
        moveTo(u, Phase.PIO_IN, ATA_DRDY | ATA_DSC | ATA_DRQ, true);
    }

    // The first block of a PIO write is requested without an interrupt, the following ones with one.
    private void nextWriteBlock(IdeUnit u, boolean interrupt) {
        int n = Math.min(remaining, blockSectors);
        dataPtr = 0;
        dataEnd = n * ATA_SECT_SIZE;
        moveTo(u, Phase.PIO_OUT, ATA_DRDY | ATA_DSC | ATA_DRQ, interrupt);
    }

    // QEMU end_transfer_func: the guest has moved the whole block.
    private void blockTransferred() {
        IdeUnit u = selected();
        if (remaining == 0) {   // IDENTIFY data
            moveTo(u, Phase.IDLE, ATA_DRDY | ATA_DSC, false);
            return;
        }
        int n = dataEnd / ATA_SECT_SIZE;
        if (phase == Phase.PIO_OUT) {
            try {
                u.drive.image().write(lba * ATA_SECT_SIZE, bufferSegment.asSlice(0, dataEnd));
            } catch (IOException e) {
                log.warn("{}: write of {} sectors at {} to {} failed: {}", name, n, lba, u.drive.image().name(),
                        e.toString());
                fail(u, ATA_ABORTED);
                return;
            }
        }
        lba += n;
        remaining -= n;
        if (lba48) {
            u.setSector48(lba);
            u.nsector = remaining & 0xff;
            u.hobNsector = (remaining >>> 8) & 0xff;
        } else {
            u.setSector(lba);
            u.nsector = (u.nsector - n) & 0xff;
        }
        if (remaining > 0) {
            if (phase == Phase.PIO_OUT) {
                nextWriteBlock(u, true);
            } else {
                nextReadBlock(u);
            }
        } else {
            // QEMU: a read ends quietly after its last block, a write interrupts to say it is on the image
            moveTo(u, Phase.IDLE, ATA_DRDY | ATA_DSC, phase == Phase.PIO_OUT);
        }
    }

    private void flush(IdeUnit u) {
        if (u.isDisk() && u.drive.image().writable()) {
            try {
                u.drive.image().flush();
            } catch (IOException e) {
                log.warn("{}: flush of {} failed: {}", name, u.drive.image().name(), e.toString());
                fail(u, ATA_ABORTED);
                return;
            }
        }
        complete(u);
    }

    // QEMU cmd_set_features: write cache on/off (off flushes), PIO transfer modes, and QEMU's accepted no-ops
    // (look-ahead, power-on defaults, APM, acoustic management, vendor NOPs); the rest aborts.
    private void setFeatures(IdeUnit u) {
        switch (u.feature) {
            case SETFEATURES_WC_ON -> u.writeCache = true;
            case SETFEATURES_WC_OFF -> {
                u.writeCache = false;
                flush(u);
                return;
            }
            case SETFEATURES_RA_ON, SETFEATURES_RA_OFF, 0xcc, 0x66, 0x05, 0x85, 0x69, 0x67, 0x96, 0x9a, 0x42, 0xc2 -> {
            }
            case SETFEATURES_XFER -> {
                if ((u.nsector >>> 3) > 1) {
                    abort(u);   // DMA modes: QEMU accepts them, this model has no bus-master DMA to use them
                    return;
                }
            }
            default -> {
                abort(u);
                return;
            }
        }
        complete(u);
    }

    // QEMU cmd_set_multiple_mode: 0 (off) or a power of two up to MAX_MULT_SECTORS.
    private void setMultiple(IdeUnit u) {
        int n = u.nsector;
        if (!u.isDisk() || n > MAX_MULT_SECTORS || (n & (n - 1)) != 0) {
            abort(u);
            return;
        }
        u.multSectors = n;
        complete(u);
    }

    // QEMU cmd_device_reset: an ATAPI drive resets itself and shows its signature, without DRDY or an interrupt.
    private void deviceReset(IdeUnit u) {
        if (!u.isCd()) {
            abort(u);
            return;
        }
        u.reset();
        moveTo(u, Phase.IDLE, 0, false);
    }

    private void complete(IdeUnit u) {
        moveTo(u, Phase.IDLE, ATA_DRDY | ATA_DSC, true);
    }

    private void abort(IdeUnit u) {
        fail(u, ATA_ABORTED);
    }

    // QEMU ide_abort_command and ide_rw_error: DRDY|ERR, the reason in the error register, an interrupt.
    private void fail(IdeUnit u, int error) {
        u.error = error;
        moveTo(u, Phase.IDLE, ATA_DRDY | ATA_ERR, true);
    }

    // A reset's end of any transfer: nothing left to move, the drives' status set by the caller.
    private void endTransfer(Phase next) {
        remaining = 0;
        enter(next);
    }

    /** A command's transition: the phase, the selected drive's status, and the interrupt unless nIEN. */
    private void moveTo(IdeUnit u, Phase next, int status, boolean interrupt) {
        u.status = status;
        enter(next);
        if (interrupt && (control & ATA_NIEN) == 0) {
            irq.raise();
        }
    }

    /** The only writer of {@link #phase}: leaving a data phase empties the buffer window. */
    private void enter(Phase next) {
        phase = next;
        if (next == Phase.IDLE || next == Phase.RESET) {
            dataPtr = 0;
            dataEnd = 0;
        }
    }
}
