package io.xensim.blk.image;

import static io.xensim.blk.image.QemuImg.img;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.image.RawImage.Allocation;
import io.xensim.blk.image.RawImage.OpenMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A process cut off at a host write: the image is left as the writes before that point made it, and
 * {@code qemu-img check} must find nothing worse than leaked clusters (exit 0 or 3, no "ERROR"); what a flush
 * completed before the cut reads back. The cut points walk the whole workload (every one, or evenly spaced).
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class Qcow2CrashTest {
    private static final long SIZE = 8L << 20;
    private static final long PHASE_A = 1L << 20;
    private static final int MAX_CUTS = 160;

    @TempDir
    Path dir;

    @BeforeEach
    void requireQemu() {
        QemuImg.require();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"'compat=1.1,cluster_size=512'", "'compat=0.10,cluster_size=4096'", "'compat=1.1,cluster_size=65536'"})
    void aCutAtAnyHostWriteLeavesAtMostLeakedClusters(String options) throws Exception {
        Path template = dir.resolve("template.qcow2"), raw = dir.resolve("model.raw");
        img("create", "-q", "-f", "qcow2", "-o", options, template.toString(), Long.toString(SIZE));
        List<Qcow2Workload.Op> phaseA = ops(1, 0, PHASE_A, 25), phaseB = ops(2, PHASE_A, SIZE, 40);

        Path dry = dir.resolve("dry.qcow2");
        Files.copy(template, dry);
        long writes;
        try (Qcow2Image image = Qcow2Image.open(dry, OpenMode.READ_WRITE);
                RawImage model = RawImage.create(raw, SIZE / 512, Allocation.SPARSE)) {
            Qcow2Workload.applyAll(phaseA, image, model);
            Qcow2Workload.applyAll(phaseB, image);
            writes = image.hostWritesSoFar();
        }
        Qcow2ImageTest.assertClean(dry);
        assertThat(writes).isGreaterThan(50);

        long step = Math.max(1, writes / MAX_CUTS);
        Path cut = dir.resolve("cut.qcow2");
        for (long n = 0; n <= writes; n += step) {
            Files.copy(template, cut, StandardCopyOption.REPLACE_EXISTING);
            boolean phaseAFlushed = false;
            try (Qcow2Image image = Qcow2Image.open(cut, OpenMode.READ_WRITE)) {
                image.crashAfterWrites(n);
                try {
                    Qcow2Workload.applyAll(phaseA, image);
                    phaseAFlushed = true;   // phase A ends with a flush
                    Qcow2Workload.applyAll(phaseB, image);
                } catch (IOException e) {
                    assertThat(e).hasMessageContaining("simulated crash");
                }
            }
            QemuImg.Result check = QemuImg.check(cut);
            assertThat(check.exitCode()).as("cut after %d of %d host writes:%n%s", n, writes, check.output())
                    .isIn(0, 3);
            assertThat(check.output()).as("cut after %d host writes", n).doesNotContain("ERROR");
            if (phaseAFlushed) {
                try (Qcow2Image image = Qcow2Image.open(cut, OpenMode.READ_ONLY);
                        RawImage model = RawImage.open(raw, OpenMode.READ_ONLY)) {
                    Qcow2Workload.assertSameContents(image, model, PHASE_A, 1 << 16);
                }
            }
        }
    }

    /**
     * The refcount table move ({@code qcow2_refcount_area}: new blocks and table, flush, header, flush, old table
     * freed), cut at every host write of the guest write during which it happens: 512-byte clusters, so one table
     * cluster covers 8 MiB of file and sequential 64 KiB writes outgrow it.
     */
    @org.junit.jupiter.api.Test
    void aCutAnywhereInARefcountTableMoveLeavesAtMostLeakedClusters() throws Exception {
        Path template = dir.resolve("template.qcow2");
        long size = 16L << 20;
        img("create", "-q", "-f", "qcow2", "-o", "cluster_size=512", template.toString(), Long.toString(size));
        long tableAtStart = tableOffset(template);
        List<Qcow2Workload.Op> ops = new ArrayList<>();
        for (long at = 0; at < 10L << 20; at += 64 << 10) {
            ops.add(new Qcow2Workload.Op(Qcow2Workload.Kind.WRITE, at, 64 << 10, (int) (at >> 16)));
        }
        Path dry = dir.resolve("dry.qcow2");
        Files.copy(template, dry);
        long from = -1, to = -1;
        try (Qcow2Image image = Qcow2Image.open(dry, OpenMode.READ_WRITE)) {
            for (Qcow2Workload.Op op : ops) {
                long before = image.hostWritesSoFar();
                Qcow2Workload.apply(image, op);
                if (from < 0 && tableOffset(dry) != tableAtStart) {
                    from = before;
                    to = image.hostWritesSoFar();
                }
            }
        }
        assertThat(from).as("the refcount table moved").isNotNegative();
        Path cut = dir.resolve("cut.qcow2");
        for (long n = from; n <= to; n++) {
            Files.copy(template, cut, StandardCopyOption.REPLACE_EXISTING);
            try (Qcow2Image image = Qcow2Image.open(cut, OpenMode.READ_WRITE)) {
                image.crashAfterWrites(n);
                try {
                    Qcow2Workload.applyAll(ops, image);
                } catch (IOException e) {
                    assertThat(e).hasMessageContaining("simulated crash");
                }
            }
            QemuImg.Result check = QemuImg.check(cut);
            assertThat(check.exitCode()).as("cut after %d host writes (move within %d..%d):%n%s", n, from, to,
                    check.output()).isIn(0, 3);
            assertThat(check.output()).doesNotContain("ERROR");
        }
    }

    private static long tableOffset(Path image) throws IOException {
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(image.toFile(), "r")) {
            f.seek(Qcow2Header.REFCOUNT_TABLE_OFFSET_OFFSET);
            return f.readLong();
        }
    }

    /** Writes (a third of them unaligned to clusters) and discards inside {@code [from, to)}, ending in a flush. */
    private static List<Qcow2Workload.Op> ops(long seed, long from, long to, int count) {
        Random r = new Random(seed);
        List<Qcow2Workload.Op> ops = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long length = 512L * (1 + r.nextInt(24));
            long offset = from + 512L * r.nextLong((to - from - length) / 512);
            int dice = r.nextInt(8);
            if (dice == 0) {
                ops.add(new Qcow2Workload.Op(Qcow2Workload.Kind.FLUSH, 0, 0, 0));
            } else if (dice == 1) {
                ops.add(new Qcow2Workload.Op(Qcow2Workload.Kind.DISCARD, offset & ~65535L, 65536, 0));
            } else {
                ops.add(new Qcow2Workload.Op(Qcow2Workload.Kind.WRITE, offset, length, (int) seed * 1000 + i));
            }
        }
        ops.add(new Qcow2Workload.Op(Qcow2Workload.Kind.FLUSH, 0, 0, 0));
        return ops;
    }
}
