package io.xensim.hvm.ide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.guest.GuestBlockDevice;
import io.xensim.blk.image.MemoryImage;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The guest's PIO driver against the model: probing, I/O through GuestBlockDevice, and what it costs in exits. */
class IdePioDiskTest {
    private static MemorySegment buffer(int bytes, long seed) {
        byte[] b = new byte[bytes];
        new Random(seed).nextBytes(b);
        return MemorySegment.ofArray(b);
    }

    @Test
    void opensTheDiskWithWhatIdentifySays() {
        try (var rig = IdeRig.disk(4096)) {
            IdePioDisk disk = IdePioDisk.open(rig.bus, 0, IdePioConfig.defaults()).orElseThrow();
            assertThat(disk.name()).isEqualTo("hda");
            assertThat(disk.sectors()).isEqualTo(4096);
            assertThat(disk.state()).isEqualTo(GuestBlockDevice.State.CONNECTED);
            assertThat(disk.identify().model()).isEqualTo("QEMU HARDDISK");
            assertThat(disk.readOnly()).isFalse();
            assertThat(disk.queueDepth()).isEqualTo(1);
            assertThat(IdePioDisk.open(rig.bus, 1, IdePioConfig.defaults())).as("no slave").isEmpty();
            assertThat(IdePioDisk.open(rig.bus, 2, IdePioConfig.defaults())).as("empty channel").isEmpty();
        }
    }

    @Test
    void aCdromIsNotOpenedAsADisk() {
        var rig = new IdeRig(Map.of(0, IdeDrive.disk(MemoryImage.create("hda", 64), 0),
                1, IdeDrive.cdrom(MemoryImage.createReadOnly("cd", 64), 1)));
        var pio = AtaPio.channel(rig.bus, 0, IdePioConfig.defaults());
        assertThat(pio.probe()).containsExactly(AtaPio.Class.ATA, AtaPio.Class.ATAPI);
        assertThat(IdePioDisk.open(rig.bus, 1, IdePioConfig.defaults())).isEmpty();
        assertThat(IdePioDisk.open(rig.bus, 0, IdePioConfig.defaults())).isPresent();
        rig.close();
    }

    @Test
    void roundTripsAgainstTheImageInEveryDriverMode() {
        for (IdePioConfig config : new IdePioConfig[] {IdePioConfig.defaults(), IdePioConfig.defaults().withPio32(true),
            IdePioConfig.defaults().withMultipleSectors(8), IdePioConfig.defaults().withPolling(true)}) {
            try (var rig = IdeRig.disk(2048)) {
                IdePioDisk disk = IdePioDisk.open(rig.bus, 0, config).orElseThrow();
                // 300 sectors: two commands (256 + 44)
                MemorySegment data = buffer(300 * 512, 42);
                assertThat(disk.write(100, data)).isCompletedWithValue(BlkStatus.OK);
                MemorySegment onImage = MemorySegment.ofArray(new byte[300 * 512]);
                rig.image(0).read(100 * 512, onImage);
                assertThat(onImage.mismatch(data)).as("%s", config).isEqualTo(-1);
                MemorySegment back = MemorySegment.ofArray(new byte[300 * 512]);
                assertThat(disk.read(100, back)).isCompletedWithValue(BlkStatus.OK);
                assertThat(back.mismatch(data)).isEqualTo(-1);
                assertThat(disk.writeFua(0, buffer(512, 1))).isCompletedWithValue(BlkStatus.OK);
                assertThat(disk.flush()).isCompletedWithValue(BlkStatus.OK);
                if (config.polling()) {
                    assertThat(rig.injections()).as("nIEN while polling").isZero();
                }
            }
        }
    }

    @Test
    void pastTheEndFailsWithoutTouchingTheDisk() {
        try (var rig = IdeRig.disk(64)) {
            IdePioDisk disk = IdePioDisk.open(rig.bus, 0, IdePioConfig.defaults()).orElseThrow();
            long exits = rig.bus.exits();
            assertThat(disk.read(63, MemorySegment.ofArray(new byte[1024]))).isCompletedWithValue(BlkStatus.IO_ERROR);
            assertThat(disk.write(64, MemorySegment.ofArray(new byte[512]))).isCompletedWithValue(BlkStatus.IO_ERROR);
            assertThat(rig.bus.exits()).isEqualTo(exits);
            assertThat(disk.discard(0, 8)).isCompletedWithValue(BlkStatus.NOT_SUPPORTED);
            assertThatThrownBy(() -> disk.read(0, MemorySegment.ofArray(new byte[100])))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of 512");
            assertThat(disk.state()).isEqualTo(GuestBlockDevice.State.CONNECTED);
        }
    }

