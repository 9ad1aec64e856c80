package io.xensim.hvm.ide;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.image.MemoryImage;
import io.xensim.hvm.platform.IoPortBus;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;

/**
 * Arbitrary guest port traffic at both IDE channels, and arbitrary I/O through the PIO driver against a model of
 * the disk: the model never throws, every access returns (bounded in time), a read-only image is never changed,
 * and after a soft reset the guest can always open the disk again and read back what it wrote.
 */
class IdePortProperties {
    private static final long SECTORS = 600;

    record Access(boolean write, int port, int size, int value) {
    }

    record Io(boolean write, long sector, int count, long seed) {
    }

    @Provide
    Arbitrary<Access> accesses() {
        Arbitrary<Integer> port = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.integers().between(0x1f0, 0x1f7)),
                Tuple.of(2, Arbitraries.of(0x3f6, 0x3f7, 0x376)),
                Tuple.of(3, Arbitraries.integers().between(0x170, 0x177)),
                Tuple.of(1, Arbitraries.integers().between(0x16e, 0x3ff)));
        Arbitrary<Integer> value = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of(Ata.ATA_CMD_PIO_READ, Ata.ATA_CMD_PIO_WRITE, Ata.ATA_CMD_READ_MULTI,
                        Ata.ATA_CMD_WRITE_MULTI, Ata.ATA_CMD_ID_ATA, Ata.ATA_CMD_ID_ATAPI, Ata.ATA_CMD_SET_MULTI,
                        Ata.ATA_CMD_SET_FEATURES, Ata.ATA_CMD_FLUSH, Ata.ATA_CMD_DEV_RESET, Ata.ATA_CMD_PACKET,
                        Ata.ATA_CMD_PIO_READ_EXT, Ata.ATA_CMD_PIO_WRITE_EXT, Ata.ATA_CMD_READ_MULTI_EXT,
                        Ata.ATA_CMD_WRITE_MULTI_EXT, Ata.ATA_CMD_FLUSH_EXT, Ata.ATA_CMD_EDD, Ata.ATA_CMD_CHK_POWER,
                        Ata.ATA_SRST, Ata.ATA_NIEN, Ata.ATA_HOB, 0xe0, 0xf0, 0x40, 0x50, 0)),
                Tuple.of(2, Arbitraries.integers().between(0, 0xff)),
                Tuple.of(1, Arbitraries.integers()));
        return Combinators.combine(Arbitraries.of(true, false), port, Arbitraries.of(1, 2, 2, 4), value)
                .as(Access::new);
    }

    @Provide
    Arbitrary<Io> ios() {
        return Combinators.combine(Arbitraries.of(true, false), Arbitraries.longs().between(0, SECTORS + 4),
                Arbitraries.integers().between(1, 300), Arbitraries.longs()).as(Io::new);
    }

    @Property(tries = 300)
    void arbitraryPortTrafficNeverThrowsNorHangs(@ForAll @Size(max = 400) List<@From("accesses") Access> traffic) {
        // Every command completes inside its port write and each access moves at most 4 bytes: seconds mean a hang.
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> run(traffic));
    }

    private static void run(List<Access> traffic) {
        var hda = MemoryImage.create("hda", SECTORS);
        var hdc = MemoryImage.createReadOnly("hdc", SECTORS);
        var cd = MemoryImage.createReadOnly("cd", 64);
        var bus = new IoPortBus();
        IdeController.install(bus, Map.of(0, IdeDrive.disk(hda, 0), 2, IdeDrive.disk(hdc, 2),
                3, IdeDrive.cdrom(cd, 3)));
        for (Access a : traffic) {
            if (a.write()) {
                bus.out(a.port(), a.size(), a.value());
            } else {
                int v = bus.in(a.port(), a.size());
                assertThat(Integer.toUnsignedLong(v)).isLessThanOrEqualTo(Integer.toUnsignedLong(IoPortBus.mask(a.size())));
            }
        }
        assertThat(bus.exits()).isEqualTo(traffic.size());
        assertThat(hdc.contents().asSlice(0, SECTORS * 512).elements(ValueLayout.JAVA_BYTE)
                .allMatch(s -> s.get(ValueLayout.JAVA_BYTE, 0) == 0)).as("read-only image untouched").isTrue();
        // Whatever state the traffic left, the guest's driver resets the channel and the disk works again.
        IdePioDisk disk = IdePioDisk.open(bus, 0, IdePioConfig.defaults()).orElseThrow();
        byte[] data = new byte[3 * 512];
        new Random(traffic.size()).nextBytes(data);
        assertThat(disk.write(7, MemorySegment.ofArray(data))).isCompletedWithValue(BlkStatus.OK);
        byte[] back = new byte[data.length];
        assertThat(disk.read(7, MemorySegment.ofArray(back))).isCompletedWithValue(BlkStatus.OK);
        assertThat(back).isEqualTo(data);
        assertThat(IdePioDisk.open(bus, 3, IdePioConfig.defaults())).as("the CD-ROM is no disk").isEmpty();
        hda.close();
        hdc.close();
        cd.close();
    }

    @Property(tries = 100)
    void pioIoMatchesAModelOfTheDisk(@ForAll @Size(max = 12) List<@From("ios") Io> ios,
            @ForAll boolean pio32, @ForAll boolean multiple) {
        var image = MemoryImage.create("hda", SECTORS);
        var bus = new IoPortBus();
        IdeController.install(bus, Map.of(0, IdeDrive.disk(image, 0)));
        var config = IdePioConfig.defaults().withPio32(pio32).withMultipleSectors(multiple ? 16 : 0);
        IdePioDisk disk = IdePioDisk.open(bus, 0, config).orElseThrow();
        byte[] model = new byte[(int) SECTORS * 512];
        for (Io io : ios) {
            byte[] buf = new byte[io.count() * 512];
            boolean inside = io.sector() + io.count() <= SECTORS;
            BlkStatus expected = inside ? BlkStatus.OK : BlkStatus.IO_ERROR;
            if (io.write()) {
                new Random(io.seed()).nextBytes(buf);
                assertThat(disk.write(io.sector(), MemorySegment.ofArray(buf))).isCompletedWithValue(expected);
                if (inside) {
                    System.arraycopy(buf, 0, model, (int) io.sector() * 512, buf.length);
                }
            } else {
                assertThat(disk.read(io.sector(), MemorySegment.ofArray(buf))).isCompletedWithValue(expected);
                if (inside) {
                    int from = (int) io.sector() * 512;
                    assertThat(buf).isEqualTo(Arrays.copyOfRange(model, from, from + buf.length));
                }
            }
        }
        assertThat(image.contents().asSlice(0, model.length).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(model);
        image.close();
    }
}
