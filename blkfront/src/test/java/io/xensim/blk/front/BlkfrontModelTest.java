package io.xensim.blk.front;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.guest.BlkStatus;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random reads and writes (unaligned buffers, up to 100 sectors, several in flight, answered out of order) checked
 * byte for byte against a model of the disk, for every ring order and queue count, each with one of the eight
 * combinations of persistent grants, indirect descriptors and trust (all eight occur for every order).
 */
class BlkfrontModelTest {
    static Stream<Arguments> combinations() {
        List<Arguments> all = new ArrayList<>();
        int i = 0;
        for (int order = 0; order <= 4; order++) {
            for (int queues = 1; queues <= 4; queues++) {
                int bits = (i++ * 3 + order) % 8;
                all.add(Arguments.of(order, queues, (bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "order {0}, {1} queue(s), persistent {2}, indirect {3}, trusted {4}")
    @MethodSource("combinations")
    void randomReadsAndWritesMatchTheModel(int order, int queues, boolean persistent, boolean indirect,
            boolean trusted) {
        var config = BlkfrontConfig.DEFAULT.withMaxRingPageOrder(order).withMaxQueues(queues)
                .withFeaturePersistent(persistent);
        var offer = ScriptedBlkback.Offer.LINUX.withMaxIndirectSegments(indirect ? 256 : 0);
        try (var f = new BlkFixture(config, offer)) {
            f.addVbd(trusted ? "1" : "0");
            assertThat(f.front().features().orElseThrow().persistent()).isEqualTo(persistent);
            assertThat(f.front().features().orElseThrow().maxIndirectSegments()).isEqualTo(indirect ? 32 : 0);
            assertThat(f.front().bounce()).isEqualTo(persistent || !trusted);
            f.script.auto = false;
            Random random = new Random(order * 31L + queues);
            byte[] model = new byte[(int) BlkFixture.SECTORS * 512];
            for (int round = 0; round < 8; round++) {
                // Writes of one round do not overlap one another; reads cover what the previous rounds wrote.
                List<CompletableFuture<BlkStatus>> ops = new ArrayList<>();
                List<Runnable> checks = new ArrayList<>();
                for (int k = 0; k < 6; k++) {
                    long sector = (long) (round * 6 + k) * 128 + random.nextInt(16);
                    int n = 1 + random.nextInt(100);
                    int skew = random.nextInt(8);
                    MemorySegment data = MemorySegment.ofArray(new byte[(n + 8) * 512]).asSlice(skew * 512L, n * 512L);
                    data.copyFrom(BlkFixture.pattern(n, random.nextInt()));
                    MemorySegment.copy(data, 0, MemorySegment.ofArray(model), sector * 512, data.byteSize());
                    ops.add(f.submit(d -> d.write(sector, data)));
                }
                for (int k = 0; k < 4; k++) {
                    long sector = random.nextInt((round + 1) * 6 * 128);
                    int n = 1 + random.nextInt(100);
                    MemorySegment dst = MemorySegment.ofArray(new byte[(n + 8) * 512]).asSlice(random.nextInt(8) * 512L,
                            n * 512L);
                    byte[] expected = java.util.Arrays.copyOfRange(model, (int) sector * 512, (int) (sector + n) * 512);
                    // A read of the range a write of this round is still writing would race it; read older data only.
                    if (sector + n > round * 6 * 128L) {
                        continue;
                    }
                    ops.add(f.submit(d -> d.read(sector, dst)));
                    checks.add(() -> assertThat(dst.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(expected));
                }
                for (int i = 0; i < 20 && f.front().outstanding() > 0; i++) {
                    f.onBackRun(() -> f.back().serveSome(random, 0.6));
                }
                assertThat(ops).allSatisfy(op -> assertThat(op).isCompletedWithValue(BlkStatus.OK));
                checks.forEach(Runnable::run);
            }
            assertThat(f.image.contents().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(model);
        }
    }
}
