package io.xensim.blk.image;

import static io.xensim.blk.image.QemuImg.img;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.image.ConcurrentWrites.Plan;
import io.xensim.blk.image.RawImage.OpenMode;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Several rings' threads writing and discarding disjoint sector runs of one qcow2 image at once, with small
 * clusters (so that neighbouring runs share clusters, L2 tables and refcount blocks) and small caches (so that
 * write-backs and evictions happen mid-run): every byte ends as the plan says, and qemu-img check is clean.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class Qcow2ConcurrentTest {
    private static final long SECTORS = 8192;
    private static final int THREADS = 4;

    @TempDir
    Path dir;

    @BeforeEach
    void requireQemu() {
        QemuImg.require();
    }

    @ParameterizedTest(name = "cluster_size={0}")
    @ValueSource(ints = {512, 4096})
    void disjointConcurrentWritesAndDiscardsAllLand(int clusterSize) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            for (int seed = 1; seed <= 3; seed++) {
                Path qcow2 = dir.resolve("c" + seed + ".qcow2");
                img("create", "-q", "-f", "qcow2", "-o", "cluster_size=" + clusterSize, qcow2.toString(),
                        Long.toString(SECTORS * 512));
                Plan plan = ConcurrentWrites.plan(new Random(seed), SECTORS, THREADS, 12, 0.2);
                try (Qcow2Image image = Qcow2Image.open(qcow2, OpenMode.READ_WRITE, 4, 2)) {
                    ConcurrentWrites.execute(image, plan, seed, pool, 60);
                    assertThat(ConcurrentWrites.mismatches(image, plan, seed, o -> (byte) 0, 10)).as("seed %d", seed)
                            .isEmpty();
                }
                Qcow2ImageTest.assertClean(qcow2);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
