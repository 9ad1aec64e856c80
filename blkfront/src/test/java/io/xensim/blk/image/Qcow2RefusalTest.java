package io.xensim.blk.image;

import static io.xensim.blk.image.QemuImg.img;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.blk.image.RawImage.OpenMode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * What {@link Qcow2Image} refuses at open, naming the feature, for images qemu-img built with it; and the dirty
 * and corrupt bits, honoured as QEMU's {@code qcow2_do_open} does (read-only opens only).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class Qcow2RefusalTest {
    @TempDir
    Path dir;

    @BeforeEach
    void requireQemu() {
        QemuImg.require();
    }

    interface Builder {
        Path build(Path dir) throws Exception;
    }

    static Stream<Arguments> unsupported() {
        return Stream.of(
                Arguments.of("zstd compression type", (Builder) d -> create(d, "-o", "compression_type=zstd"),
                        "compression type zstd"),
                Arguments.of("backing file", (Builder) d -> {
                    Path base = create(d.resolve("base"));
                    Path over = d.resolve("over.qcow2");
                    img("create", "-q", "-f", "qcow2", "-b", base.toString(), "-F", "qcow2", over.toString());
                    return over;
                }, "backing file"),
                Arguments.of("AES encryption", (Builder) d -> create(d, "--object", "secret,id=sec0,data=abc",
                        "-o", "encrypt.format=aes,encrypt.key-secret=sec0"), "encryption (crypt_method aes)"),
                Arguments.of("LUKS encryption", (Builder) Qcow2RefusalTest::luks, "encryption (crypt_method luks)"),
                Arguments.of("external data file", (Builder) d -> create(d, "-o",
                        "data_file=" + d.resolve("data.raw")), "external data file"),
                Arguments.of("extended L2 entries", (Builder) d -> create(d, "-o", "extended_l2=on"),
                        "extended L2 entries"),
                Arguments.of("internal snapshot", (Builder) d -> {
                    Path image = create(d);
                    img("snapshot", "-c", "snap1", image.toString());
                    return image;
                }, "internal snapshots (1 in the image)"),
                Arguments.of("compressed clusters", (Builder) d -> {
                    Path raw = d.resolve("data.raw");
                    Files.write(raw, "compress me ".repeat(100_000).getBytes());
                    Path image = d.resolve("compressed.qcow2");
                    img("convert", "-q", "-c", "-f", "raw", "-O", "qcow2", raw.toString(), image.toString());
                    return image;
                }, "compressed clusters"),
                Arguments.of("unknown incompatible bit", (Builder) d -> {
                    Path image = create(d);
                    patchByte(image, Qcow2Header.INCOMPATIBLE_FEATURES_OFFSET + 7, 1 << 6);
                    return image;
                }, "unknown incompatible feature bit 6"),
                Arguments.of("a raw image", (Builder) d -> {
                    Path raw = d.resolve("disk.raw");
                    Files.write(raw, new byte[1 << 16]);
                    return raw;
                }, "not a qcow2 image"),
                Arguments.of("a version 4 header", (Builder) d -> {
                    Path image = create(d);
                    patchByte(image, Qcow2Header.VERSION_OFFSET + 3, 4);
                    return image;
                }, "unsupported qcow2 version 4"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unsupported")
    void unsupportedFeaturesAreRefusedAtOpenByName(String label, Builder builder, String feature) throws Exception {
        Path image = builder.build(dir);
        for (OpenMode mode : OpenMode.values()) {
            assertThatThrownBy(() -> Qcow2Image.open(image, mode)).as(mode.name())
                    .isInstanceOf(IOException.class).hasMessageContaining(image.toString())
                    .hasMessageContaining(feature);
        }
    }

    @Test
    void aCorruptImageOpensReadOnlyOnly() throws Exception {
        Path image = createWithData();
        patchByte(image, Qcow2Header.INCOMPATIBLE_FEATURES_OFFSET + 7, (int) Qcow2Header.QCOW2_INCOMPAT_CORRUPT);
        assertThatThrownBy(() -> Qcow2Image.open(image, OpenMode.READ_WRITE)).isInstanceOf(IOException.class)
                .hasMessageContaining("corrupt").hasMessageContaining("read-only");
        assertReadsData(image);
    }

    @Test
    void aDirtyImageNeedsQemuImgCheckBeforeAReadWriteOpen() throws Exception {
        Path image = createWithData();
        patchByte(image, Qcow2Header.INCOMPATIBLE_FEATURES_OFFSET + 7, (int) Qcow2Header.QCOW2_INCOMPAT_DIRTY);
        assertThatThrownBy(() -> Qcow2Image.open(image, OpenMode.READ_WRITE)).isInstanceOf(IOException.class)
                .hasMessageContaining("dirty").hasMessageContaining("qemu-img check -r all");
        assertReadsData(image);
        img("check", "-q", "-r", "all", image.toString());   // QEMU's repair clears the bit
        Qcow2Image.open(image, OpenMode.READ_WRITE).close();
    }

    /** {@code qcow2_signal_corruption}: metadata found wrong at run time marks the image corrupt for QEMU too. */
    @Test
    void metadataFoundInconsistentMarksTheImageCorrupt() throws Exception {
        Path image = createWithData();
        // cluster 4 is the first L2 table (after header, refcount table and block, L1); entry 0 maps guest cluster 0
        long l2 = 4L * 65536;
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(l2);
            long entry = f.readLong();
            assertThat(entry & Qcow2Header.L2E_OFFSET_MASK).isEqualTo(5L * 65536);
            f.seek(l2);
            f.writeLong(entry + 512);   // no longer cluster-aligned
        }
        try (Qcow2Image opened = Qcow2Image.open(image, OpenMode.READ_WRITE); Arena arena = Arena.ofConfined()) {
            assertThatThrownBy(() -> opened.read(0, arena.allocate(512))).isInstanceOf(IOException.class)
                    .hasMessageContaining("marked corrupt").hasMessageContaining("not cluster-aligned");
            assertThatThrownBy(() -> opened.read(1 << 20, arena.allocate(512))).isInstanceOf(IOException.class)
                    .hasMessageContaining("marked corrupt earlier");
        }
        assertThat(img("info", "--output=json", image.toString())).contains("\"corrupt\": true");
        assertThatThrownBy(() -> Qcow2Image.open(image, OpenMode.READ_WRITE)).hasMessageContaining("corrupt");
    }

    /**
     * Autoclear bits we do not understand (bit 0: persistent bitmaps) are cleared by a read-write open, as the
     * spec requires; QEMU then calls the bitmaps inconsistent and counts their clusters as leaked, its documented
     * outcome for "a program lacking bitmap support".
     */
    @Test
    void aReadWriteOpenClearsAutoclearBitsAndQemuSeesInconsistentBitmaps() throws Exception {
        Path image = createWithData();
        img("bitmap", "--add", image.toString(), "b0");
        Qcow2Image.open(image, OpenMode.READ_ONLY).close();
        assertThat(readLong(image, Qcow2Header.AUTOCLEAR_FEATURES_OFFSET)).isEqualTo(Qcow2Header.QCOW2_AUTOCLEAR_BITMAPS);
        Qcow2Image.open(image, OpenMode.READ_WRITE).close();
        assertThat(readLong(image, Qcow2Header.AUTOCLEAR_FEATURES_OFFSET)).isZero();
        QemuImg.Result check = QemuImg.check(image);
        assertThat(check.exitCode()).as(check.output()).isIn(0, 3);
        assertThat(check.output()).doesNotContain("ERROR").contains("lacking bitmap support");
        assertReadsData(image);
    }

    private static long readLong(Path image, long offset) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "r")) {
            f.seek(offset);
            return f.readLong();
        }
    }

    /**
     * A LUKS image: qemu-img times its PBKDF2 iterations on the CPU and, on a loaded machine, sometimes fails
     * with "Unable to get accurate CPU usage"; that is qemu-img's measurement, so it is retried.
     */
    private static Path luks(Path dir) throws Exception {
        AssertionError last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                Files.deleteIfExists(dir.resolve("image.qcow2"));
                return create(dir, "--object", "secret,id=sec0,data=abc",
                        "-o", "encrypt.format=luks,encrypt.key-secret=sec0,encrypt.iter-time=1000");
            } catch (AssertionError e) {
                if (!e.getMessage().contains("Unable to get accurate CPU usage")) {
                    throw e;
                }
                last = e;
            }
        }
        throw last;
    }

    private Path createWithData() throws Exception {
        Path image = create(dir);
        QemuImg.Result io = QemuImg.run(QemuImg.QEMU_IO.toString(), "-f", "qcow2", "-c", "write -P 0x77 0 4096",
                image.toString());
        assertThat(io.exitCode()).as(io.output()).isZero();
        return image;
    }

    private static void assertReadsData(Path image) throws IOException {
        try (Qcow2Image ro = Qcow2Image.open(image, OpenMode.READ_ONLY); Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(4096);
            ro.read(0, s);
            assertThat(ImageFiles.bytes(s)).containsOnly(0x77);
        }
    }

    private static Path create(Path dir, String... options) throws Exception {
        Files.createDirectories(dir);
        Path image = dir.resolve("image.qcow2");
        String[] args = new String[options.length + 5];
        args[0] = "create";
        args[1] = "-q";
        args[2] = "-f";
        args[3] = "qcow2";
        System.arraycopy(options, 0, args, 4, options.length);
        args[args.length - 1] = image.toString();
        img(append(args, "4M"));
        return image;
    }

    private static String[] append(String[] args, String last) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = last;
        return all;
    }

    static void patchByte(Path image, long offset, int value) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.seek(offset);
            f.write(value);
        }
    }
}
