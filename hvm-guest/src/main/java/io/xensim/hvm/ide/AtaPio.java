package io.xensim.hvm.ide;

import static io.xensim.hvm.ide.Ata.*;

import io.xensim.hvm.platform.IoPortBus;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The guest's register-level access to one IDE channel, as Linux's libata SFF layer does it for PIO: device
 * selection, loading the task file, issuing a command, waiting on the status register with a bound, moving DRQ
 * blocks through the data port, software reset and classifying what sits at each position. Every {@code in} and
 * {@code out} goes through the {@link IoPortBus} and is one counted VM exit.
 *
 * <p>A command's sequence, per LBA28 PIO command: select (device write, alternate-status pause), task file
 * (features, sector count, LBA low/mid/high, device; an LBA48 command, used only past sector 2^28 as Linux's
 * {@code lba_28_ok} decides, writes the five high bytes first), command and pause; then per DRQ block one status read (the
 * interrupt handler's, which also acknowledges INTRQ) and the block's data-port accesses; and a last status read.
 *
 * <p><b>Threading:</b> confined to the guest vCPU's thread.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/ata/libata-sff.c ({@code ata_sff_dev_select}, {@code ata_sff_tf_load},
 * {@code ata_sff_exec_command}, {@code ata_sff_pause}, {@code ata_sff_busy_wait}, {@code ata_sff_data_xfer},
 * {@code ata_sff_data_xfer32}, {@code ata_devchk}, {@code ata_bus_softreset}, {@code ata_sff_dev_classify},
 * {@code ata_pio_sector}).
 */
public final class AtaPio {
    private static final ValueLayout.OfShort WORD = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt DWORD = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** How a command ended. */
    public enum Outcome {
        OK,
        /** The drive set ERR; {@link Result#error()} says why. */
        ERROR,
        /** BSY or no DRQ past the poll bound. */
        TIMEOUT,
        /** Nothing answers: the status reads 0 or all ones (no drive, or it was unplugged). */
        NO_DEVICE
    }

    /** A command's outcome with the last status and error register values. */
    public record Result(Outcome outcome, int status, int error) {
        public boolean ok() {
            return outcome == Outcome.OK;
        }
    }

    /** What a probe found at one drive position. */
    public enum Class {
        NONE,
        ATA,
        ATAPI
    }

    private final IoPortBus bus;
    private final int base;
    private final int ctlPort;
    private final IdePioConfig config;
    private int ctl;

    private AtaPio(IoPortBus bus, int base, int ctlPort, IdePioConfig config) {
        this.bus = bus;
        this.base = base;
        this.ctlPort = ctlPort;
        this.config = config;
        this.ctl = config.polling() ? ATA_NIEN : 0;
    }

    /** Channel 0 (0x1f0/0x3f6) or 1 (0x170/0x376) of {@code bus}. */
    public static AtaPio channel(IoPortBus bus, int channel, IdePioConfig config) {
        return switch (channel) {
            case 0 -> new AtaPio(bus, IdeController.PRIMARY_COMMAND_PORT, IdeController.PRIMARY_CONTROL_PORT,
                    config);
            case 1 -> new AtaPio(bus, IdeController.SECONDARY_COMMAND_PORT, IdeController.SECONDARY_CONTROL_PORT,
                    config);
            default -> throw new IllegalArgumentException("channel: " + channel + " (expected: 0 or 1)");
        };
    }

    public IdePioConfig config() {
        return config;
    }

    public int status() {
        return bus.in(base + ATA_REG_STATUS, 1);
    }

    public int altStatus() {
        return bus.in(ctlPort, 1);
    }

    public int register(int reg) {
        return bus.in(base + reg, 1);
    }

    public void writeRegister(int reg, int value) {
        bus.out(base + reg, 1, value);
    }

    /** Linux's {@code ata_bus_softreset}: SRST set and cleared, then a bounded wait for BSY to clear. */
    public Result softReset() {
        bus.out(ctlPort, 1, ctl | ATA_SRST);
        bus.out(ctlPort, 1, ctl);
        return waitNotBusy();
    }

    /**
     * Resets the channel and classifies both positions ({@code ata_devchk} then {@code ata_sff_dev_classify}):
     * the register read-back test, then the signature in LBA mid/high (0/0 ATA, 0x14/0xeb ATAPI). The reset comes
     * first (Linux checks before it): a drive left in the middle of a command ignores register writes, so the
     * read-back test would miss it.
     */
    public List<Class> probe() {
        var found = new ArrayList<Class>(2);
        softReset();
        boolean[] present = {devchk(0), devchk(1)};
        for (int position = 0; position < 2; position++) {
            found.add(present[position] ? classify(position) : Class.NONE);
        }
        return List.copyOf(found);
    }

