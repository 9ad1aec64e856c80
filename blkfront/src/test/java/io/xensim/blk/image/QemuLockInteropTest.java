package io.xensim.blk.image;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.image.RawImage.Allocation;
import io.xensim.blk.image.RawImage.OpenMode;
import io.xensim.testkit.HostTools;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our write lock against QEMU's own (qemu-utils 7.2's qemu-io and qemu-img, block/file-posix.c): QEMU cannot
 * write an image a backend holds, a backend cannot open one QEMU writes, and read-only inspection stays possible.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class QemuLockInteropTest {
    private static final Path QEMU_IO = Path.of("/usr/bin/qemu-io");
    private static final Path QEMU_IMG = Path.of("/usr/bin/qemu-img");

    @TempDir
    Path dir;

    private Path image;

    @BeforeEach
    void requireQemuAndCreateImage() throws Exception {
        HostTools.require("qemu-utils", QEMU_IO, QEMU_IMG);
        image = dir.resolve("shared.img");
        RawImage.create(image, 2048, Allocation.SPARSE).close();
    }

    @Test
    void qemuCannotWriteAnImageWeHoldButCanInspectIt() throws Exception {
        try (RawImage held = RawImage.open(image, OpenMode.READ_WRITE)) {
            Result write = run(QEMU_IO.toString(), "-f", "raw", "-c", "write -P 0x55 0 512", image.toString());
            assertThat(write.exitCode()).as(write.output()).isNotZero();
            assertThat(write.output()).contains("Failed to lock byte 101");

            Result info = run(QEMU_IMG.toString(), "info", "-f", "raw", image.toString());
            assertThat(info.exitCode()).as(info.output()).isZero();
            assertThat(info.output()).contains("virtual size: 1 MiB");
        }
        assertThat(Files.readAllBytes(image)).containsOnly(0);   // qemu-io wrote nothing
    }

    @Test
    void weCannotOpenForWritingAnImageQemuWritesAndAreToldItsPid() throws Exception {
        Process qemuIo = new ProcessBuilder(QEMU_IO.toString(), "-f", "raw", image.toString()).redirectErrorStream(true).start();
        try {
            awaitPrompt(qemuIo.getInputStream());   // the image is open (and locked) once the prompt is printed

            ImageLockedException refused = org.assertj.core.api.Assertions.catchThrowableOfType(
                    ImageLockedException.class, () -> RawImage.open(image, OpenMode.READ_WRITE));
            assertThat(refused.holderPid()).hasValue(qemuIo.pid());
            assertThat(refused).hasMessageContaining("held by process " + qemuIo.pid());
            try (RawImage reader = RawImage.open(image, OpenMode.READ_ONLY); Arena arena = Arena.ofConfined()) {
                reader.read(0, arena.allocate(512));
            }

            qemuIo.getOutputStream().write("quit\n".getBytes(StandardCharsets.US_ASCII));
            qemuIo.getOutputStream().close();
            assertThat(qemuIo.waitFor(ChildJvm.WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        } finally {
            qemuIo.destroyForcibly();
        }
        RawImage.open(image, OpenMode.READ_WRITE).close();
    }

    /** Reads until qemu-io's {@code qemu-io> } prompt (printed without a newline), bounded. */
    private static void awaitPrompt(InputStream out) throws Exception {
        String seen = CompletableFuture.supplyAsync(() -> {
            StringBuilder text = new StringBuilder();
            try {
                int c;
                while (!text.toString().contains("qemu-io>") && (c = out.read()) >= 0) {
                    text.append((char) c);
                }
            } catch (IOException e) {
                text.append(" [").append(e).append(']');
            }
            return text.toString();
        }).get(ChildJvm.WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(seen).as("qemu-io's output before its prompt").contains("qemu-io>");
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(String... command) throws Exception {
        Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
        p.getOutputStream().close();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        });
        try {
            if (!p.waitFor(ChildJvm.WAIT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IOException(String.join(" ", command) + " still running after " + ChildJvm.WAIT);
            }
            return new Result(p.exitValue(), output.get(ChildJvm.WAIT.toSeconds(), TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
    }
}
