package io.xensim.blk;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.back.BlkbackConfig;
import io.xensim.blk.back.ImageOpener;
import io.xensim.blk.front.BlkfrontConfig;
import io.xensim.blk.front.BlkfrontDevice;
import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.image.RawImage;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Random reads, writes and discards (512 B .. 1 MiB at any sector, from buffers at any byte offset of a larger
 * array) against a model of the disk, in batches of disjoint ranges that are all in flight together, on an in-memory
 * disk and on a sparse raw file; at the end the whole disk is read back and the raw file compared byte for byte.
 */
class BlkPairRandomIoTest {
    private static final long SECTORS = 16384;   // 8 MiB

    @TempDir
    Path dir;

    private record Op(long sector, int sectors) {
        boolean overlaps(Op o) {
            return sector < o.sector + o.sectors && o.sector < sector + sectors;
        }
    }

    @ParameterizedTest(name = "raw={0} seed={1} queues={2} persistent={3} indirect={4}")
    @CsvSource({
            "false, 1, 4, true, 32", "false, 2, 1, false, 0", "false, 3, 2, false, 32", "false, 4, 3, true, 0",
            "true, 5, 4, true, 32", "true, 6, 1, false, 32", "true, 7, 2, true, 0"})
    void randomIoMatchesTheModel(boolean raw, long seed, int queues, boolean persistent, int indirect)
            throws IOException {
        Path file = dir.resolve("disk.img");
        String params = "/images/dom1.img";
        ImageOpener opener = null;
        long sectors = BlkPair.MEMORY_SECTORS;
        if (raw) {
            RawImage.create(file, SECTORS, RawImage.Allocation.SPARSE).close();
            opener = ImageOpener.raw();
            params = file.toString();
            sectors = SECTORS;
        }
        var front = BlkfrontConfig.DEFAULT.withMaxQueues(queues).withFeaturePersistent(persistent)
                .withMaxIndirectSegments(indirect).withMaxRingPageOrder((int) (seed % 3));
        try (var p = new BlkPair(BlkbackConfig.defaults(), front, opener)) {
            p.addVbd(1, BlkPair.xvda(params));
            Random rnd = new Random(seed);
            byte[] model = new byte[(int) (sectors * 512)];
            for (int batch = 0; batch < 30; batch++) {
                List<Op> ranges = new ArrayList<>();
                List<Function<BlkfrontDevice, CompletableFuture<BlkStatus>>> ops = new ArrayList<>();
                List<Runnable> checks = new ArrayList<>();
                int n = 1 + rnd.nextInt(16);
                while (ranges.size() < n) {
                    int count = 1 + rnd.nextInt(rnd.nextInt(4) == 0 ? 2048 : 64);
                    Op op = new Op(rnd.nextLong(sectors - count + 1), count);
                    if (ranges.stream().anyMatch(op::overlaps)) {
                        continue;
                    }
                    ranges.add(op);
                    int from = (int) (op.sector() * 512);
                    int len = count * 512;
                    int offset = rnd.nextInt(4096);
                    MemorySegment buf = MemorySegment.ofArray(new byte[offset + len]).asSlice(offset, len);
                    switch (rnd.nextInt(7)) {
                        case 0, 1, 2 -> {
                            byte[] data = new byte[len];
                            rnd.nextBytes(data);
                            buf.copyFrom(MemorySegment.ofArray(data));
                            ops.add(rnd.nextInt(5) == 0 ? f -> f.writeFua(op.sector(), buf)
                                    : f -> f.write(op.sector(), buf));
                            System.arraycopy(data, 0, model, from, len);
                        }
                        case 3, 4, 5 -> {
                            byte[] expected = Arrays.copyOfRange(model, from, from + len);
                            ops.add(f -> f.read(op.sector(), buf));
                            checks.add(() -> assertThat(buf.toArray(ValueLayout.JAVA_BYTE))
                                    .as("read of %s", op).isEqualTo(expected));
                        }
                        default -> {
                            ops.add(f -> f.discard(op.sector(), op.sectors()));
                            Arrays.fill(model, from, from + len, (byte) 0);
                        }
                    }
                }
                if (rnd.nextInt(4) == 0) {
                    ops.add(BlkfrontDevice::flush);
                }
                assertThat(p.submitAll(1, ops)).allSatisfy(f -> assertThat(f).isCompletedWithValue(BlkStatus.OK));
                checks.forEach(Runnable::run);
            }
            MemorySegment whole = MemorySegment.ofArray(new byte[model.length]);
            assertThat(p.run(1, f -> f.read(0, whole))).isEqualTo(BlkStatus.OK);
            assertThat(Arrays.equals(whole.toArray(ValueLayout.JAVA_BYTE), model)).as("disk read back").isTrue();
            if (raw) {
                assertThat(Arrays.equals(Files.readAllBytes(file), model)).as("image file").isTrue();
            } else {
                assertThat(Arrays.equals(p.memoryDisk(params).contents().toArray(ValueLayout.JAVA_BYTE), model))
                        .as("memory disk").isTrue();
            }
        }
    }
}