    /** Reads IDENTIFY DEVICE of {@code position}; empty if it aborts or nothing answers. */
    public Optional<AtaIdentify> identify(int position) {
        select(position);
        issue(ATA_CMD_ID_ATA);
        byte[] data = new byte[ATA_SECT_SIZE];
        Result r = waitDrq();
        if (!r.ok()) {
            return Optional.empty();
        }
        dataIn(MemorySegment.ofArray(data), 0, ATA_SECT_SIZE);
        status();
        return Optional.of(AtaIdentify.decode(data));
    }

    /** SET MULTIPLE MODE to {@code sectors} for {@code position}. */
    public Result setMultiple(int position, int sectors) {
        select(position);
        writeRegister(ATA_REG_NSECT, sectors);
        issue(ATA_CMD_SET_MULTI);
        return finish();
    }

    /** FLUSH CACHE of {@code position}. */
    public Result flush(int position) {
        select(position);
        issue(ATA_CMD_FLUSH);
        return finish();
    }

    /**
     * One LBA28 read of {@code count} sectors (1..256) at {@code lba} into {@code dst} from {@code offset}: READ
     * SECTORS, or READ MULTIPLE when the config has a block size.
     */
    public Result read(int position, long lba, int count, MemorySegment dst, long offset) {
        boolean ext = needsLba48(lba, count);
        int block = command(position, lba, count, config.multipleSectors() > 0
                ? (ext ? ATA_CMD_READ_MULTI_EXT : ATA_CMD_READ_MULTI) : (ext ? ATA_CMD_PIO_READ_EXT : ATA_CMD_PIO_READ),
                ext);
        for (int done = 0; done < count; done += block) {
            Result r = waitDrq();
            if (!r.ok()) {
                return r;
            }
            int n = Math.min(block, count - done);
            dataIn(dst, offset + (long) done * ATA_SECT_SIZE, n * ATA_SECT_SIZE);
        }
        return finish();
    }

    /** One LBA28 write of {@code count} sectors (1..256) at {@code lba} from {@code src} at {@code offset}. */
    public Result write(int position, long lba, int count, MemorySegment src, long offset) {
        boolean ext = needsLba48(lba, count);
        int block = command(position, lba, count, config.multipleSectors() > 0
                ? (ext ? ATA_CMD_WRITE_MULTI_EXT : ATA_CMD_WRITE_MULTI)
                : (ext ? ATA_CMD_PIO_WRITE_EXT : ATA_CMD_PIO_WRITE), ext);
        for (int done = 0; done < count; done += block) {
            Result r = waitDrq();
            if (!r.ok()) {
                return r;
            }
            int n = Math.min(block, count - done);
            dataOut(src, offset + (long) done * ATA_SECT_SIZE, n * ATA_SECT_SIZE);
        }
        return finish();
    }

    /** Linux's {@code lba_28_ok}: a command whose last sector is past LBA28 needs the EXT form. */
    static boolean needsLba48(long lba, int count) {
        return lba + count - 1 > ATA_MAX_SECTORS_LBA28;
    }

    // Selects, loads the task file (ata_sff_tf_load: the HOB bytes first for LBA48) and issues cmd; returns the
    // DRQ block size in sectors.
    private int command(int position, long lba, int count, int cmd, boolean ext) {
        long limit = ext ? ATA_MAX_SECTORS_LBA48 - 1 : ATA_MAX_SECTORS_LBA28;
        if (count < 1 || count > ATA_MAX_SECTORS || lba < 0 || lba + count - 1 > limit) {
            throw new IllegalArgumentException("lba: " + lba + " count: " + count
                    + " (expected: 1..256 sectors inside LBA48)");
        }
        select(position);
        if (ext) {
            writeRegister(ATA_REG_FEATURE, 0);
            writeRegister(ATA_REG_NSECT, (count >>> 8) & 0xff);
            writeRegister(ATA_REG_LBAL, (int) (lba >>> 24) & 0xff);
            writeRegister(ATA_REG_LBAM, (int) (lba >>> 32) & 0xff);
            writeRegister(ATA_REG_LBAH, (int) (lba >>> 40) & 0xff);
        }
        writeRegister(ATA_REG_FEATURE, 0);
        writeRegister(ATA_REG_NSECT, count & 0xff);
        writeRegister(ATA_REG_LBAL, (int) lba & 0xff);
        writeRegister(ATA_REG_LBAM, (int) (lba >>> 8) & 0xff);
        writeRegister(ATA_REG_LBAH, (int) (lba >>> 16) & 0xff);
        writeRegister(ATA_REG_DEVICE, device(position) | ATA_LBA | (ext ? 0 : (int) (lba >>> 24) & 0x0f));
        issue(cmd);
        return config.multipleSectors() > 0 ? config.multipleSectors() : 1;
    }

