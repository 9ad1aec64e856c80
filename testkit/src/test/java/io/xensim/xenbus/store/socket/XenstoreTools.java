package io.xensim.xenbus.store.socket;

import io.xensim.testkit.HostTools;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Runs Debian's xenstore-utils and python3-pyxs against a socket, with {@code XENSTORED_PATH} pointing at it (how
 * libxenstore 4.17's {@code xs_open()} finds the daemon when {@code /dev/xen/xenbus} is not used: a path that
 * {@code stat}s as a socket is connected to as one). Tests skip, saying why, when the tools are missing, and fail
 * under {@code CI=true} ({@link HostTools}).
 */
final class XenstoreTools {
    static final Path BIN = Path.of("/usr/bin");
    /** The system interpreter: pyxs is a Debian package, not in any virtualenv or pyenv. */
    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final long TIMEOUT_SECONDS = 20;

    record Result(int exitCode, String stdout, String stderr) {
        List<String> lines() {
            return stdout.isEmpty() ? List.of() : List.of(stdout.split("\n"));
        }
    }

    private XenstoreTools() {
    }

    static void assumeXenstoreUtils() {
        HostTools.require("xenstore-utils", List.of("xenstore-read", "xenstore-write", "xenstore-ls", "xenstore-rm",
                "xenstore-chmod", "xenstore-watch", "xenstore-exists", "xenstore-list").stream()
                .map(BIN::resolve).toArray(Path[]::new));
    }

    static void assumePyxs() throws Exception {
        HostTools.require("python3-pyxs", PYTHON);
        Result r = run(null, List.of(PYTHON.toString(), "-c", "import pyxs"));
        HostTools.require("python3-pyxs", r.exitCode() == 0 ? Optional.empty()
                : Optional.of("'import pyxs' failed: " + r.stderr().strip()));
    }

    static ProcessBuilder builder(Path socket, List<String> command) {
        var pb = new ProcessBuilder(command);
        pb.environment().remove("XENSTORE_DOMAIN_INTERFACE");
        if (socket != null) {
            pb.environment().put("XENSTORED_PATH", socket.toString());
        }
        return pb;
    }

    /** Runs {@code tool args...} from /usr/bin to completion (bounded). */
    static Result tool(Path socket, String tool, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(BIN.resolve(tool).toString());
        cmd.addAll(List.of(args));
        return run(socket, cmd);
    }

    static Result run(Path socket, List<String> command) throws Exception {
        Process p = builder(socket, command).start();
        p.getOutputStream().close();
        CompletableFuture<String> out = slurp(p.getInputStream());
        CompletableFuture<String> err = slurp(p.getErrorStream());
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish in " + TIMEOUT_SECONDS + " s");
        }
        return new Result(p.exitValue(), out.get(TIMEOUT_SECONDS, TimeUnit.SECONDS),
                err.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
    }

    /** Reads a stream to its end on a thread of its own (the common pool may have one thread on a small machine). */
    static CompletableFuture<String> slurp(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "<" + e + ">";
            }
        }, Executors.newVirtualThreadPerTaskExecutor());
    }
}
