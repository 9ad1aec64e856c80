package io.xensim.blk.image;

import static io.xensim.blk.image.QemuImg.img;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.image.Qcow2Options.Preallocation;
import io.xensim.blk.image.RawImage.Allocation;
import io.xensim.blk.image.RawImage.OpenMode;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Qcow2Image} judged by the real {@code qemu-img} (qemu-utils 7.2): images qemu-img created, written by
 * us, pass {@code qemu-img check} and {@code qemu-img compare} against a raw image given the same writes; images we
 * created are converted by {@code qemu-img convert -O raw} to exactly that raw image.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class Qcow2ImageTest {
    private static final long SIZE = 64L << 20;

    @TempDir
    Path dir;

    @BeforeEach
    void requireQemu() {
        QemuImg.require();
    }

    static Stream<Arguments> qemuCreated() {
        return Stream.of(
                Arguments.of("v3, 64 KiB clusters", "compat=1.1", 65536),
                Arguments.of("v2 (compat=0.10)", "compat=0.10", 65536),
                Arguments.of("preallocation=metadata", "preallocation=metadata", 65536),
                Arguments.of("v2, preallocation=metadata", "compat=0.10,preallocation=metadata", 65536),
                Arguments.of("2 MiB clusters", "cluster_size=2M", 2 << 20),
                Arguments.of("512 B clusters", "cluster_size=512", 512),
                Arguments.of("4 KiB clusters, refcount_bits=1", "cluster_size=4096,refcount_bits=1", 4096),
                Arguments.of("refcount_bits=64", "refcount_bits=64", 65536),
                Arguments.of("lazy_refcounts=on (ignored: we keep refcounts exact)", "lazy_refcounts=on", 65536));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("qemuCreated")
    void writesToAQemuCreatedImagePassCheckAndCompareWithRaw(String label, String options, int clusterSize)
            throws Exception {
        Path qcow2 = dir.resolve("disk.qcow2"), raw = dir.resolve("model.raw");
        img("create", "-q", "-f", "qcow2", "-o", options, qcow2.toString(), Long.toString(SIZE));
        List<Qcow2Workload.Op> ops = Qcow2Workload.ops(SIZE, clusterSize, 150, 42);
        try (Qcow2Image image = Qcow2Image.open(qcow2, OpenMode.READ_WRITE);
                RawImage model = RawImage.create(raw, SIZE / 512, Allocation.SPARSE)) {
            assertThat(image.sectors()).isEqualTo(SIZE / 512);
            assertThat(image.clusterSize()).isEqualTo(clusterSize);
            Qcow2Workload.applyAll(ops, image, model);
            Qcow2Workload.assertSameContents(image, model, Math.min(SIZE, 70L * clusterSize + (1 << 20)), 1 << 16);
        }
        assertClean(qcow2);
        QemuImg.Result compare = QemuImg.compareWithRaw(qcow2, raw);
        assertThat(compare.exitCode()).as(compare.output()).isZero();
        assertThat(compare.output()).contains("Images are identical");
    }

    static Stream<Arguments> ourOptions() {
        return Stream.of(
                Arguments.of(new Qcow2Options(3, 65536, Preallocation.OFF)),
                Arguments.of(new Qcow2Options(2, 65536, Preallocation.OFF)),
                Arguments.of(new Qcow2Options(3, 512, Preallocation.OFF)),
                Arguments.of(new Qcow2Options(3, 2 << 20, Preallocation.OFF)),
                Arguments.of(new Qcow2Options(3, 65536, Preallocation.METADATA)),
                Arguments.of(new Qcow2Options(2, 4096, Preallocation.METADATA)),
                Arguments.of(new Qcow2Options(3, 2 << 20, Preallocation.METADATA)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ourOptions")
    void imagesWeCreateAreCheckedCleanAndConvertedToTheSameRawBytes(Qcow2Options options) throws Exception {
        Path qcow2 = dir.resolve("ours.qcow2"), raw = dir.resolve("model.raw"), converted = dir.resolve("out.raw");
        try (Qcow2Image image = Qcow2Image.create(qcow2, SIZE, options)) {
            assertClean(qcow2, "-U");   // the fresh image, before any write, while we hold it (force-share)
            if (options.preallocation() == Preallocation.METADATA) {
                String map = img("map", "-U", "--output=json", "-f", "qcow2", qcow2.toString());
                assertThat(map).as("every cluster allocated").contains("\"present\": true")
                        .doesNotContain("\"present\": false");
            }
            try (RawImage model = RawImage.create(raw, SIZE / 512, Allocation.SPARSE)) {
                Qcow2Workload.applyAll(Qcow2Workload.ops(SIZE, options.clusterSize(), 150, 7), image, model);
            }
        }
        assertClean(qcow2);
        String info = img("info", "--output=json", qcow2.toString());
        assertThat(info).contains("\"cluster-size\": " + options.clusterSize())
                .contains("\"compat\": \"" + (options.version() == 3 ? "1.1" : "0.10") + "\"")
                .contains("\"virtual-size\": " + SIZE);
        img("convert", "-f", "qcow2", "-O", "raw", qcow2.toString(), converted.toString());
        assertThat(Files.mismatch(converted, raw)).isEqualTo(-1L);
    }

    @Test
    void ourImageReadsBackWhatQemuIoWrote() throws Exception {
        Path qcow2 = dir.resolve("ours.qcow2");
        Qcow2Image.create(qcow2, SIZE, Qcow2Options.DEFAULTS).close();
        QemuImg.Result io = QemuImg.run(QemuImg.QEMU_IO.toString(), "-f", "qcow2",
                "-c", "write -P 0x5a 65024 70000", "-c", "write -z 1048576 131072", qcow2.toString());
        assertThat(io.exitCode()).as(io.output()).isZero();
        try (Qcow2Image image = Qcow2Image.open(qcow2, OpenMode.READ_ONLY); Arena arena = Arena.ofConfined()) {
            MemorySegment got = arena.allocate(1 << 18);
            image.read(65024 - 512, got);
            byte[] bytes = ImageFiles.bytes(got);
            for (int i = 0; i < bytes.length; i++) {
                assertThat(bytes[i]).as("byte %d", i).isEqualTo(i >= 512 && i < 512 + 70000 ? (byte) 0x5a : 0);
            }
        }
    }

    /**
     * {@code write -z} over allocated clusters makes QEMU keep them as zero clusters with their host offset (v3,
     * {@code zero_in_l2_slice} without {@code BDRV_REQ_MAY_UNMAP}); a partial write into one reads back as the
     * new bytes among zeros, and qemu-img agrees.
     */
    @Test
    void aPartialWriteIntoAnAllocatedZeroClusterKeepsItsZeros() throws Exception {
        Path qcow2 = dir.resolve("z.qcow2"), raw = dir.resolve("model.raw");
        img("create", "-q", "-f", "qcow2", qcow2.toString(), "4M");
        QemuImg.Result io = QemuImg.run(QemuImg.QEMU_IO.toString(), "-f", "qcow2",
                "-c", "write -P 0x33 0 262144", "-c", "write -z 65536 131072", qcow2.toString());
        assertThat(io.exitCode()).as(io.output()).isZero();
        assertThat(img("map", "--output=json", qcow2.toString())).contains("\"zero\": true, \"data\": false");
        Qcow2Workload.Op op = new Qcow2Workload.Op(Qcow2Workload.Kind.WRITE, 65536 + 4096, 1024, 9);
        try (Qcow2Image image = Qcow2Image.open(qcow2, OpenMode.READ_WRITE);
                RawImage model = RawImage.create(raw, 8192, Allocation.SPARSE); Arena arena = Arena.ofConfined()) {
            MemorySegment fill = arena.allocate(262144).fill((byte) 0x33);
            model.write(0, fill);
            model.discard(65536, 131072);
            Qcow2Workload.apply(image, op);
            Qcow2Workload.apply(model, op);
            Qcow2Workload.assertSameContents(image, model, 4L << 20, 65536);
        }
        assertClean(qcow2);
        assertThat(QemuImg.compareWithRaw(qcow2, raw).exitCode()).isZero();
    }

    /**
     * A guest flush costs one fsync per metadata level with dirty tables (refcount blocks, L2, L1), one when only
     * data was written, none after no write; each allocating write adds its metadata writes at the flush.
     */
    @Test
    void flushCostsOneFsyncPerDirtyMetadataLevel() throws Exception {
        try (Qcow2Image image = Qcow2Image.create(dir.resolve("s.qcow2"), SIZE, Qcow2Options.DEFAULTS);
                Arena arena = Arena.ofConfined()) {
            MemorySegment page = ImageFiles.pattern(arena, 0, 8, 1);
            ImageStats start = image.stats(), before = start;
            image.write(0, page);   // a new L2 table and a data cluster
            image.flush();
            assertThat(delta(image.stats(), before)).isEqualTo(new ImageStats(1, 1, 1, 3, 3));

            before = image.stats();
            image.write(65536, page);   // a data cluster inside the same L2 table
            image.flush();
            assertThat(delta(image.stats(), before)).isEqualTo(new ImageStats(1, 1, 1, 2, 2));

            before = image.stats();
            image.write(4096, page);   // in place
            image.flush();
            assertThat(delta(image.stats(), before)).isEqualTo(new ImageStats(1, 1, 1, 0, 1));

            before = image.stats();
            image.flush();
            assertThat(delta(image.stats(), before)).isEqualTo(new ImageStats(0, 1, 0, 0, 0));
            assertThat(delta(image.stats(), start).fsyncsPerFlush()).isEqualTo(6.0 / 4);
            assertThat(delta(image.stats(), start).metadataWritesPerWrite()).isEqualTo(5.0 / 3);
        }
    }

    /** With metadata preallocated, a write across clusters that lie one after the other is one host write. */
    @Test
    void aWriteAcrossContiguousPreallocatedClustersIsOneHostWriteWithoutMetadata() throws Exception {
        Qcow2Options options = Qcow2Options.DEFAULTS.withClusterSize(4096).withPreallocation(Preallocation.METADATA);
        try (Qcow2Image image = Qcow2Image.create(dir.resolve("p.qcow2"), 1 << 20, options);
                Arena arena = Arena.ofConfined()) {
            MemorySegment data = ImageFiles.pattern(arena, 9, 64, 3);   // 32 KiB from sector 9: 9 clusters
            ImageStats before = image.stats();
            image.write(9 * 512, data);
            image.flush();
            assertThat(delta(image.stats(), before)).isEqualTo(new ImageStats(1, 1, 1, 0, 1));
            MemorySegment back = arena.allocate(data.byteSize());
            image.read(9 * 512, back);
            assertThat(ImageFiles.bytes(back)).isEqualTo(ImageFiles.bytes(data));
        }
    }

    @Test
    void growingPastTheRefcountTableAndThroughSmallCachesStaysClean() throws Exception {
        // 512-byte clusters: one refcount table cluster covers 64 blocks of 256 clusters, 8 MiB of file
        Path qcow2 = dir.resolve("grow.qcow2"), raw = dir.resolve("model.raw");
        long size = 16L << 20;
        img("create", "-q", "-f", "qcow2", "-o", "cluster_size=512", qcow2.toString(), Long.toString(size));
        long tableBefore = headerField(qcow2, Qcow2Header.REFCOUNT_TABLE_OFFSET_OFFSET);
        try (Qcow2Image image = Qcow2Image.open(qcow2, OpenMode.READ_WRITE, 3, 2);
                RawImage model = RawImage.create(raw, size / 512, Allocation.SPARSE);
                Arena arena = Arena.ofConfined()) {
            for (long at = 0; at < 10L << 20; at += 64 << 10) {
                Qcow2Workload.Op op = new Qcow2Workload.Op(Qcow2Workload.Kind.WRITE, at, 64 << 10, (int) (at >> 16));
                Qcow2Workload.apply(image, op);
                Qcow2Workload.apply(model, op);
            }
            image.discard(1L << 20, 2L << 20);
            model.discard(1L << 20, 2L << 20);
            image.flush();
            Qcow2Workload.assertSameContents(image, model, size, 1 << 20);
        }
        assertThat(headerField(qcow2, Qcow2Header.REFCOUNT_TABLE_OFFSET_OFFSET)).as("the table moved")
                .isNotEqualTo(tableBefore);
        assertClean(qcow2);
        assertThat(QemuImg.compareWithRaw(qcow2, raw).exitCode()).isZero();
    }

    private static long headerField(Path image, int offset) throws IOException {
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(image.toFile(), "r")) {
            f.seek(offset);
            return f.readLong();
        }
    }

    @Test
    void readOnlyImagesRefuseWrites() throws Exception {
        Path qcow2 = dir.resolve("ro.qcow2");
        img("create", "-q", "-f", "qcow2", qcow2.toString(), "1M");
        try (Qcow2Image image = Qcow2Image.open(qcow2, OpenMode.READ_ONLY); Arena arena = Arena.ofConfined()) {
            assertThat(image.writable()).isFalse();
            assertThat(image.discardable()).isFalse();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> image.write(0, arena.allocate(512)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("read-only");
        }
    }

    @Test
    void qemuCannotWriteAnImageWeHoldAndWeCannotOpenItTwice() throws Exception {
        Path qcow2 = dir.resolve("locked.qcow2");
        img("create", "-q", "-f", "qcow2", qcow2.toString(), "1M");
        try (Qcow2Image held = Qcow2Image.open(qcow2, OpenMode.READ_WRITE)) {
            QemuImg.Result write = QemuImg.run(QemuImg.QEMU_IO.toString(), "-f", "qcow2", "-c", "write 0 512",
                    qcow2.toString());
            assertThat(write.exitCode()).as(write.output()).isNotZero();
            assertThat(write.output()).contains("Failed to lock byte 101");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Qcow2Image.open(qcow2, OpenMode.READ_WRITE))
                    .isInstanceOf(ImageLockedException.class);
        }
    }

    static void assertClean(Path qcow2, String... flags) throws IOException, InterruptedException {
        QemuImg.Result check = QemuImg.check(qcow2, flags);
        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("No errors were found on the image");
    }

    private static ImageStats delta(ImageStats now, ImageStats before) {
        return new ImageStats(now.guestWrites() - before.guestWrites(), now.guestFlushes() - before.guestFlushes(),
                now.hostDataWrites() - before.hostDataWrites(),
                now.hostMetadataWrites() - before.hostMetadataWrites(), now.hostFsyncs() - before.hostFsyncs());
    }
}