    // ata_sff_dev_select: the device register, then the 400 ns pause (an alternate-status read).
    private void select(int position) {
        writeRegister(ATA_REG_DEVICE, device(position));
        altStatus();
    }

    // ata_sff_exec_command: the command, then the pause before the status is valid.
    private void issue(int cmd) {
        writeRegister(ATA_REG_CMD, cmd);
        altStatus();
    }

    private static int device(int position) {
        return ATA_DEVICE_OBS | (position == 1 ? ATA_DEV1 : 0);
    }

    /** Waits for BSY clear and DRQ set (the interrupt handler's status read, or polling). */
    private Result waitDrq() {
        Result r = waitNotBusy();
        if (!r.ok()) {
            return r;
        }
        if ((r.status() & ATA_DRQ) == 0) {
            return new Result(Outcome.TIMEOUT, r.status(), 0);
        }
        return r;
    }

    /** The command's end: BSY clear; ERR means the error register says why. */
    private Result finish() {
        return waitNotBusy();
    }

    // ata_sff_busy_wait on the status register, at most pollLimit reads.
    private Result waitNotBusy() {
        int status = 0;
        for (int i = 0; i < config.pollLimit(); i++) {
            status = status();
            if (status == 0 || status == 0xff) {
                return new Result(Outcome.NO_DEVICE, status, 0);
            }
            if ((status & ATA_BUSY) == 0) {
                if ((status & (ATA_ERR | ATA_DF)) != 0) {
                    return new Result(Outcome.ERROR, status, register(ATA_REG_ERR));
                }
                return new Result(Outcome.OK, status, 0);
            }
        }
        return new Result(Outcome.TIMEOUT, status, 0);
    }

    // ata_devchk: does a register at this position hold what was written?
    private boolean devchk(int position) {
        select(position);
        writeRegister(ATA_REG_NSECT, 0x55);
        writeRegister(ATA_REG_LBAL, 0xaa);
        writeRegister(ATA_REG_NSECT, 0xaa);
        writeRegister(ATA_REG_LBAL, 0x55);
        writeRegister(ATA_REG_NSECT, 0x55);
        writeRegister(ATA_REG_LBAL, 0xaa);
        return register(ATA_REG_NSECT) == 0x55 && register(ATA_REG_LBAL) == 0xaa;
    }

    // ata_sff_dev_classify: the signature after reset; an ATA drive must also look alive.
    private Class classify(int position) {
        select(position);
        int lbam = register(ATA_REG_LBAM);
        int lbah = register(ATA_REG_LBAH);
        int status = status();
        if (lbam == ATAPI_SIGNATURE_LBAM && lbah == ATAPI_SIGNATURE_LBAH) {
            return Class.ATAPI;
        }
        if (lbam == 0 && lbah == 0 && status != 0 && status != 0xff) {
            return Class.ATA;
        }
        return Class.NONE;
    }

    private void dataIn(MemorySegment dst, long offset, int bytes) {
        if (config.pio32()) {
            for (int i = 0; i < bytes; i += 4) {
                dst.set(DWORD, offset + i, bus.in(base + ATA_REG_DATA, 4));
            }
        } else {
            for (int i = 0; i < bytes; i += 2) {
                dst.set(WORD, offset + i, (short) bus.in(base + ATA_REG_DATA, 2));
            }
        }
    }

    private void dataOut(MemorySegment src, long offset, int bytes) {
        if (config.pio32()) {
            for (int i = 0; i < bytes; i += 4) {
                bus.out(base + ATA_REG_DATA, 4, src.get(DWORD, offset + i));
            }
        } else {
            for (int i = 0; i < bytes; i += 2) {
                bus.out(base + ATA_REG_DATA, 2, src.get(WORD, offset + i) & 0xffff);
            }
        }
    }
}
