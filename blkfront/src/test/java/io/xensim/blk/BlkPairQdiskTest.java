package io.xensim.blk;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.back.Blkback;
import io.xensim.blk.back.BlkbackConfig;
import io.xensim.blk.back.ImageOpener;
import io.xensim.blk.back.QdiskDevice;
import io.xensim.blk.front.BlkfrontConfig;
import io.xensim.blk.front.BlkfrontFeatures;
import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.guest.GuestBlockDevice;
import io.xensim.blk.image.ImageStats;
import io.xensim.blk.image.RawImage;
import io.xensim.xenbus.bus.XenbusState;
import io.xensim.xenbus.toolstack.DiskConfig;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code qdisk} disk (QEMU's xen-block) end to end with a raw image ({@code params = aio:<path>}): the directories
 * libxl and QEMU write, blkfront's I/O reaching the file, the image's counts, and refusals (no image, a format
 * xensim does not open) as a failed device.
 */
class BlkPairQdiskTest {
    private static final long SECTORS = 4096;

    @TempDir
    Path dir;

    private Path image() throws IOException {
        Path path = dir.resolve("disk.img");
        RawImage.create(path, SECTORS, RawImage.Allocation.SPARSE).close();
        return path;
    }

    private static BlkPair qdiskPair() {
        return new BlkPair(BlkbackConfig.defaults(), BlkfrontConfig.DEFAULT, ImageOpener.byFormat());
    }

    private static DiskConfig qdisk(String params) {
        return new DiskConfig("xvda", BlkPair.XVDA, params, DiskConfig.QDISK, true, false, false, true, true);
    }

    private static String qdiskBackend(int domid) {
        return "/local/domain/0/backend/qdisk/" + domid + "/" + BlkPair.XVDA;
    }

    @Test
    void aQdiskDiskLivesUnderBackendQdiskWithFormatPrefixedParamsNoScriptAndQemusKeys() throws IOException {
        Path path = image();
        try (var p = qdiskPair()) {
            p.addVbd(1, qdisk("aio:" + path));
            String be = qdiskBackend(1);
            assertThat(p.read(BlkPair.frontendPath(1) + "/backend")).isEqualTo(be);
            assertThat(p.read(BlkPair.backendPath(1))).as("no backend/vbd directory").isNull();
            assertThat(p.read(be + "/params")).isEqualTo("aio:" + path);
            assertThat(p.read(be + "/type")).isEqualTo("qdisk");
            assertThat(p.read(be + "/script")).as("no hotplug script for qdisk").isNull();
            assertThat(p.read(be + "/physical-device")).isNull();
            // xen_device_realize writes it itself.
            assertThat(p.read(be + "/hotplug-status")).isEqualTo("connected");
            // xen_block_realize's keys.
            assertThat(p.read(be + "/feature-flush-cache")).isEqualTo("1");
            assertThat(p.read(be + "/max-ring-page-order")).isEqualTo("4");
            assertThat(p.read(be + "/sector-size")).isEqualTo("512");
            assertThat(p.read(be + "/sectors")).isEqualTo(Long.toString(SECTORS));
            assertThat(p.read(be + "/info")).isEqualTo("0");
            assertThat(p.read(be + "/feature-discard")).isEqualTo("1");
            assertThat(p.read(be + "/discard-granularity")).isEqualTo("512");
            assertThat(p.read(be + "/discard-alignment")).isEqualTo("0");
            // Linux blkback's, which QEMU does not offer.
            assertThat(p.read(be + "/multi-queue-max-queues")).isNull();
            assertThat(p.read(be + "/feature-persistent")).isNull();
            assertThat(p.read(be + "/feature-max-indirect-segments")).isNull();
            assertThat(p.read(be + "/feature-barrier")).isNull();
            assertThat(p.read(be + "/state")).isEqualTo(Integer.toString(XenbusState.CONNECTED.code()));
            assertThat(p.front(1).state()).isEqualTo(GuestBlockDevice.State.CONNECTED);
            BlkfrontFeatures features = p.onGuest(1, () -> p.front(1).features().orElseThrow());
            assertThat(features.flush()).isTrue();
            assertThat(features.persistent()).isFalse();
            assertThat(features.maxIndirectSegments()).isZero();
        }
    }

    @Test
    void blkfrontWritesAndFlushesReachTheRawFileAndTheImageCountsThem() throws IOException {
        Path path = image();
        try (var p = qdiskPair()) {
            p.addVbd(1, qdisk("aio:" + path));
            MemorySegment data = BlkPair.pattern(8192, 5);
            assertThat(p.run(1, f -> f.write(64, data))).isEqualTo(BlkStatus.OK);
            assertThat(p.run(1, f -> f.flush())).isEqualTo(BlkStatus.OK);
            MemorySegment back = MemorySegment.ofArray(new byte[8192]);
            assertThat(p.run(1, f -> f.read(64, back))).isEqualTo(BlkStatus.OK);
            assertThat(back.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(data.toArray(ValueLayout.JAVA_BYTE));

            ImageStats stats = Blkback.qdiskDevice(p.fx.toolstack, 1, BlkPair.XVDA)
                    .flatMap(QdiskDevice::image).orElseThrow().stats();
            assertThat(stats.guestWrites()).isEqualTo(1);
            assertThat(stats.guestFlushes()).isEqualTo(1);
            assertThat(stats.hostFsyncs()).isEqualTo(1);
            assertThat(stats.hostDataWrites()).isGreaterThanOrEqualTo(1);
            assertThat(stats.hostMetadataWrites()).isZero();

            byte[] file = Files.readAllBytes(path);
            assertThat(Arrays.copyOfRange(file, 64 * 512, 64 * 512 + 8192))
                    .isEqualTo(data.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void aQemuRestartReopensTheDriveAndBlkfrontCarriesOnWithNothingLost() throws IOException {
        Path path = image();
        try (var p = qdiskPair()) {
            p.addVbd(1, qdisk("aio:" + path));
            MemorySegment before = BlkPair.pattern(4096, 7);
            assertThat(p.run(1, f -> f.write(8, before))).isEqualTo(BlkStatus.OK);
            // Written while the backend is gone: blkfront queues it and replays it on the new connection.
            p.removeBackend(1);
            MemorySegment during = BlkPair.pattern(4096, 8);
            var pending = p.submit(1, f -> f.write(200, during));
            assertThat(pending).isNotDone();
            p.restoreBackend(1);
            assertThat(p.front(1).state()).isEqualTo(GuestBlockDevice.State.CONNECTED);
            assertThat(pending).isCompletedWithValue(BlkStatus.OK);
            assertThat(p.run(1, f -> f.flush())).isEqualTo(BlkStatus.OK);
            byte[] file = Files.readAllBytes(path);
            assertThat(Arrays.copyOfRange(file, 8 * 512, 8 * 512 + 4096))
                    .isEqualTo(before.toArray(ValueLayout.JAVA_BYTE));
            assertThat(Arrays.copyOfRange(file, 200 * 512, 200 * 512 + 4096))
                    .isEqualTo(during.toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Test
    void removingTheDiskClosesTheDriveAndReleasesItsLock() throws IOException {
        Path path = image();
        try (var p = qdiskPair()) {
            p.addVbd(1, qdisk("aio:" + path));
            assertThat(p.removeVbd(1)).isTrue();
            assertThat(p.read(qdiskBackend(1))).isNull();
            try (RawImage again = RawImage.open(path, RawImage.OpenMode.READ_WRITE)) {
                assertThat(again.writable()).isTrue();
            }
        }
    }

    @Test
    void aMissingImageFailsTheQdiskDeviceWithTheReasonAndNothingElse() {
        Path missing = dir.resolve("missing.img");
        try (var p = qdiskPair()) {
            p.addVbd(1, qdisk("aio:" + missing));
            String be = qdiskBackend(1);
            // Closing, and Closed once blkfront has followed.
            assertThat(p.read(be + "/state")).isIn(Integer.toString(XenbusState.CLOSING.code()),
                    Integer.toString(XenbusState.CLOSED.code()));
            assertThat(p.read(be + "/sectors")).isNull();
            assertThat(p.read("/local/domain/0/error/backend/qdisk/1/" + BlkPair.XVDA + "/error"))
                    .contains("failed to create 'qdisk' device '" + BlkPair.XVDA + "'")
                    .contains("failed to create drive").contains(missing.toString());
            assertThat(p.front(1).state()).isNotEqualTo(GuestBlockDevice.State.CONNECTED);
        }
    }

    @Test
    void aFormatXensimDoesNotOpenIsRefusedByName() throws IOException {
        Path path = image();
        try (var p = qdiskPair()) {
            p.addVbd(1, qdisk("vhd:" + path));
            assertThat(p.read("/local/domain/0/error/backend/qdisk/1/" + BlkPair.XVDA + "/error"))
                    .contains("image format 'vhd' is not supported");
        }
    }

    @Test
    void paramsSplitAsQemuSplitsThem() {
        assertThat(ImageOpener.Target.parse("aio:/img/a.img"))
                .isEqualTo(new ImageOpener.Target(ImageOpener.Target.RAW, "/img/a.img"));
        assertThat(ImageOpener.Target.parse("raw:/img/a.img").format()).isEqualTo(ImageOpener.Target.RAW);
        assertThat(ImageOpener.Target.parse("qcow2:/img/a:b.qcow2"))
                .isEqualTo(new ImageOpener.Target(ImageOpener.Target.QCOW2, "/img/a:b.qcow2"));
        assertThat(ImageOpener.Target.parse("/img/plain.img"))
                .isEqualTo(new ImageOpener.Target(ImageOpener.Target.RAW, "/img/plain.img"));
        assertThat(ImageOpener.Target.parse("/img/x:y.img").path()).as("a path, not a format").isEqualTo("/img/x:y.img");
        assertThat(ImageOpener.Target.parse("vhd:/img/a.vhd").format()).isEqualTo("vhd");
    }
}
