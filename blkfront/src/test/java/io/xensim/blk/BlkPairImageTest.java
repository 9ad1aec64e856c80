package io.xensim.blk;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.back.BlkbackConfig;
import io.xensim.blk.back.ImageOpener;
import io.xensim.blk.front.BlkfrontConfig;
import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.guest.GuestBlockDevice;
import io.xensim.blk.image.RawImage;
import io.xensim.blk.protocol.VbdName;
import io.xensim.blk.protocol.VdiskInfo;
import io.xensim.xenbus.bus.XenbusState;
import io.xensim.xenbus.toolstack.DiskConfig;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Raw image files end to end through {@link ImageOpener#raw()}: the image lock refusing a second read-write vbd (in
 * another guest) at the hotplug step, read-only opens beside the writer, and read-only disks ({@code mode=r}, a
 * CD-ROM) honoured by both ends.
 */
class BlkPairImageTest {
    private static final long SECTORS = 4096;

    @TempDir
    Path dir;

    private Path image() throws IOException {
        Path path = dir.resolve("shared.img");
        RawImage.create(path, SECTORS, RawImage.Allocation.SPARSE).close();
        return path;
    }

    private BlkPair rawPair() {
        return new BlkPair(BlkbackConfig.defaults(), BlkfrontConfig.DEFAULT, ImageOpener.raw());
    }

    @Test
    void aSecondReadWriteVbdOnTheSameImageFailsItsHotplugAndTheFirstGuestGoesOn() throws IOException {
        Path path = image();
        try (var p = rawPair()) {
            p.addVbd(1, BlkPair.xvda(path.toString()));
            MemorySegment data = BlkPair.pattern(8192, 1);
            assertThat(p.run(1, f -> f.write(0, data))).isEqualTo(BlkStatus.OK);

            p.addVbd(2, BlkPair.xvda(path.toString()));
            String be2 = BlkPair.backendPath(2);
            assertThat(p.read(be2 + "/hotplug-status")).isEqualTo("error");
            assertThat(p.read(be2 + "/hotplug-error")).contains(path.toString())
                    .contains("Failed to get \"write\" lock").contains("held by this process");
            assertThat(p.read(be2 + "/physical-device")).isNull();
            assertThat(p.read(be2 + "/state")).isEqualTo(Integer.toString(XenbusState.INIT_WAIT.code()));
            assertThat(p.front(2).state()).isEqualTo(GuestBlockDevice.State.NOT_CONNECTED);
            assertThat(p.submit(2, f -> f.read(0, MemorySegment.ofArray(new byte[512])))).as("waits for a backend")
                    .isNotDone();

            assertThat(p.front(1).state()).isEqualTo(GuestBlockDevice.State.CONNECTED);
            MemorySegment more = BlkPair.pattern(4096, 2);
            assertThat(p.run(1, f -> f.write(16, more))).isEqualTo(BlkStatus.OK);
            MemorySegment back = MemorySegment.ofArray(new byte[8192]);
            assertThat(p.run(1, f -> f.read(0, back))).isEqualTo(BlkStatus.OK);
            assertThat(back.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(data.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void aReadOnlyVbdOnTheImageOfARunningWriterIsAllowedAndSeesItsWrites() throws IOException {
        Path path = image();
        try (var p = rawPair()) {
            p.addVbd(1, BlkPair.xvda(path.toString()));
            MemorySegment data = BlkPair.pattern(4096, 3);
            assertThat(p.run(1, f -> f.write(40, data))).isEqualTo(BlkStatus.OK);
            p.addVbd(2, BlkPair.xvda(path.toString()).readOnly());
            assertThat(p.read(BlkPair.backendPath(2) + "/hotplug-status")).isEqualTo("connected");
            MemorySegment seen = MemorySegment.ofArray(new byte[4096]);
            assertThat(p.run(2, f -> f.read(40, seen))).isEqualTo(BlkStatus.OK);
            assertThat(seen.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(data.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void readOnlyDiskRefusesWritesEndToEnd() throws IOException {
        Path path = image();
        try (var p = rawPair()) {
            p.addVbd(1, BlkPair.xvda(path.toString()).readOnly());
            var d = p.front(1);
            assertThat(d.state()).isEqualTo(GuestBlockDevice.State.CONNECTED);
            assertThat(d.readOnly()).isTrue();
            int info = Integer.parseInt(p.read(BlkPair.backendPath(1) + "/info"));
            assertThat(info & VdiskInfo.VDISK_READONLY).isNotZero();
            assertThat(info & VdiskInfo.VDISK_CDROM).isZero();
            assertThat(p.read(BlkPair.backendPath(1) + "/feature-discard")).isNull();
            assertThat(p.run(1, f -> f.write(0, BlkPair.pattern(512, 1)))).isEqualTo(BlkStatus.READ_ONLY);
            assertThat(p.run(1, f -> f.writeFua(0, BlkPair.pattern(512, 1)))).isEqualTo(BlkStatus.READ_ONLY);
            assertThat(p.run(1, f -> f.discard(0, 8))).isIn(BlkStatus.READ_ONLY, BlkStatus.NOT_SUPPORTED);
            assertThat(p.run(1, f -> f.read(0, MemorySegment.ofArray(new byte[4096])))).isEqualTo(BlkStatus.OK);
        }
    }

    @Test
    void cdromIsReadOnlyEndToEnd() throws IOException {
        Path path = image();
        try (var p = rawPair()) {
            DiskConfig cd = DiskConfig.of("hdc", VbdName.vdevOf("hdc"), path.toString()).asCdrom();
            p.addVbd(1, cd);
            var d = p.front(1, cd.devid());
            assertThat(d.state()).isEqualTo(GuestBlockDevice.State.CONNECTED);
            assertThat(d.readOnly()).isTrue();
            String be = "/local/domain/0/backend/vbd/1/" + cd.devid();
            assertThat(p.read(be + "/device-type")).isEqualTo("cdrom");
            assertThat(p.read(be + "/mode")).isEqualTo("r");
            int info = Integer.parseInt(p.read(be + "/info"));
            assertThat(info & VdiskInfo.VDISK_CDROM).isNotZero();
            assertThat(info & VdiskInfo.VDISK_READONLY).isNotZero();
            var write = p.onGuest(1, () -> d.write(0, BlkPair.pattern(2048, 1)));
            assertThat(write).isCompletedWithValue(BlkStatus.READ_ONLY);
            var read = p.onGuest(1, () -> d.read(0, MemorySegment.ofArray(new byte[2048])));
            assertThat(read).isCompletedWithValue(BlkStatus.OK);
        }
    }
}
