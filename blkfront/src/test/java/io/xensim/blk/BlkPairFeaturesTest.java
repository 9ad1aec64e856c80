package io.xensim.blk;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.back.BlkbackConfig;
import io.xensim.blk.front.BlkfrontConfig;
import io.xensim.blk.front.BlkfrontDevice;
import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.guest.GuestBlockDevice;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every feature combination the two ends can negotiate (persistent grants on/off, indirect descriptors on/off, ring
 * page order 0..4, 1..4 queues, {@code trusted} on/off): writes of every shape (one sector, one page, 11 segments,
 * past 11, 1 MiB, unaligned), all in flight together so that they spread over the rings, read back and compared by
 * content; then flush and discard.
 */
class BlkPairFeaturesTest {
    static Stream<Arguments> combinations() {
        List<Arguments> all = new ArrayList<>();
        for (boolean persistent : new boolean[] {true, false}) {
            for (boolean indirect : new boolean[] {true, false}) {
                for (int order = 0; order <= 4; order++) {
                    for (int queues = 1; queues <= 4; queues++) {
                        for (boolean trusted : new boolean[] {true, false}) {
                            all.add(Arguments.of(persistent, indirect, order, queues, trusted));
                        }
                    }
                }
            }
        }
        return all.stream();
    }

    /** (sector, bytes) of each write: sub-page, page, 11 segments, 12, 128 KiB, 1 MiB, odd alignments. */
    private static final long[][] SHAPES = {
            {0, 512}, {8, 4096}, {100, 11 * 4096}, {300, 12 * 4096}, {1001, 128 * 1024}, {4096, 1 << 20},
            {7001, 512 * 3}, {9003, 37 * 512}, {12007, 300 * 512}};

    @ParameterizedTest(name = "persistent={0} indirect={1} order={2} queues={3} trusted={4}")
    @MethodSource("combinations")
    void roundTrips(boolean persistent, boolean indirect, int order, int queues, boolean trusted) {
        BlkfrontConfig front = BlkfrontConfig.DEFAULT.withFeaturePersistent(persistent)
                .withMaxIndirectSegments(indirect ? 32 : 0).withMaxRingPageOrder(order).withMaxQueues(queues);
        try (var p = new BlkPair(BlkbackConfig.defaults(), front)) {
            String params = "/images/dom1.img";
            p.addVbd(1, BlkPair.xvda(params).withTrusted(trusted));
            var d = p.front(1);
            assertThat(d.state()).isEqualTo(GuestBlockDevice.State.CONNECTED);
            assertThat(d.ringCount()).isEqualTo(queues);
            assertThat(d.ringPageOrder()).isEqualTo(order);
            var features = d.features().orElseThrow();
            assertThat(features.persistent()).isEqualTo(persistent);
            assertThat(features.maxIndirectSegments()).isEqualTo(indirect ? 32 : 0);
            assertThat(features.flush()).isTrue();
            assertThat(features.discard()).isTrue();
            assertThat(d.bounce()).isEqualTo(persistent || !trusted);
            assertThat(p.back(1).rings()).hasSize(queues);
            assertThat(p.back(1).persistentGrants()).isEqualTo(persistent);

            List<Function<BlkfrontDevice, CompletableFuture<BlkStatus>>> ops = new ArrayList<>();
            List<MemorySegment> written = new ArrayList<>();
            for (int i = 0; i < SHAPES.length; i++) {
                long sector = SHAPES[i][0];
                MemorySegment data = BlkPair.pattern((int) SHAPES[i][1], i + 1);
                written.add(data);
                ops.add(i % 3 == 2 ? f -> f.writeFua(sector, data) : f -> f.write(sector, data));
            }
            assertThat(p.submitAll(1, ops)).allSatisfy(f -> assertThat(f).isCompletedWithValue(BlkStatus.OK));

            List<MemorySegment> readBack = new ArrayList<>();
            ops.clear();
            for (long[] shape : SHAPES) {
                MemorySegment dst = MemorySegment.ofArray(new byte[(int) shape[1]]);
                readBack.add(dst);
                ops.add(f -> f.read(shape[0], dst));
            }
            assertThat(p.submitAll(1, ops)).allSatisfy(f -> assertThat(f).isCompletedWithValue(BlkStatus.OK));
            var disk = p.memoryDisk(params).contents();
            for (int i = 0; i < SHAPES.length; i++) {
                byte[] expected = written.get(i).toArray(ValueLayout.JAVA_BYTE);
                assertThat(readBack.get(i).toArray(ValueLayout.JAVA_BYTE)).as("read of write " + i)
                        .isEqualTo(expected);
                assertThat(disk.asSlice(SHAPES[i][0] * 512, SHAPES[i][1]).toArray(ValueLayout.JAVA_BYTE))
                        .as("image under write " + i).isEqualTo(expected);
            }

            assertThat(p.run(1, f -> f.flush())).isEqualTo(BlkStatus.OK);
            assertThat(p.run(1, f -> f.discard(4096, 2048))).isEqualTo(BlkStatus.OK);
            MemorySegment zeros = MemorySegment.ofArray(new byte[2048 * 512]);
            zeros.fill((byte) 0x55);
            assertThat(p.run(1, f -> f.read(4096, zeros))).isEqualTo(BlkStatus.OK);
            assertThat(zeros.toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) 0);
            assertThat(d.state()).isEqualTo(GuestBlockDevice.State.CONNECTED);
            if (persistent) {
                assertThat(d.persistentGrants()).isPositive();
            } else {
                assertThat(d.persistentGrants()).isZero();
            }
        }
    }
}
