package io.xensim.hvm.ide;

import static io.xensim.hvm.ide.Ata.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.image.BlockImage;
import io.xensim.blk.image.MemoryImage;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The device model at register level: what a guest sees port by port. */
class IdeControllerTest {
    private static final int READY = ATA_DRDY | ATA_DSC;

    private static byte[] pattern(int bytes, int seed) {
        byte[] b = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            b[i] = (byte) (i * 31 + seed);
        }
        return b;
    }

    @Test
    void identifyDeviceDescribesTheDisk() {
        try (var rig = IdeRig.disk(20480)) {
            rig.command(0, 0, 0, ATA_CMD_ID_ATA);
            assertThat(rig.status()).isEqualTo(READY | ATA_DRQ);
            byte[] data = rig.readBlock(512);
            assertThat(rig.status()).isEqualTo(READY);
            int[] w = new int[256];
            for (int i = 0; i < 256; i++) {
                w[i] = (data[2 * i] & 0xff) | (data[2 * i + 1] & 0xff) << 8;
            }
            assertThat(w[0]).isEqualTo(0x0040);
            assertThat(w[1]).isEqualTo(20);           // 20480 / (16 * 63), above the minimum of 2
            assertThat(w[3]).isEqualTo(16);
            assertThat(w[6]).isEqualTo(63);
            assertThat(w[47]).isEqualTo(0x8000 | MAX_MULT_SECTORS);
            assertThat(w[49] & (1 << 9)).as("LBA supported").isNotZero();
            assertThat(w[49] & (1 << 8)).as("no DMA").isZero();
            assertThat(w[59]).isEqualTo(0x100 | MAX_MULT_SECTORS);
            assertThat(w[60] | w[61] << 16).isEqualTo(20480);
            assertThat(w[83] & (1 << 10)).as("LBA48").isNotZero();
            assertThat(w[83] & (1 << 12)).as("FLUSH CACHE").isNotZero();
            assertThat(w[100] | w[101] << 16).isEqualTo(20480);
            assertThat(w[102] | w[103]).isZero();
            // model "QEMU HARDDISK": the first character in the high byte of word 27
            assertThat(w[27]).isEqualTo('Q' << 8 | 'E');
            AtaIdentify id = AtaIdentify.decode(data);
            assertThat(id.model()).isEqualTo("QEMU HARDDISK");
            assertThat(id.serial()).isEqualTo("QM00000");
            assertThat(id.firmware()).isEqualTo(IdeDrive.QEMU_FIRMWARE);
            assertThat(id.lba28Sectors()).isEqualTo(20480);
            assertThat(id.atapi()).isFalse();
            assertThat(id.writeCache()).isTrue();
            assertThat(id.flushCache()).isTrue();
        }
    }

    @Test
    void lba28CapacitySaturatesForAHugeImageAndLba48GivesAllOfIt() {
        BlockImage huge = new HugeImage(1L << 30);
        var rig = new IdeRig(Map.of(0, IdeDrive.disk(huge, 0)));
        rig.command(0, 0, 0, ATA_CMD_ID_ATA);
        AtaIdentify id = AtaIdentify.decode(rig.readBlock(512));
        assertThat(id.lba28Sectors()).isEqualTo(ATA_MAX_SECTORS_LBA28);
        assertThat(id.lba48()).isTrue();
        assertThat(id.lba48Sectors()).isEqualTo(1L << 30);
        assertThat(id.capacity()).isEqualTo(1L << 30);
        assertThat(id.cylinders()).isEqualTo(16383);
    }

    @Test
    void lba48CommandsTakeTheHighBytesFromTheHobRegisters() {
        try (var rig = IdeRig.disk(1024)) {
            byte[] data = pattern(2 * 512, 5);
            rig.image(0).write(700L * 512, MemorySegment.ofArray(data));
            // 700 = 0x2bc: high bytes (HOB) first, then the low bytes, LBA48 with a 16-bit count of 2
            rig.out(ATA_REG_DEVICE, ATA_LBA);
            rig.out(ATA_REG_NSECT, 0);
            rig.out(ATA_REG_LBAL, 0);
            rig.out(ATA_REG_LBAM, 0);
            rig.out(ATA_REG_LBAH, 0);
            rig.out(ATA_REG_NSECT, 2);
            rig.out(ATA_REG_LBAL, 0xbc);
            rig.out(ATA_REG_LBAM, 0x02);
            rig.out(ATA_REG_LBAH, 0);
            rig.out(ATA_REG_CMD, ATA_CMD_PIO_READ_EXT);
            assertThat(rig.status()).isEqualTo(READY | ATA_DRQ);
            assertThat(concat(rig.readBlock(512), rig.readBlock(512))).isEqualTo(data);
            assertThat(rig.status()).isEqualTo(READY);
            assertThat(rig.in(ATA_REG_LBAL)).isEqualTo(0xbe);   // past the last sector
            rig.control(ATA_HOB);
            assertThat(rig.in(ATA_REG_LBAL)).as("LBA 31:24").isZero();
            assertThat(rig.in(ATA_REG_NSECT)).isZero();
            rig.control(0);
            // a 48-bit address past the end is IDNF like a 28-bit one
            rig.out(ATA_REG_LBAL, 1);    // HOB LBA 31:24 = 1 -> sector 2^24 + ...
            rig.out(ATA_REG_LBAL, 0);
            rig.out(ATA_REG_NSECT, 1);
            rig.out(ATA_REG_CMD, ATA_CMD_PIO_READ_EXT);
            assertThat(rig.in(ATA_REG_ERR)).isEqualTo(ATA_IDNF);
        }
    }

    @Test
    void readSectorsTransfersOneBlockPerSectorWithAnInterruptEach() {
        try (var rig = IdeRig.disk(64)) {
            byte[] data = pattern(3 * 512, 7);
            rig.image(0).write(5 * 512, MemorySegment.ofArray(data));
            rig.command(0, 5, 3, ATA_CMD_PIO_READ);
            byte[] got = new byte[0];
            for (int s = 0; s < 3; s++) {
                assertThat(rig.controller.channel(0).irq().asserted()).isTrue();
                assertThat(rig.status()).isEqualTo(READY | ATA_DRQ);
                assertThat(rig.controller.channel(0).irq().asserted()).as("status read acknowledges").isFalse();
                byte[] block = rig.readBlock(512);
                got = concat(got, block);
            }
            assertThat(got).isEqualTo(data);
            assertThat(rig.status()).isEqualTo(READY);
            assertThat(rig.injections()).isEqualTo(3);
            // the address registers end past the last sector, the count at zero (QEMU ide_set_sector)
            assertThat(rig.in(ATA_REG_LBAL)).isEqualTo(8);
            assertThat(rig.in(ATA_REG_NSECT)).isZero();
            assertThat(rig.word()).as("no transfer: data reads 0").isZero();
        }
    }

    @Test
    void writeSectorsLandsOnTheImageAndInterruptsAfterEachBlock() {
        try (var rig = IdeRig.disk(64)) {
            byte[] data = pattern(2 * 512, 3);
            rig.command(0, 10, 2, ATA_CMD_PIO_WRITE);
            assertThat(rig.status()).isEqualTo(READY | ATA_DRQ);
            assertThat(rig.injections()).as("the first block is asked for without an interrupt").isZero();
            rig.writeBlock(Arrays.copyOfRange(data, 0, 512));
            assertThat(rig.status()).isEqualTo(READY | ATA_DRQ);
            rig.writeBlock(Arrays.copyOfRange(data, 512, 1024));
            assertThat(rig.status()).isEqualTo(READY);
            assertThat(rig.injections()).isEqualTo(2);
            byte[] onImage = new byte[1024];
            rig.image(0).read(10 * 512, MemorySegment.ofArray(onImage));
            assertThat(onImage).isEqualTo(data);
        }
    }

    @Test
    void readMultipleMovesBlocksOfTheMultipleSetting() {
        try (var rig = IdeRig.disk(64)) {
            byte[] data = pattern(6 * 512, 9);
            rig.image(0).write(0, MemorySegment.ofArray(data));
            rig.out(ATA_REG_NSECT, 4);
            rig.out(ATA_REG_CMD, ATA_CMD_SET_MULTI);
            assertThat(rig.status()).isEqualTo(READY);
            rig.command(0, 0, 6, ATA_CMD_READ_MULTI);
            assertThat(rig.status()).isEqualTo(READY | ATA_DRQ);
            byte[] first = rig.readBlock(4 * 512);
            assertThat(rig.status()).isEqualTo(READY | ATA_DRQ);
            byte[] second = rig.readBlock(2 * 512);
            assertThat(concat(first, second)).isEqualTo(data);
            assertThat(rig.status()).isEqualTo(READY);
            assertThat(rig.injections()).isEqualTo(1 + 2);   // SET MULTIPLE, then one per block
        }
    }

    @Test
    void setMultipleRefusesWhatIsNotAPowerOfTwoUpToSixteen() {
        try (var rig = IdeRig.disk(64)) {
            for (int bad : new int[] {3, 32, 255}) {
                rig.out(ATA_REG_NSECT, bad);
                rig.out(ATA_REG_CMD, ATA_CMD_SET_MULTI);
                assertThat(rig.status()).isEqualTo(ATA_DRDY | ATA_ERR);
                assertThat(rig.in(ATA_REG_ERR)).isEqualTo(ATA_ABORTED);
            }
            rig.out(ATA_REG_NSECT, 0);
            rig.out(ATA_REG_CMD, ATA_CMD_SET_MULTI);
            rig.command(0, 0, 1, ATA_CMD_READ_MULTI);
            assertThat(rig.in(ATA_REG_ERR)).as("MULTIPLE while disabled").isEqualTo(ATA_ABORTED);
        }
    }

    @Test
    void chsAddressingReachesTheSameSectorAsLba() {
        try (var rig = IdeRig.disk(16 * 63 * 4)) {
            // cylinder 1, head 2, sector 5 = (1 * 16 + 2) * 63 + 4
            long lba = (16 + 2) * 63 + 4;
            byte[] data = pattern(512, 1);
            rig.image(0).write(lba * 512, MemorySegment.ofArray(data));
            rig.out(ATA_REG_DEVICE, ATA_DEVICE_OBS | 2);
            rig.out(ATA_REG_NSECT, 1);
            rig.out(ATA_REG_LBAL, 5);
            rig.out(ATA_REG_LBAM, 1);
            rig.out(ATA_REG_LBAH, 0);
            rig.out(ATA_REG_CMD, ATA_CMD_PIO_READ);
            assertThat(rig.status()).isEqualTo(READY | ATA_DRQ);
            assertThat(rig.readBlock(512)).isEqualTo(data);
            rig.out(ATA_REG_LBAL, 0);   // CHS sector numbers start at 1
            rig.out(ATA_REG_CMD, ATA_CMD_PIO_READ);
            assertThat(rig.in(ATA_REG_ERR)).isEqualTo(ATA_IDNF);
        }
    }

    @Test
    void anAddressPastTheEndIsIdnfAndNothingIsTransferred() {
        try (var rig = IdeRig.disk(64)) {
            rig.command(0, 63, 2, ATA_CMD_PIO_READ);
            assertThat(rig.status()).isEqualTo(ATA_DRDY | ATA_ERR);
            assertThat(rig.in(ATA_REG_ERR)).isEqualTo(ATA_IDNF);
            assertThat(rig.injections()).isEqualTo(1);
            rig.command(0, 64, 1, ATA_CMD_PIO_WRITE);
            assertThat(rig.in(ATA_REG_ERR)).isEqualTo(ATA_IDNF);
            assertThat(rig.word()).isZero();
            rig.command(0, 63, 1, ATA_CMD_PIO_READ);
            assertThat(rig.status()).as("the last sector itself is fine").isEqualTo(READY | ATA_DRQ);
        }
    }

    @Test
    void unknownCommandsAreAborted() {
        try (var rig = IdeRig.disk(64)) {
            for (int cmd : new int[] {ATA_CMD_NOP, 0x40 /* READ VERIFY */, 0xc8 /* READ DMA */, 0x5a,
                ATA_CMD_PACKET, ATA_CMD_ID_ATAPI, ATA_CMD_DEV_RESET}) {
                rig.out(ATA_REG_CMD, cmd);
                assertThat(rig.status()).as("command 0x%02x", cmd).isEqualTo(ATA_DRDY | ATA_ERR);
                assertThat(rig.in(ATA_REG_ERR)).isEqualTo(ATA_ABORTED);
            }
            rig.out(ATA_REG_FEATURE, 0x99);
            rig.out(ATA_REG_CMD, ATA_CMD_SET_FEATURES);
            assertThat(rig.in(ATA_REG_ERR)).as("unknown SET FEATURES subcommand").isEqualTo(ATA_ABORTED);
            rig.out(ATA_REG_FEATURE, SETFEATURES_XFER);
            rig.out(ATA_REG_NSECT, 0x42);   // UDMA mode 2
            rig.out(ATA_REG_CMD, ATA_CMD_SET_FEATURES);
            assertThat(rig.in(ATA_REG_ERR)).as("no DMA modes").isEqualTo(ATA_ABORTED);
            rig.out(ATA_REG_NSECT, XFER_PIO_4);
            rig.out(ATA_REG_CMD, ATA_CMD_SET_FEATURES);
            assertThat(rig.status()).isEqualTo(READY);
        }
    }

    @Test
    void setFeaturesTurnsTheWriteCacheOffAndFlushCacheCompletes() {
        try (var rig = IdeRig.disk(64)) {
            rig.out(ATA_REG_FEATURE, SETFEATURES_WC_OFF);
            rig.out(ATA_REG_CMD, ATA_CMD_SET_FEATURES);
            assertThat(rig.status()).isEqualTo(READY);
            rig.out(ATA_REG_CMD, ATA_CMD_ID_ATA);
            assertThat(AtaIdentify.decode(rig.readBlock(512)).writeCache()).isFalse();
            rig.out(ATA_REG_CMD, ATA_CMD_FLUSH);
            assertThat(rig.status()).isEqualTo(READY);
            rig.out(ATA_REG_CMD, ATA_CMD_CHK_POWER);
            assertThat(rig.in(ATA_REG_NSECT)).isEqualTo(0xff);
        }
    }

    @Test
    void aReadOnlyImageAbortsWritesAndKeepsItsData() {
        var ro = MemoryImage.createReadOnly("ro", 64);
        var rig = new IdeRig(Map.of(0, IdeDrive.disk(ro, 0)));
        rig.command(0, 0, 1, ATA_CMD_PIO_WRITE);
        assertThat(rig.status()).isEqualTo(ATA_DRDY | ATA_ERR);
        assertThat(rig.in(ATA_REG_ERR)).isEqualTo(ATA_ABORTED);
        rig.word(0x1234);   // no DRQ: dropped
        rig.command(0, 0, 1, ATA_CMD_PIO_READ);
        assertThat(rig.readBlock(512)).containsOnly(0);
        rig.out(ATA_REG_CMD, ATA_CMD_FLUSH);
        assertThat(rig.status()).isEqualTo(READY);
        rig.close();
    }

    @Test
    void softResetCancelsATransferAndLeavesTheSignature() {
        try (var rig = IdeRig.disk(64)) {
            rig.command(0, 0, 4, ATA_CMD_PIO_READ);
            rig.readBlock(100);
            rig.control(ATA_SRST);
            assertThat(rig.altStatus() & ATA_BUSY).isNotZero();
            rig.out(ATA_REG_CMD, ATA_CMD_ID_ATA);   // ignored while busy
            assertThat(rig.controller.channel(0).phase()).isEqualTo(IdeChannel.Phase.RESET);
            rig.control(0);
            assertThat(rig.status()).isEqualTo(READY);
            assertThat(rig.in(ATA_REG_ERR)).isEqualTo(ATA_DIAG_OK);
            assertThat(rig.in(ATA_REG_NSECT)).isEqualTo(1);
            assertThat(rig.in(ATA_REG_LBAL)).isEqualTo(1);
            assertThat(rig.in(ATA_REG_LBAM)).isZero();
            assertThat(rig.in(ATA_REG_LBAH)).isZero();
            assertThat(rig.word()).as("the read was cancelled").isZero();
            assertThat(rig.controller.channel(0).phase()).isEqualTo(IdeChannel.Phase.IDLE);
        }
    }

    @Test
    void nIenSuppressesInjections() {
        try (var rig = IdeRig.disk(64)) {
            rig.control(ATA_NIEN);
            rig.command(0, 0, 2, ATA_CMD_PIO_READ);
            rig.readBlock(1024);
            rig.out(ATA_REG_CMD, 0x5a);
            assertThat(rig.injections()).isZero();
            rig.control(0);
            rig.out(ATA_REG_CMD, ATA_CMD_FLUSH);
            assertThat(rig.injections()).isEqualTo(1);
            assertThat(rig.controller.channel(1).irq().irq()).isEqualTo(15);
            assertThat(rig.controller.channel(0).irq().irq()).isEqualTo(14);
        }
    }

    @Test
    void registerWritesAreIgnoredWhileDrqIsSet() {
        try (var rig = IdeRig.disk(64)) {
            rig.command(0, 0, 1, ATA_CMD_PIO_READ);
            rig.out(ATA_REG_LBAL, 0x33);
            rig.out(ATA_REG_CMD, ATA_CMD_ID_ATA);   // ignored: a command is running
            assertThat(rig.in(ATA_REG_LBAL)).isZero();
            rig.readBlock(512);
            rig.out(ATA_REG_LBAL, 0x33);
            assertThat(rig.in(ATA_REG_LBAL)).isEqualTo(0x33);
        }
    }

    @Test
    void absentDrivesReadAsZeroAndIgnoreCommands() {
        try (var rig = IdeRig.disk(64)) {
            rig.out(ATA_REG_DEVICE, ATA_DEVICE_OBS | ATA_DEV1);   // the missing slave
            assertThat(rig.status()).isZero();
            rig.out(ATA_REG_NSECT, 0x55);
            assertThat(rig.in(ATA_REG_NSECT)).as("its task file still holds what was written").isEqualTo(0x55);
            assertThat(rig.in(ATA_REG_LBAH)).as("no-drive signature").isEqualTo(0xff);
            rig.out(ATA_REG_CMD, ATA_CMD_ID_ATA);
            assertThat(rig.status()).isZero();
            assertThat(rig.injections()).isZero();
            // the secondary channel has no drive at all
            assertThat(rig.bus.in(IdeController.SECONDARY_COMMAND_PORT + ATA_REG_STATUS, 1)).isZero();
            assertThat(rig.bus.in(IdeController.SECONDARY_CONTROL_PORT, 1)).isZero();
            // the master is still there
            rig.out(ATA_REG_DEVICE, ATA_DEVICE_OBS);
            assertThat(rig.status()).isEqualTo(READY);
        }
    }

    @Test
    void aCdromIsAtapiMinimal() {
        var cd = MemoryImage.createReadOnly("cd", 64);
        var rig = new IdeRig(Map.of(2, IdeDrive.cdrom(cd, 2)));
        int base = IdeController.SECONDARY_COMMAND_PORT;
        assertThat(rig.bus.in(base + ATA_REG_LBAM, 1)).isEqualTo(ATAPI_SIGNATURE_LBAM);
        assertThat(rig.bus.in(base + ATA_REG_LBAH, 1)).isEqualTo(ATAPI_SIGNATURE_LBAH);
        rig.bus.out(base + ATA_REG_CMD, 1, ATA_CMD_ID_ATA);
        assertThat(rig.bus.in(base + ATA_REG_ERR, 1)).isEqualTo(ATA_ABORTED);
        assertThat(rig.bus.in(base + ATA_REG_LBAH, 1)).isEqualTo(ATAPI_SIGNATURE_LBAH);
        rig.bus.out(base + ATA_REG_CMD, 1, ATA_CMD_ID_ATAPI);
        assertThat(rig.bus.in(base + ATA_REG_STATUS, 1) & ATA_DRQ).isNotZero();
        byte[] id = new byte[512];
        for (int i = 0; i < 512; i += 2) {
            int w = rig.bus.in(base, 2);
            id[i] = (byte) w;
            id[i + 1] = (byte) (w >>> 8);
        }
        AtaIdentify atapi = AtaIdentify.decode(id);
        assertThat(atapi.atapi()).isTrue();
        assertThat(atapi.model()).isEqualTo("QEMU DVD-ROM");
        rig.bus.out(base + ATA_REG_CMD, 1, ATA_CMD_PIO_READ);
        assertThat(rig.bus.in(base + ATA_REG_ERR, 1)).as("no ATA reads from a CD-ROM").isEqualTo(ATA_ABORTED);
        rig.bus.out(base + ATA_REG_CMD, 1, ATA_CMD_PACKET);
        assertThat(rig.bus.in(base + ATA_REG_ERR, 1)).as("no ATAPI command set").isEqualTo(ATA_ABORTED);
        rig.close();
    }

    @Test
    void bothPositionsSeeTheDeviceRegisterAsWrittenAndACommandLowersTheLine() {
        var rig = new IdeRig(Map.of(0, IdeDrive.disk(MemoryImage.create("hda", 64), 0),
                1, IdeDrive.disk(MemoryImage.create("hdb", 64), 1)));
        rig.out(ATA_REG_DEVICE, ATA_LBA | ATA_DEV1 | 0x3);
        assertThat(rig.in(ATA_REG_DEVICE)).isEqualTo(ATA_DEVICE_OBS | ATA_LBA | ATA_DEV1 | 0x3);
        rig.out(ATA_REG_CMD, ATA_CMD_FLUSH);
        assertThat(rig.controller.channel(0).irq().asserted()).isTrue();
        rig.out(ATA_REG_CMD, ATA_CMD_FLUSH);
        assertThat(rig.injections()).as("the command write lowered the line; the next completion raised it again")
                .isEqualTo(2);
        rig.close();
    }

    @Test
    void executeDeviceDiagnosticShowsTheSignature() {
        try (var rig = IdeRig.disk(64)) {
            rig.out(ATA_REG_LBAM, 0x12);
            rig.out(ATA_REG_CMD, ATA_CMD_EDD);
            assertThat(rig.status()).isEqualTo(READY);
            assertThat(rig.in(ATA_REG_ERR)).isEqualTo(ATA_DIAG_OK);
            assertThat(rig.in(ATA_REG_LBAM)).isZero();
            assertThat(rig.in(ATA_REG_NSECT)).isEqualTo(1);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** An image that only answers its size (IDENTIFY reads nothing else). */
    private record HugeImage(long sectors) implements BlockImage {
        @Override
        public String name() {
            return "huge";
        }

        @Override
        public boolean writable() {
            return false;
        }

        @Override
        public boolean discardable() {
            return false;
        }

        @Override
        public void read(long offset, MemorySegment dst) {
            dst.fill((byte) 0);
        }

        @Override
        public void write(long offset, MemorySegment src) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void flush() {
        }

        @Override
        public void discard(long offset, long length) {
        }

        @Override
        public void close() {
        }
    }
}
