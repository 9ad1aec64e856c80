package io.xensim.hvm.ide;

/**
 * The ATA register interface both ends use: the task-file register offsets of a channel's command block, the
 * status, error, device and device-control bits, and the command opcodes this model knows. Names are those of
 * Linux {@code include/linux/ata.h} ({@code ATA_REG_*}, {@code ATA_BUSY}, {@code ATA_CMD_*}), values those of the
 * ATA/ATAPI-7 specification.
 *
 * <pre>
 *   command block (base 0x1f0 / 0x170)           control block (0x3f6 / 0x376)
 *   +0 data (16/32-bit)                            +0 read: alternate status
 *   +1 read: error       write: features              write: device control (nIEN, SRST)
 *   +2 sector count
 *   +3 LBA 7:0   (CHS: sector number)
 *   +4 LBA 15:8  (CHS: cylinder low)
 *   +5 LBA 23:16 (CHS: cylinder high)
 *   +6 device: 1 LBA 1 DEV LBA27:24 (CHS: head; LBA48: unused)
 *   registers 1-5 are two-deep for LBA48: each write pushes the previous byte to the "HOB" copy
 *   +7 read: status      write: command
 * </pre>
 *
 * <p><b>Threading:</b> constants only.
 */
public final class Ata {
    /** Bytes in one ATA sector, the unit of every PIO data block. */
    public static final int ATA_SECT_SIZE = 512;
    /** The largest sector count of one LBA28 command (a sector count register of 0). */
    public static final int ATA_MAX_SECTORS = 256;
    /** The highest LBA28 capacity (words 60-61 saturate there). */
    public static final long ATA_MAX_SECTORS_LBA28 = 0x0fff_ffffL;
    /** The largest sector count of one LBA48 command (a 16-bit count of 0). */
    public static final int ATA_MAX_SECTORS_LBA48_COMMAND = 65536;
    /** Sectors LBA48 addresses. */
    public static final long ATA_MAX_SECTORS_LBA48 = 1L << 48;
    /** The largest block of READ/WRITE MULTIPLE this model offers (QEMU's {@code MAX_MULT_SECTORS}). */
    public static final int MAX_MULT_SECTORS = 16;

    // command block register offsets
    public static final int ATA_REG_DATA = 0;
    public static final int ATA_REG_ERR = 1;
    public static final int ATA_REG_FEATURE = 1;
    public static final int ATA_REG_NSECT = 2;
    public static final int ATA_REG_LBAL = 3;
    public static final int ATA_REG_LBAM = 4;
    public static final int ATA_REG_LBAH = 5;
    public static final int ATA_REG_DEVICE = 6;
    public static final int ATA_REG_STATUS = 7;
    public static final int ATA_REG_CMD = 7;
    /** Ports of the command block. */
    public static final int COMMAND_BLOCK_LENGTH = 8;

    // status register
    public static final int ATA_BUSY = 0x80;
    public static final int ATA_DRDY = 0x40;
    /** Device fault. */
    public static final int ATA_DF = 0x20;
    /** Device seek complete (QEMU's {@code SEEK_STAT}, set with DRDY on a disk). */
    public static final int ATA_DSC = 0x10;
    public static final int ATA_DRQ = 0x08;
    public static final int ATA_ERR = 0x01;

    // error register
    /** Uncorrectable data error (the image could not be read). */
    public static final int ATA_UNC = 0x40;
    /** ID not found: the address is outside the user-addressable sectors. */
    public static final int ATA_IDNF = 0x10;
    /** Command aborted (unknown, not permitted, or refused). */
    public static final int ATA_ABORTED = 0x04;
    /** The diagnostic code a drive shows after reset: no error. */
    public static final int ATA_DIAG_OK = 0x01;

    // device register
    /** Bits 7 and 5, obsolete and set by convention ({@code ATA_DEVICE_OBS}). */
    public static final int ATA_DEVICE_OBS = 0xa0;
    public static final int ATA_LBA = 0x40;
    /** The slave (device 1) select bit. */
    public static final int ATA_DEV1 = 0x10;

    // device control register
    /** Interrupts disabled ({@code nIEN}). */
    public static final int ATA_NIEN = 0x02;
    /** Software reset of both drives on the channel. */
    public static final int ATA_SRST = 0x04;
    /** High-order byte read-back: with it set, reads of registers 1-5 return the previous (LBA48 high) bytes. */
    public static final int ATA_HOB = 0x80;

    // commands
    public static final int ATA_CMD_NOP = 0x00;
    public static final int ATA_CMD_DEV_RESET = 0x08;
    public static final int ATA_CMD_PIO_READ = 0x20;
    public static final int ATA_CMD_PIO_READ_EXT = 0x24;
    public static final int ATA_CMD_READ_MULTI_EXT = 0x29;
    public static final int ATA_CMD_PIO_WRITE = 0x30;
    public static final int ATA_CMD_PIO_WRITE_EXT = 0x34;
    public static final int ATA_CMD_WRITE_MULTI_EXT = 0x39;
    /** EXECUTE DEVICE DIAGNOSTIC. */
    public static final int ATA_CMD_EDD = 0x90;
    public static final int ATA_CMD_PACKET = 0xa0;
    public static final int ATA_CMD_ID_ATAPI = 0xa1;
    public static final int ATA_CMD_READ_MULTI = 0xc4;
    public static final int ATA_CMD_WRITE_MULTI = 0xc5;
    public static final int ATA_CMD_SET_MULTI = 0xc6;
    public static final int ATA_CMD_CHK_POWER = 0xe5;
    public static final int ATA_CMD_FLUSH = 0xe7;
    public static final int ATA_CMD_FLUSH_EXT = 0xea;
    public static final int ATA_CMD_ID_ATA = 0xec;
    public static final int ATA_CMD_SET_FEATURES = 0xef;

    // SET FEATURES subcommands (features register)
    public static final int SETFEATURES_WC_ON = 0x02;
    public static final int SETFEATURES_XFER = 0x03;
    public static final int SETFEATURES_WC_OFF = 0x82;
    public static final int SETFEATURES_RA_ON = 0xaa;
    public static final int SETFEATURES_RA_OFF = 0x55;
    /** Transfer-mode values (sector count) of PIO: default and PIO with flow control ({@code XFER_PIO_*}). */
    public static final int XFER_PIO_0 = 0x08;
    public static final int XFER_PIO_4 = 0x0c;

    // the signature a drive leaves in LBA mid/high after reset or an aborted IDENTIFY DEVICE
    public static final int ATAPI_SIGNATURE_LBAM = 0x14;
    public static final int ATAPI_SIGNATURE_LBAH = 0xeb;

    private Ata() {
    }
}