    @Test
    void aReadOnlyImageFailsWritesWithAnIoError() {
        var rig = new IdeRig(Map.of(0, IdeDrive.disk(MemoryImage.createReadOnly("ro", 64), 0)));
        IdePioDisk disk = IdePioDisk.open(rig.bus, 0, IdePioConfig.defaults()).orElseThrow();
        assertThat(disk.write(0, buffer(512, 3))).isCompletedWithValue(BlkStatus.IO_ERROR);
        assertThat(disk.state()).isEqualTo(GuestBlockDevice.State.CONNECTED);
        MemorySegment back = MemorySegment.ofArray(new byte[512]);
        assertThat(disk.read(0, back)).isCompletedWithValue(BlkStatus.OK);
        assertThat(back.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)).containsOnly(0);
        rig.close();
    }

    @Test
    void anUnpluggedDiskIsGone() {
        try (var rig = IdeRig.disk(64)) {
            IdePioDisk disk = IdePioDisk.open(rig.bus, 0, IdePioConfig.defaults()).orElseThrow();
            rig.controller.unplugIdeDisks();
            assertThat(disk.read(0, MemorySegment.ofArray(new byte[512]))).isCompletedWithValue(BlkStatus.NO_DEVICE);
            assertThat(disk.state()).isEqualTo(GuestBlockDevice.State.GONE);
            assertThat(disk.flush()).isCompletedWithValue(BlkStatus.NO_DEVICE);
            assertThat(disk.queueDepth()).isZero();
        }
    }

    @Test
    void aDriveStuckBusyCostsAtMostThePollBound() {
        var bus = new io.xensim.hvm.platform.IoPortBus();
        io.xensim.hvm.platform.IoPortDevice busy = new io.xensim.hvm.platform.IoPortDevice() {
            @Override
            public int in(int offset, int size) {
                return offset == Ata.ATA_REG_STATUS ? Ata.ATA_BUSY : 0x55;
            }

            @Override
            public void out(int offset, int size, int value) {
            }
        };
        bus.register("stuck", IdeController.PRIMARY_COMMAND_PORT, 8, busy);
        bus.register("stuck-ctl", IdeController.PRIMARY_CONTROL_PORT, 1, (io.xensim.hvm.platform.IoPortDevice) busy);
        var pio = AtaPio.channel(bus, 0, IdePioConfig.defaults().withPollLimit(50));
        assertThat(pio.softReset().outcome()).isEqualTo(AtaPio.Outcome.TIMEOUT);
        assertThat(bus.exits()).isEqualTo(2 + 50);
        assertThat(IdePioDisk.open(bus, 0, IdePioConfig.defaults().withPollLimit(50))).isEmpty();
    }

    @Test
    void pastLba28TheDriverUsesLba48() {
        var image = new SparseImage((1L << 28) + 4096);
        var rig = new IdeRig(Map.of(0, IdeDrive.disk(image, 0)));
        IdePioDisk disk = IdePioDisk.open(rig.bus, 0, IdePioConfig.defaults()).orElseThrow();
        assertThat(disk.sectors()).isEqualTo((1L << 28) + 4096);
        assertThat(disk.identify().lba48()).isTrue();
        long at = (1L << 28) - 2;   // four sectors across the LBA28 limit
        MemorySegment data = buffer(4 * 512, 11);
        rig.bus.resetExits();
        assertThat(disk.write(at, data)).isCompletedWithValue(BlkStatus.OK);
        assertThat(rig.bus.exits()).as("five HOB writes more than an LBA28 command").isEqualTo(15 + 4 * 257 + 1);
        assertThat(image.written).containsOnlyKeys(at, at + 1, at + 2, at + 3);
        MemorySegment back = MemorySegment.ofArray(new byte[4 * 512]);
        assertThat(disk.read(at, back)).isCompletedWithValue(BlkStatus.OK);
        assertThat(back.mismatch(data)).isEqualTo(-1);
        assertThat(disk.read(disk.sectors() - 1, MemorySegment.ofArray(new byte[1024])))
                .isCompletedWithValue(BlkStatus.IO_ERROR);
    }

    /**
     * The cost of 4 KiB through emulated IDE, exit by exit: select (2), task file (6), command and pause (2),
     * per sector one status read and 256 16-bit data accesses, and the final status read.
     */
    @Test
    void exitsAndInjectionsPer4KiB() {
        try (var rig = IdeRig.disk(2048)) {
            IdePioDisk disk = IdePioDisk.open(rig.bus, 0, IdePioConfig.defaults()).orElseThrow();
            rig.bus.resetExits();
            rig.controller.channel(0).irq().resetInjections();
            assertThat(disk.read(8, MemorySegment.ofArray(new byte[4096]))).isCompletedWithValue(BlkStatus.OK);
            assertThat(rig.bus.exits()).isEqualTo(10 + 8 * (1 + 256) + 1);
            assertThat(rig.injections()).isEqualTo(8);
            rig.bus.resetExits();
            rig.controller.channel(0).irq().resetInjections();
            assertThat(disk.write(8, buffer(4096, 5))).isCompletedWithValue(BlkStatus.OK);
            assertThat(rig.bus.exits()).isEqualTo(10 + 8 * (1 + 256) + 1);
            assertThat(rig.injections()).as("after each block; none before the first").isEqualTo(8);
        }
        try (var rig = IdeRig.disk(2048)) {
            IdePioDisk disk = IdePioDisk.open(rig.bus, 0, IdePioConfig.defaults().withPio32(true)
                    .withMultipleSectors(8)).orElseThrow();
            rig.bus.resetExits();
            rig.controller.channel(0).irq().resetInjections();
            assertThat(disk.read(8, MemorySegment.ofArray(new byte[4096]))).isCompletedWithValue(BlkStatus.OK);
            assertThat(rig.bus.exits()).isEqualTo(10 + (1 + 1024) + 1);
            assertThat(rig.injections()).isEqualTo(1);
        }
    }
}
