package io.xensim.testbed.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The benchmark's states and methods run a few times outside JMH, over one image file: every operation completes,
 * reads return the image's bytes, writes leave them in place, the counters count, and the baseline visits the same
 * offsets.
 */
@Timeout(180)
class BlkifPairBenchmarkTest {
    private static BlkifPairBenchmark.ImageFile file;

    @BeforeAll
    static void createImage() throws IOException {
        file = new BlkifPairBenchmark.ImageFile();
        file.create();
    }

    @AfterAll
    static void deleteImage() throws IOException {
        file.delete();
    }

    @ParameterizedTest(name = "{0}, persistent={1}, indirect={2}")
    @CsvSource({"randread-4k-qd1,true,true", "randread-4k-qd32,true,true", "randread-4k-qd32,false,false",
            "randwrite-4k-qd1,false,true", "randwrite-4k-qd32,true,false", "seqread-1m-qd1,true,true",
            "seqread-1m-qd1,false,false", "seqread-1m-qd1,true,false", "seqread-1m-qd1,false,true"})
    void eachOperationCompletesWithTheImagesBytes(String workload, boolean persistent, boolean indirect)
            throws IOException {
        var w = workload(workload);
        var buffers = new BlkifPairBenchmark.Buffers();
        buffers.allocate(w);
        var pair = new BlkifPairBenchmark.Pair();
        pair.persistent = persistent;
        pair.indirect = indirect;
        pair.start(file);
        var counters = new BlkifPairBenchmark.Counters();
        var bench = new BlkifPairBenchmark();
        try {
            assertThat(pair.front.features().orElseThrow().persistent()).isEqualTo(persistent);
            for (int i = 0; i < 3; i++) {
                for (var slot : buffers.slots) {
                    slot.fill((byte) 0);
                }
                assertThat(bench.blkif(pair, w, buffers, counters)).isEqualTo((long) w.batch * w.size);
                assertReadBuffersHoldTheImage(w, buffers);
            }
            assertThat(counters.ops).isEqualTo(3L * w.batch);
            assertThat(counters.bytes).isEqualTo(3L * w.batch * w.size);
            // A 4 KiB op is one request; 1 MiB is one indirect request of 256 segments, or 24 of at most 11.
            long perOp = w.size == 4096 ? 1 : indirect ? 1 : 24;
            assertThat(counters.ringRequests).isEqualTo(perOp * counters.ops);
            long dataPages = counters.ops * (w.size / 4096);
            if (persistent) {
                assertThat(counters.grantMaps).as("persistent grants are mapped once, then reused")
                        .isLessThan(dataPages);
            } else {
                assertThat(counters.grantMaps).isGreaterThanOrEqualTo(dataPages);
            }
            assertThat(pair.hv.uncaughtErrors()).isEmpty();
        } finally {
            pair.stop();
            buffers.free();
            w.free();
        }
        assertImageIntact();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"randread-4k-qd32", "randwrite-4k-qd1", "seqread-1m-qd1"})
    void theBaselineDoesTheSameOperationsAtTheSameOffsets(String workload) throws IOException {
        var w = workload(workload);
        var viaBlkif = workload(workload);
        var buffers = new BlkifPairBenchmark.Buffers();
        buffers.allocate(w);
        var direct = new BlkifPairBenchmark.Direct();
        direct.open(file);
        var counters = new BlkifPairBenchmark.Counters();
        try {
            assertThat(new BlkifPairBenchmark().fileChannelBaseline(direct, w, buffers, counters))
                    .isEqualTo((long) w.batch * w.size);
            assertThat(counters.ops).isEqualTo(w.batch);
            assertReadBuffersHoldTheImage(w, buffers);
            for (int i = 0; i < w.batch; i++) {
                viaBlkif.nextIndex();
            }
            assertThat(w.next).isEqualTo(viaBlkif.next);
            assertThat(w.offsets).isEqualTo(viaBlkif.offsets);
        } finally {
            direct.close();
            buffers.free();
            w.free();
            viaBlkif.free();
        }
        assertImageIntact();
    }

    private static BlkifPairBenchmark.Workload workload(String name) {
        var w = new BlkifPairBenchmark.Workload();
        w.workload = name;
        w.build();
        return w;
    }

    private static void assertReadBuffersHoldTheImage(BlkifPairBenchmark.Workload w,
            BlkifPairBenchmark.Buffers buffers) {
        if (w.write) {
            return;
        }
        for (int slot = 0; slot < buffers.slots.length; slot++) {
            assertThat(BlkifPairBenchmark.firstMismatch(buffers.slots[slot], buffers.lastOffset[slot]))
                    .as("slot %d, read at %d", slot, buffers.lastOffset[slot]).isEqualTo(-1);
        }
    }

    /** The whole file still holds the pattern (writes wrote the image's own bytes back). */
    private static void assertImageIntact() throws IOException {
        try (FileChannel ch = FileChannel.open(file.path, StandardOpenOption.READ); Arena arena = Arena.ofConfined()) {
            assertThat(ch.size()).isEqualTo(BlkifPairBenchmark.IMAGE_BYTES);
            var chunk = arena.allocate(1 << 20, 4096);
            for (long at = 0; at < BlkifPairBenchmark.IMAGE_BYTES; at += chunk.byteSize()) {
                var b = chunk.asByteBuffer();
                while (b.hasRemaining()) {
                    assertThat(ch.read(b, at + b.position())).isPositive();
                }
                assertThat(BlkifPairBenchmark.firstMismatch(chunk, at)).as("at %d", at).isEqualTo(-1);
            }
        }
    }
}
