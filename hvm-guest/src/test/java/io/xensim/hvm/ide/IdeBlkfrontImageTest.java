package io.xensim.hvm.ide;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.back.Blkback;
import io.xensim.blk.back.BlkbackConfig;
import io.xensim.blk.front.BlkfrontDrivers;
import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.guest.GuestBlockDevice;
import io.xensim.blk.image.RawImage;
import io.xensim.hvm.platform.IoPortBus;
import io.xensim.xenbus.bus.BusFixture;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.DiskConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One raw image file, written by the guest through the emulated IDE disk and read back through blkfront and
 * blkback (and the other way round): the two paths share the image format, as an HVM guest's {@code hda} does
 * before and after the unplug.
 */
class IdeBlkfrontImageTest {
    private static final long SECTORS = 4096;

    @TempDir
    Path dir;

    private static byte[] random(int bytes, long seed) {
        byte[] b = new byte[bytes];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void writtenThroughIdeReadThroughBlkfrontAndBack() throws Exception {
        Path file = dir.resolve("hda.img");
        byte[] viaIde = random(40 * 512, 1);
        try (RawImage image = RawImage.create(file, SECTORS, RawImage.Allocation.SPARSE)) {
            var bus = new IoPortBus();
            var ide = IdeController.install(bus, Map.of(0, IdeDrive.disk(image, 0)));
            IdePioDisk hda = IdePioDisk.open(bus, 0, IdePioConfig.defaults()).orElseThrow();
            assertThat(hda.write(1000, MemorySegment.ofArray(viaIde))).isCompletedWithValue(BlkStatus.OK);
            assertThat(hda.flush()).isCompletedWithValue(BlkStatus.OK);
            ide.unplugIdeDisks();   // the guest switches to the PV disk; the device model lets go of it
        }

        byte[] viaBlkfront = random(16 * 512, 2);
        try (var fx = new BusFixture()) {
            var blkback = new Blkback(BlkbackConfig.defaults(), (params, writable) -> RawImage.open(Path.of(params),
                    writable ? RawImage.OpenMode.READ_WRITE : RawImage.OpenMode.READ_ONLY));
            fx.toolstack.await(blkback.install(fx.toolstack));
            ManagedDomain guest = fx.guest(1);
            fx.toolstack.await(guest.frontends().register(BlkfrontDrivers.frontend()));
            DiskConfig disk = Blkback.disk("hda", file.toString());
            fx.toolstack.await(fx.toolstack.addDevice(DeviceConfig.vbd(1, 0, disk)));
            fx.hv.runUntilIdle();
            GuestBlockDevice xvda = BlkfrontDrivers.device(guest, disk.devid()).orElseThrow();
            assertThat(xvda.state()).isEqualTo(GuestBlockDevice.State.CONNECTED);
            assertThat(xvda.sectors()).isEqualTo(SECTORS);

            byte[] read = new byte[viaIde.length];
            CompletableFuture<BlkStatus> r = fx.onDomain(guest, () -> xvda.read(1000, MemorySegment.ofArray(read)));
            fx.hv.runUntilIdle();
            assertThat(r).isCompletedWithValue(BlkStatus.OK);
            assertThat(read).isEqualTo(viaIde);

            CompletableFuture<BlkStatus> w = fx.onDomain(guest,
                    () -> xvda.write(2000, MemorySegment.ofArray(viaBlkfront)));
            fx.hv.runUntilIdle();
            assertThat(w).isCompletedWithValue(BlkStatus.OK);
            CompletableFuture<BlkStatus> f = fx.onDomain(guest, xvda::flush);
            fx.hv.runUntilIdle();
            assertThat(f).isCompletedWithValue(BlkStatus.OK);
            var removed = fx.toolstack.removeDevice("vbd", 1, disk.devid());
            fx.hv.runUntilIdle();
            fx.toolstack.await(removed);
        }

        try (RawImage image = RawImage.open(file, RawImage.OpenMode.READ_ONLY)) {
            var bus = new IoPortBus();
            IdeController.install(bus, Map.of(0, IdeDrive.disk(image, 0)));
            IdePioDisk hda = IdePioDisk.open(bus, 0, IdePioConfig.defaults()).orElseThrow();
            byte[] back = new byte[viaBlkfront.length];
            assertThat(hda.read(2000, MemorySegment.ofArray(back))).isCompletedWithValue(BlkStatus.OK);
            assertThat(back).isEqualTo(viaBlkfront);
            assertThat(hda.write(0, MemorySegment.ofArray(new byte[512]))).as("opened read-only")
                    .isCompletedWithValue(BlkStatus.IO_ERROR);
        }
    }
}
