package io.xensim.testbed.xenstored;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Xen's own xenstore test program, {@code test-xenstore} (tools/tests/xenstore, shipped in xen-utils-4.17), run
 * against a daemon's socket through libxenstore ({@code XENSTORED_PATH}). Each of its tests (read, write, dir, rm,
 * transactions with and without a conflict) prints {@code name: <time> ns}, or {@code name: failed (ret = errno,
 * stage ...)}; it exits 0 only if all passed.
 */
public final class TestXenstore {
    static final long TIMEOUT_SECONDS = 120;

    /** What it printed and how it exited. */
    public record Result(int exitCode, String stdout, String stderr) {
        List<String> lines() {
            return stdout.isBlank() ? List.of() : List.of(stdout.strip().split("\n"));
        }
    }

    private TestXenstore() {
    }

    /** Runs every test {@code iterations} times against {@code socket} and asserts that each one passed. */
    public static Result assertPasses(Path socket, int iterations) throws IOException, InterruptedException {
        Path binary = XenUtils417.testXenstore();
        List<String> names = run(binary, socket, "--list-tests").lines().stream()
                .map(l -> l.substring(0, l.indexOf(':')).strip()).toList();
        assertThat(names).as("test-xenstore --list-tests").hasSizeGreaterThanOrEqualTo(12)
                .contains("read 1", "write 2000", "dir", "rm dir", "ta rmw", "ta err");

        Result r = run(binary, socket, "--iterations", Integer.toString(iterations));

        String shown = "test-xenstore against " + socket + ", exit " + r.exitCode() + "\nstdout:\n" + r.stdout()
                + "\nstderr:\n" + r.stderr();
        assertThat(r.lines()).as(shown).noneMatch(l -> l.contains("failed"));
        assertThat(r.lines().stream().map(l -> l.substring(0, l.indexOf(':')).strip()).toList())
                .as(shown).containsExactlyElementsOf(names);
        assertThat(r.lines()).as(shown).allMatch(l -> l.strip().endsWith(" ns)") || l.strip().endsWith(" ns"));
        assertThat(r.exitCode()).as(shown).isZero();
        return r;
    }

    static Result run(Path binary, Path socket, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        command.addAll(List.of(args));
        var builder = new ProcessBuilder(command);
        builder.environment().put("XENSTORED_PATH", socket.toString());
        builder.environment().remove("XENSTORE_DOMAIN_INTERFACE");
        Process p = builder.start();
        p.getOutputStream().close();
        CompletableFuture<String> out = slurp(p.getInputStream());
        CompletableFuture<String> err = slurp(p.getErrorStream());
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish within " + TIMEOUT_SECONDS + " s");
        }
        try {
            return new Result(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("cannot read the output of " + command, e);
        }
    }

    /** Reads a stream to its end on a thread of its own. */
    private static CompletableFuture<String> slurp(InputStream in) {
        var result = new CompletableFuture<String>();
        Thread t = new Thread(() -> {
            try (in) {
                result.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                result.completeExceptionally(e);
            }
        }, "test-xenstore-output");
        t.setDaemon(true);
        t.start();
        return result;
    }
}
