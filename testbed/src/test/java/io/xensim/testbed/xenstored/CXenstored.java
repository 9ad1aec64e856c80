package io.xensim.testbed.xenstored;

import io.xensim.testkit.HostTools;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The real C xenstored 4.17 of Debian's xen-utils-4.17, running on this machine without Xen: a child process in
 * the foreground ({@code -N}) with the LD_PRELOAD shim {@code xenstored-shim.c} (compiled here with gcc, as the
 * ABI probe compiles its program) in place of the hypervisor, its run directory ({@code XENSTORED_RUNDIR}) and
 * socket ({@code XENSTORED_PATH}) in a temporary directory of its own. Every socket client is dom0, as in xensim.
 *
 * <p>Ready means initialised: {@code -P} makes main() print the daemon's pid once domain_init() and dom0_init()
 * have run (the socket was bound and listening before that), so the harness waits, bounded, for that line and
 * for the socket. Its stderr goes to a file, shown by {@link #stderr()} and in every failure message.
 *
 * <p><b>Threading:</b> start and close from one thread; the stdout reader is a daemon thread of its own.
 *
 * <p><b>Reference:</b> Xen 4.17 tools/xenstore/xenstored_core.c {@code main()} (option handling, the order of
 * init_sockets(), domain_init(), dom0_init() and the pid output), xs_lib.c {@code xs_daemon_rundir()} and
 * {@code xs_daemon_socket()} (the two environment variables).
 */
final class CXenstored implements AutoCloseable {
    static final long START_TIMEOUT_SECONDS = 20;
    private static final String SHIM_RESOURCE = "xenstored-shim.c";
    private static Path shim;
    /** Daemons not yet closed; a JVM that exits early (a timeout, Ctrl-C) still ends them. */
    private static final java.util.Set<Process> LIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly),
                "c-xenstored-reaper"));
    }

    private final Path dir;
    private final Path socket;
    private final Process process;
    private final Path stderrFile;

    private CXenstored(Path dir, Path socket, Process process, Path stderrFile) {
        this.dir = dir;
        this.socket = socket;
        this.process = process;
        this.stderrFile = stderrFile;
    }

    /** Starts the daemon and waits until it serves its socket; skips (fails under CI) if it cannot exist here. */
    static CXenstored start() throws IOException, InterruptedException {
        Path binary = XenUtils417.xenstored();
        Path preload = shim();
        Path dir = Files.createTempDirectory("xensim-cxenstored");
        Path socket = dir.resolve("socket");
        Path stderr = dir.resolve("xenstored.stderr");
        var builder = new ProcessBuilder(binary.toString(), "-N", "-P")
                .directory(dir.toFile())
                .redirectError(stderr.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().put("LD_PRELOAD", preload.toString());
        builder.environment().put("XENSTORED_RUNDIR", dir.toString());
        builder.environment().put("XENSTORED_PATH", socket.toString());
        Process process = builder.start();
        LIVE.add(process);
        var daemon = new CXenstored(dir, socket, process, stderr);
        CompletableFuture<String> pidLine = firstLine(process.getInputStream());
        try {
            String pid = pidLine.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (pid == null || !pid.strip().equals(Long.toString(process.pid())) || !Files.exists(socket)) {
                throw new IllegalStateException("C xenstored did not come up (stdout: " + pid + ", socket "
                        + socket + (Files.exists(socket) ? " exists" : " missing") + ", alive: "
                        + process.isAlive() + ")" + daemon.stderrForMessage());
            }
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            daemon.close();
            throw new IllegalStateException("C xenstored did not print its pid within " + START_TIMEOUT_SECONDS
                    + " s: " + e + daemon.stderrForMessage(), e);
        }
        return daemon;
    }

    Path socket() {
        return socket;
    }

    /**
     * True if a fresh connection still gets an answer (after the daemon closed one of ours, this tells a refused
     * client from a crash); if not, waits, bounded, for the process to end so its exit status and stderr are known.
     */
    boolean answers() {
        try (var probe = new XsWireConnection(socket)) {
            var answer = probe.request(io.xensim.xenbus.store.wire.XsMessage.of(
                    io.xensim.xenbus.store.wire.XsType.XS_GET_DOMAIN_PATH, 1, 0, "0"));
            if (answer.outcome() == XsWireConnection.Outcome.REPLIED) {
                return true;
            }
        } catch (IOException e) {
            // Refused: fall through.
        }
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Everything the daemon wrote on stderr so far (talloc leak reports, assertion failures, barf()). */
    String stderr() {
        try {
            return Files.exists(stderrFile) ? Files.readString(stderrFile, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + stderrFile + ": " + e + ")";
        }
    }

    String stderrForMessage() {
        String err = stderr().strip();
        String exit = process.isAlive() ? "running" : "exited with " + process.exitValue();
        return "\nC xenstored (" + exit + ") stderr:\n" + (err.isEmpty() ? "(empty)" : err);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        LIVE.remove(process);
        deleteRecursively(dir);
    }

    /** The shim, compiled once per JVM into a temporary directory. */
    private static synchronized Path shim() throws IOException, InterruptedException {
        if (shim != null) {
            return shim;
        }
        XenUtils417.requireGccAndXenHeaders();
        Path work = Files.createTempDirectory("xensim-xenstored-shim");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteRecursively(work)));
        Path source = work.resolve(SHIM_RESOURCE);
        try (InputStream in = CXenstored.class.getResourceAsStream(SHIM_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + SHIM_RESOURCE + " missing from the classpath");
            }
            Files.copy(in, source);
        }
        Path library = work.resolve("xenstored-shim.so");
        List<String> command = new ArrayList<>(List.of("gcc", "-std=gnu11", "-O2", "-Wall", "-Wextra", "-Werror",
                "-shared", "-fPIC", "-o", library.toString(), source.toString(), "-ldl"));
        Path log = work.resolve("gcc.log");
        Process gcc;
        try {
            gcc = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            HostTools.require("gcc", Optional.of("gcc cannot be run (" + e.getMessage() + ")"));
            throw e;
        }
        if (!gcc.waitFor(60, TimeUnit.SECONDS)) {
            gcc.destroyForcibly();
            throw new IllegalStateException("gcc did not finish within 60 s: " + String.join(" ", command));
        }
        if (gcc.exitValue() != 0) {
            throw new IllegalStateException("gcc could not build the xenstored shim:\n" + Files.readString(log));
        }
        shim = library;
        return shim;
    }

    private static CompletableFuture<String> firstLine(InputStream stdout) {
        var line = new CompletableFuture<String>();
        Thread reader = new Thread(() -> {
            try (var r = new BufferedReader(new InputStreamReader(stdout, StandardCharsets.UTF_8))) {
                line.complete(r.readLine());
                // Keep draining, so the daemon never blocks on a full pipe.
                while (r.readLine() != null) {
                    // discard
                }
            } catch (IOException e) {
                line.completeExceptionally(e);
            }
        }, "c-xenstored-stdout");
        reader.setDaemon(true);
        reader.start();
        return line;
    }

    static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            // A leftover temporary file is harmless.
        }
    }
}
