package io.xensim.blk;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.back.BlkbackConfig;
import io.xensim.blk.back.ImageOpener;
import io.xensim.blk.front.BlkfrontConfig;
import io.xensim.blk.image.Qcow2Image;
import io.xensim.blk.image.RawImage;
import io.xensim.blk.guest.BlkStatus;
import io.xensim.testkit.HostTools;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import io.xensim.xenbus.toolstack.DiskConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest's blkfront writing, discarding, flushing and reading a qcow2 image qemu-img created, wired as xl wires
 * {@code format=qcow2}: a {@code qdisk} vbd whose {@code params} is {@code qcow2:<path>}, opened by
 * {@link ImageOpener#byFormat()} as {@link Qcow2Image}; afterwards qemu-img finds it clean and identical to a raw
 * image given the same writes. One case per way the seed's users create images (default, the advice's
 * {@code preallocation=metadata} and {@code cluster_size=2M}, version 2 and 3).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BlkPairQcow2Test {
    private static final Path QEMU_IMG = Path.of("/usr/bin/qemu-img");
    private static final long SECTORS = 16384;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "qemu-img create -o {0}")
    @ValueSource(strings = {"cluster_size=4096", "compat=1.1", "compat=0.10", "preallocation=metadata",
            "cluster_size=2M", "preallocation=metadata,cluster_size=2M"})
    void aGuestRoundTripThroughBlkfrontLeavesAnImageQemuImgAccepts(String options) throws Exception {
        HostTools.require("qemu-utils", QEMU_IMG);
        Path qcow2 = dir.resolve("guest.qcow2"), raw = dir.resolve("model.raw");
        qemuImg("create", "-q", "-f", "qcow2", "-o", options, qcow2.toString(), Long.toString(SECTORS * 512));
        MemorySegment first = BlkPair.pattern(3 * 4096 + 512, 1), second = BlkPair.pattern(8192, 2);
        try (var p = new BlkPair(BlkbackConfig.defaults(), BlkfrontConfig.DEFAULT, ImageOpener.byFormat());
                RawImage model = RawImage.create(raw, SECTORS, RawImage.Allocation.SPARSE)) {
            p.addVbd(1, new DiskConfig("xvda", BlkPair.XVDA, "qcow2:" + qcow2, DiskConfig.QDISK, true, false, false,
                    true, true));
            assertThat(p.run(1, f -> f.write(7, first))).isEqualTo(BlkStatus.OK);   // unaligned, across clusters
            assertThat(p.run(1, f -> f.write(1000, second))).isEqualTo(BlkStatus.OK);
            assertThat(p.run(1, f -> f.flush())).isEqualTo(BlkStatus.OK);
            assertThat(p.run(1, f -> f.discard(1000, 8))).isEqualTo(BlkStatus.OK);   // a cluster, or zeros
            assertThat(p.run(1, f -> f.flush())).isEqualTo(BlkStatus.OK);
            model.write(7 * 512, first);
            model.write(1000 * 512, second);
            model.discard(1000 * 512, 8 * 512);

            MemorySegment back = MemorySegment.ofArray(new byte[(int) first.byteSize()]);
            assertThat(p.run(1, f -> f.read(7, back))).isEqualTo(BlkStatus.OK);
            assertThat(back.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(first.toArray(ValueLayout.JAVA_BYTE));
            MemorySegment discarded = MemorySegment.ofArray(new byte[8192]);
            assertThat(p.run(1, f -> f.read(1000, discarded))).isEqualTo(BlkStatus.OK);
            byte[] expected = new byte[8192];
            System.arraycopy(second.toArray(ValueLayout.JAVA_BYTE), 4096, expected, 4096, 4096);
            assertThat(discarded.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(expected);
        }
        assertThat(qemuImg("check", "-f", "qcow2", qcow2.toString())).contains("No errors were found");
        assertThat(qemuImg("compare", "-f", "qcow2", "-F", "raw", qcow2.toString(), raw.toString()))
                .contains("Images are identical");
    }

    private static String qemuImg(String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 1];
        command[0] = QEMU_IMG.toString();
        System.arraycopy(args, 0, command, 1, args.length);
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(out).isZero();
        return out;
    }
}
