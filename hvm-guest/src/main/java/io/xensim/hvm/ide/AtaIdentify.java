package io.xensim.hvm.ide;

import java.nio.charset.StandardCharsets;

/**
 * The 256-word IDENTIFY DEVICE (and IDENTIFY PACKET DEVICE) data: what a drive answers about itself, and what a
 * guest driver reads back from it. ATA strings pack two characters a word, the first in the high byte, padded
 * with spaces.
 *
 * <pre>
 *   word  0     general configuration (0x0040 fixed disk; 0x85c0 ATAPI CD-ROM)
 *   words 1,3,6 default cylinders, heads, sectors per track
 *   10-19       serial number (20 characters)      23-26  firmware revision (8)    27-46  model number (40)
 *   47          0x8000 | largest READ/WRITE MULTIPLE block
 *   49          capabilities: bit 9 LBA, bit 11 IORDY (no DMA bit: this model has no bus-master DMA)
 *   53          bit 0 words 54-58 valid, bit 1 words 64-70 valid
 *   54-58       current cylinders, heads, sectors; capacity in CHS (58:57)
 *   59          bit 8 set when a multiple block is set, block size in 7:0
 *   60-61       LBA28 user-addressable sectors (61:60)
 *   64          advanced PIO modes (3 and 4);   65-68  PIO cycle times
 *   80-87       ATA major version, command sets supported (82-84) and enabled (85-87): write cache, FLUSH CACHE
 * </pre>
 *
 *   100-103     LBA48 user-addressable sectors (word 83/86 bit 10: the 48-bit feature set; bit 13 FLUSH CACHE EXT)
 *
 * <p><b>Threading:</b> immutable.
 *
 * <p><b>Reference:</b> QEMU {@code hw/ide/core.c} ({@code ide_identify}, {@code ide_atapi_identify},
 * {@code padstr}); Linux {@code include/linux/ata.h} ({@code ATA_ID_*} word numbers, {@code ata_id_string}).
 */
