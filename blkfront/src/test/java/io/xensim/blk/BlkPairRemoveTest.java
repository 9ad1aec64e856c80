package io.xensim.blk;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.back.BlkbackConfig;
import io.xensim.blk.back.ImageOpener;
import io.xensim.blk.front.BlkfrontConfig;
import io.xensim.blk.front.BlkfrontDevice;
import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.guest.GuestBlockDevice;
import io.xensim.blk.image.RawImage;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The disk goes away with I/O in flight: removed by the toolstack ({@code xl block-detach}: online=0, backend
 * Closing) or unplugged by the guest. Every operation completes once: OK (and then its data is in the image) or
 * {@link BlkStatus#NO_DEVICE}; later I/O fails NO_DEVICE; the block script's offline releases the image lock, so
 * another guest can take the image read-write.
 */
class BlkPairRemoveTest {
    private static final long SECTORS = 8192;

    @TempDir
    Path dir;

    private record Write(long sector, byte[] data, CompletableFuture<BlkStatus> done) {
    }

    /** {@code steps}: how far the domains run between submitting the writes and the removal. */
    @ParameterizedTest(name = "toolstack removal after {0} steps")
    @ValueSource(ints = {0, 30, 100, 200})
    void toolstackRemovalWithIoInFlight(int steps) throws IOException {
        Path image = dir.resolve("disk.img");
        RawImage.create(image, SECTORS, RawImage.Allocation.SPARSE).close();
        try (var p = new BlkPair(BlkbackConfig.defaults(), BlkfrontConfig.DEFAULT, ImageOpener.raw())) {
            p.addVbd(1, BlkPair.xvda(image.toString()));
            var d = p.front(1);
            List<Write> writes = submitWrites(p, 0);
            p.steps(steps);
            var removed = p.fx.toolstack.removeDevice("vbd", 1, BlkPair.XVDA);
            p.steps(steps);
            writes.addAll(submitWrites(p, 40));   // while the device closes
            p.fx.hv.runUntilIdle();
            assertThat(p.fx.toolstack.await(removed)).as("closed cleanly").isTrue();
            checkOutcome(p, image, writes, d);
            assertThat(p.read(BlkPair.backendPath(1))).isNull();
            assertThat(p.read(BlkPair.frontendPath(1))).isNull();

            // The block script's offline released the lock: another guest takes the image read-write.
            p.addVbd(2, BlkPair.xvda(image.toString()));
            assertThat(p.read(BlkPair.backendPath(2) + "/hotplug-status")).isEqualTo("connected");
            assertThat(p.front(2).state()).isEqualTo(GuestBlockDevice.State.CONNECTED);
        }
    }

    @ParameterizedTest(name = "guest unplug after {0} steps")
    @ValueSource(ints = {0, 3, 10, 25, 60})
    void guestUnplugWithIoInFlight(int steps) throws IOException {
        Path image = dir.resolve("disk.img");
        RawImage.create(image, SECTORS, RawImage.Allocation.SPARSE).close();
        try (var p = new BlkPair(BlkbackConfig.defaults(), BlkfrontConfig.DEFAULT, ImageOpener.raw())) {
            p.addVbd(1, BlkPair.xvda(image.toString()));
            List<Write> writes = submitWrites(p, 0);
            p.steps(steps);
            var d = p.front(1);
            p.onGuest(1, () -> {
                d.unplug();
                return null;
            });
            p.fx.hv.runUntilIdle();
            checkOutcome(p, image, writes, d);
        }
    }

    /** 40 writes of 32 KiB, the {@code first}-th onwards, each to its own 48 KiB. */
    private static List<Write> submitWrites(BlkPair p, int first) {
        List<Write> writes = new ArrayList<>();
        for (int i = first; i < first + 40; i++) {
            long sector = i * 96L;
            byte[] data = BlkPair.pattern(64 * 512, i + 1).toArray(ValueLayout.JAVA_BYTE);
            writes.add(new Write(sector, data, p.enqueue(1, f -> f.write(sector, MemorySegment.ofArray(data)))));
        }
        return writes;
    }

    /** Each write OK and in the image, or NO_DEVICE; the device gone, new I/O refused. */
    private static void checkOutcome(BlkPair p, Path image, List<Write> writes, BlkfrontDevice gone)
            throws IOException {
        assertThat(writes).allSatisfy(w -> assertThat(w.done()).isDone());
        assertThat(writes).allSatisfy(w -> assertThat(w.done().join()).isIn(BlkStatus.OK, BlkStatus.NO_DEVICE));
        byte[] file = Files.readAllBytes(image);
        for (Write w : writes) {
            if (w.done().join() == BlkStatus.OK) {
                int from = (int) (w.sector() * 512);
                assertThat(Arrays.equals(file, from, from + w.data().length, w.data(), 0, w.data().length))
                        .as("completed write at sector %d is in the image", w.sector()).isTrue();
            }
        }
        assertThat(gone.state()).isEqualTo(GuestBlockDevice.State.GONE);
        var late = p.onGuest(1, () -> gone.write(0, BlkPair.pattern(512, 9)));
        assertThat(late).isCompletedWithValue(BlkStatus.NO_DEVICE);
    }
}