public record AtaIdentify(int config, String serial, String firmware, String model, int cylinders, int heads,
        int sectorsPerTrack, int maxMultiple, int multSetting, boolean lba, long lba28Sectors, boolean lba48,
        long lba48Sectors, boolean writeCache, boolean flushCache) {
    /** Word numbers, Linux's {@code ATA_ID_*}. */
    public static final int ATA_ID_CONFIG = 0;
    public static final int ATA_ID_CYLS = 1;
    public static final int ATA_ID_HEADS = 3;
    public static final int ATA_ID_SECTORS = 6;
    public static final int ATA_ID_SERNO = 10;
    public static final int ATA_ID_FW_REV = 23;
    public static final int ATA_ID_PROD = 27;
    public static final int ATA_ID_MAX_MULTSECT = 47;
    public static final int ATA_ID_CAPABILITY = 49;
    public static final int ATA_ID_FIELD_VALID = 53;
    public static final int ATA_ID_CUR_CYLS = 54;
    public static final int ATA_ID_MULTSECT = 59;
    public static final int ATA_ID_LBA_CAPACITY = 60;
    public static final int ATA_ID_PIO_MODES = 64;
    public static final int ATA_ID_MAJOR_VER = 80;
    public static final int ATA_ID_COMMAND_SET_1 = 82;
    public static final int ATA_ID_COMMAND_SET_2 = 83;
    public static final int ATA_ID_CFSSE = 84;
    public static final int ATA_ID_CFS_ENABLE_1 = 85;
    public static final int ATA_ID_CFS_ENABLE_2 = 86;
    public static final int ATA_ID_CSF_DEFAULT = 87;
    public static final int ATA_ID_LBA_CAPACITY_2 = 100;
    public static final int ATA_ID_WORDS = 256;

    /** Word 0 of an ATA fixed disk. */
    public static final int CONFIG_ATA_DISK = 0x0040;
    /** Word 0 of an ATAPI CD-ROM: ATAPI, CD-ROM device type, removable, 50 us DRQ, 12-byte packets. */
    public static final int CONFIG_ATAPI_CDROM = 0x85c0;

    private static final int CAP_LBA = 1 << 9;
    private static final int CAP_IORDY = 1 << 11;
    private static final int WRITE_CACHE_BIT = 1 << 5;
    private static final int FLUSH_CACHE_BIT = 1 << 12;
    private static final int LBA48_BIT = 1 << 10;
    private static final int FLUSH_CACHE_EXT_BIT = 1 << 13;
    private static final int VALID_BIT_14 = 1 << 14;

    /** The disk's size as a driver takes it: words 100-103 with LBA48, else words 60-61 (Linux {@code ata_id_n_sectors}). */
    public long capacity() {
        return lba48 ? lba48Sectors : lba28Sectors;
    }

    /** True for an ATAPI device's data (word 0 bits 15:14 = 10b). */
    public boolean atapi() {
        return (config & 0xc000) == 0x8000;
    }

    /** The identify data of an ATA disk of {@code sectors} with {@code geometry}, QEMU's {@code ide_identify}. */
    static byte[] disk(IdeDrive drive, ChsGeometry geometry, int multSectors, boolean writeCache) {
        int[] w = new int[ATA_ID_WORDS];
        long sectors = drive.image().sectors();
        w[ATA_ID_CONFIG] = CONFIG_ATA_DISK;
        w[ATA_ID_CYLS] = geometry.cylinders();
        w[ATA_ID_HEADS] = geometry.heads();
        w[4] = Ata.ATA_SECT_SIZE * geometry.sectors();   // obsolete: bytes per track
        w[5] = Ata.ATA_SECT_SIZE;                          // obsolete: bytes per sector
        w[ATA_ID_SECTORS] = geometry.sectors();
        putString(w, ATA_ID_SERNO, 20, drive.serial());
        w[20] = 3;        // obsolete: buffer type (dual-ported, read cache)
        w[21] = 512;      // obsolete: buffer size in sectors
        w[22] = 4;        // obsolete: ECC bytes
        putString(w, ATA_ID_FW_REV, 8, drive.firmware());
        putString(w, ATA_ID_PROD, 40, drive.model());
        w[ATA_ID_MAX_MULTSECT] = 0x8000 | Ata.MAX_MULT_SECTORS;
        w[48] = 1;        // 32-bit PIO data transfers
        w[ATA_ID_CAPABILITY] = CAP_LBA | CAP_IORDY;
        w[51] = 0x200;    // PIO data transfer cycle timing mode
        w[ATA_ID_FIELD_VALID] = 0x3;
        w[ATA_ID_CUR_CYLS] = geometry.cylinders();
        w[55] = geometry.heads();
        w[56] = geometry.sectors();
        long chs = geometry.capacity();
        w[57] = (int) (chs & 0xffff);
        w[58] = (int) (chs >>> 16) & 0xffff;
        w[ATA_ID_MULTSECT] = multSectors == 0 ? 0 : 0x100 | multSectors;
        long lba28 = Math.min(sectors, Ata.ATA_MAX_SECTORS_LBA28);
        w[ATA_ID_LBA_CAPACITY] = (int) (lba28 & 0xffff);
        w[ATA_ID_LBA_CAPACITY + 1] = (int) (lba28 >>> 16) & 0xffff;
        w[ATA_ID_PIO_MODES] = 0x03;
        for (int i = 65; i <= 68; i++) {
            w[i] = 120;   // cycle times in ns, those of PIO mode 4
        }
        w[ATA_ID_MAJOR_VER] = 0xf0;  // ATA-4 to ATA-7
        w[81] = 0x16;
        w[ATA_ID_COMMAND_SET_1] = VALID_BIT_14 | WRITE_CACHE_BIT;
        w[ATA_ID_COMMAND_SET_2] = VALID_BIT_14 | FLUSH_CACHE_BIT | LBA48_BIT | FLUSH_CACHE_EXT_BIT;
        w[ATA_ID_CFSSE] = VALID_BIT_14;
        w[ATA_ID_CFS_ENABLE_1] = VALID_BIT_14 | (writeCache ? WRITE_CACHE_BIT : 0);
        w[ATA_ID_CFS_ENABLE_2] = FLUSH_CACHE_BIT | LBA48_BIT | FLUSH_CACHE_EXT_BIT;
        w[ATA_ID_CSF_DEFAULT] = VALID_BIT_14;
        long lba48 = Math.min(sectors, Ata.ATA_MAX_SECTORS_LBA48 - 1);
        for (int i = 0; i < 4; i++) {
            w[ATA_ID_LBA_CAPACITY_2 + i] = (int) (lba48 >>> (16 * i)) & 0xffff;
        }
        return toBytes(w);
    }

    /** The identify data of an ATAPI CD-ROM, QEMU's {@code ide_atapi_identify} in part. */
    static byte[] atapi(IdeDrive drive) {
        int[] w = new int[ATA_ID_WORDS];
        w[ATA_ID_CONFIG] = CONFIG_ATAPI_CDROM;
        putString(w, ATA_ID_SERNO, 20, drive.serial());
        w[20] = 3;
        w[21] = 512;
        w[22] = 4;
        putString(w, ATA_ID_FW_REV, 8, drive.firmware());
        putString(w, ATA_ID_PROD, 40, drive.model());
        w[48] = 1;
        w[ATA_ID_CAPABILITY] = CAP_LBA | CAP_IORDY;
        w[ATA_ID_FIELD_VALID] = 0x3;
        w[ATA_ID_PIO_MODES] = 0x03;
        for (int i = 65; i <= 68; i++) {
            w[i] = 120;
        }
        w[ATA_ID_MAJOR_VER] = 0x1e;  // ATA-1 to ATA-4
        return toBytes(w);
    }

    /** Reads identify data (512 bytes, little-endian words) as a driver does, Linux's {@code ata_id_*}. */
    public static AtaIdentify decode(byte[] data) {
        if (data.length != ATA_ID_WORDS * 2) {
            throw new IllegalArgumentException("data: " + data.length + " bytes (expected: 512)");
        }
        int[] w = new int[ATA_ID_WORDS];
        for (int i = 0; i < ATA_ID_WORDS; i++) {
            w[i] = (data[2 * i] & 0xff) | (data[2 * i + 1] & 0xff) << 8;
        }
        long lba28 = w[ATA_ID_LBA_CAPACITY] | (long) w[ATA_ID_LBA_CAPACITY + 1] << 16;
        long lba48 = 0;
        for (int i = 0; i < 4; i++) {
            lba48 |= (long) w[ATA_ID_LBA_CAPACITY_2 + i] << (16 * i);
        }
        boolean has48 = (w[ATA_ID_COMMAND_SET_2] & 0xc000) == 0x4000 && (w[ATA_ID_COMMAND_SET_2] & LBA48_BIT) != 0;
        return new AtaIdentify(w[ATA_ID_CONFIG], getString(w, ATA_ID_SERNO, 20), getString(w, ATA_ID_FW_REV, 8),
                getString(w, ATA_ID_PROD, 40), w[ATA_ID_CYLS], w[ATA_ID_HEADS], w[ATA_ID_SECTORS],
                w[ATA_ID_MAX_MULTSECT] & 0xff, (w[ATA_ID_MULTSECT] & 0x100) != 0 ? w[ATA_ID_MULTSECT] & 0xff : 0,
                (w[ATA_ID_CAPABILITY] & CAP_LBA) != 0, lba28, has48, has48 ? lba48 : 0,
                (w[ATA_ID_CFS_ENABLE_1] & WRITE_CACHE_BIT) != 0, (w[ATA_ID_COMMAND_SET_2] & FLUSH_CACHE_BIT) != 0);
    }

    // QEMU padstr: characters in big-endian pairs, space padded, cut to the field.
    private static void putString(int[] w, int word, int chars, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < chars; i++) {
            int c = i < b.length ? b[i] & 0xff : ' ';
            int at = word + i / 2;
            w[at] |= (i % 2 == 0) ? c << 8 : c;
        }
    }

    // Linux ata_id_string followed by ata_id_c_string's trimming of trailing spaces.
    private static String getString(int[] w, int word, int chars) {
        var sb = new StringBuilder(chars);
        for (int i = 0; i < chars; i++) {
            int v = w[word + i / 2];
            int c = (i % 2 == 0) ? v >>> 8 : v & 0xff;
            sb.append(c >= 0x20 && c < 0x7f ? (char) c : ' ');
        }
        return sb.toString().stripTrailing();
    }

    private static byte[] toBytes(int[] w) {
        byte[] b = new byte[w.length * 2];
        for (int i = 0; i < w.length; i++) {
            b[2 * i] = (byte) w[i];
            b[2 * i + 1] = (byte) (w[i] >>> 8);
        }
        return b;
    }
}
