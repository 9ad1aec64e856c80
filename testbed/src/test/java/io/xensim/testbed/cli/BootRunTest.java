package io.xensim.testbed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.testkit.HostTools;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/**
 * {@code xensim boot} while its guests run: {@code --xenstore-socket} serving the running host's xenstore to
 * Debian's xenstore-utils (xenstore-ls -p, xenstore-write, xenstore-watch), {@code --for}, and a stop by SIGINT or
 * SIGTERM of a child JVM that destroys the guests, removes the socket, prints the summary and exits 0.
 */
@Timeout(180)
class BootRunTest {
    private static final Path BIN = Path.of("/usr/bin");
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    @TempDir
    Path dir;

    private Path config;
    private Path socket;

    @BeforeEach
    void copyTheExample() throws IOException {
        config = dir.resolve("pv-on-hvm.cfg");
        Files.copy(BootCommandTest.examples().resolve("pv-on-hvm.cfg"), config);
        socket = dir.resolve("xs.sock");
    }

    @AfterEach
    void stopThreads() {
        threads.shutdownNow();
    }

    private record Running(BootCommand command, CompletableFuture<Integer> exit, StringWriter out) {
    }

    /** The command in this JVM, on a thread of its own; returns once the guests run (or the command ended). */
    private Running start(String... args) throws Exception {
        var command = new BootCommand();
        var cli = new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true);
        var out = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        var exit = CompletableFuture.supplyAsync(() -> cli.execute(args), threads);
        while (!command.awaitReady(10, TimeUnit.MILLISECONDS) && !exit.isDone()) {
            assertThat(exit).isNotCompletedExceptionally();
        }
        return new Running(command, exit, out);
    }

    private static void requireXenstoreUtils() {
        HostTools.require("xenstore-utils", BIN.resolve("xenstore-ls"), BIN.resolve("xenstore-write"),
                BIN.resolve("xenstore-read"), BIN.resolve("xenstore-watch"));
    }

    private ProcessBuilder tool(String... command) {
        var pb = new ProcessBuilder(command);
        pb.command().set(0, BIN.resolve(command[0]).toString());
        pb.environment().remove("XENSTORE_DOMAIN_INTERFACE");
        pb.environment().put("XENSTORED_PATH", socket.toString());
        return pb;
    }

    /** Runs a xenstore-utils tool to completion against the socket; returns its stdout, asserting exit 0. */
    private String run(String... command) throws Exception {
        Process p = tool(command).redirectErrorStream(true).start();
        var out = slurp(p);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
        String text = out.get(10, TimeUnit.SECONDS);
        assertThat(p.exitValue()).as(String.join(" ", command) + ": " + text).isZero();
        return text;
    }

    private CompletableFuture<String> slurp(Process p) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        }, threads);
    }

    /** The next line of {@code in}, or a note of what went wrong, within {@code seconds}. */
    private String readLine(BufferedReader in, long seconds) throws Exception {
        return CompletableFuture.supplyAsync(() -> {
            try {
                String line = in.readLine();
                return line == null ? "<end of stream>" : line;
            } catch (IOException e) {
                return "<" + e + ">";
            }
        }, threads).completeOnTimeout("<nothing within " + seconds + " s>", seconds, TimeUnit.SECONDS).get();
    }

    @Test
    void xenstoreUtilsSeeTheRunningHostsTreeWithLibxlsPermissions() throws Exception {
        requireXenstoreUtils();
        Running r = start(config.toString(), "--xenstore-socket", socket.toString());
        assertThat(r.exit()).as(r.out()::toString).isNotDone();
        assertThat(r.out().toString()).contains("==> dom1 pv-on-hvm: booted",
                "xensim boot: 1 guest running; xenstore on " + socket + "; until Ctrl-C (SIGINT) or SIGTERM");

        assertThat(run("xenstore-ls", "-p", "/local/domain/0")).contains("name = \"Domain-0\"")
                .containsPattern("domid = \"0\" [ .]*\\(n0\\)");
        // The frontend's directory is the guest's, readable by dom0; the backend's is dom0's, readable by the guest.
        assertThat(run("xenstore-ls", "-p", "/local/domain/1/device/vif/0"))
                .containsPattern("backend = \"/local/domain/0/backend/vif/1/0\" [ .]*\\(n1,r0\\)")
                .containsPattern("state = \"4\" [ .]*\\(n1,r0\\)");
        assertThat(run("xenstore-ls", "-p", "/local/domain/0/backend/vif/1/0"))
                .containsPattern("frontend = \"/local/domain/1/device/vif/0\" [ .]*\\(n0,r1\\)")
                .containsPattern("frontend-id = \"1\" [ .]*\\(n0,r1\\)")
                .containsPattern("state = \"4\" [ .]*\\(n0,r1\\)");

        // A watch fires for a write made by another client of the socket.
        Process watch = tool("xenstore-watch", "-n", "2", "/local/domain/1/data/xensim").start();
        try {
            var events = new BufferedReader(new InputStreamReader(watch.getInputStream(), StandardCharsets.UTF_8));
            assertThat(readLine(events, 30)).isEqualTo("/local/domain/1/data/xensim");   // the initial event
            assertThat(run("xenstore-write", "/local/domain/1/data/xensim", "hello")).isEmpty();
            assertThat(readLine(events, 30)).isEqualTo("/local/domain/1/data/xensim");
            assertThat(watch.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(watch.exitValue()).isZero();
        } finally {
            watch.destroyForcibly();
        }
        assertThat(run("xenstore-read", "/local/domain/1/data/xensim")).isEqualTo("hello\n");

        r.command().stop();
        assertThat(r.exit().get(60, TimeUnit.SECONDS)).as(r.out()::toString).isZero();
        assertThat(r.out().toString()).contains("xensim: stopped by stop request after ",
                "xensim: closed the xenstore socket " + socket + " (served ", "xensim: xl destroy dom1 (pv-on-hvm)",
                "xensim boot: 1 of 1 guests booted; exit 0");
        assertThat(socket).doesNotExist();
    }

    @Test
    void aSocketPathInUseExitsOneAndSaysWhy() throws Exception {
        try (var other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(socket));
            Running r = start(config.toString(), "--xenstore-socket", socket.toString());

            assertThat(r.exit().get(60, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(r.out().toString()).contains("==> dom1 pv-on-hvm: booted",
                    "xensim boot: --xenstore-socket: " + socket + " is in use",
                    "xensim: xl destroy dom1 (pv-on-hvm)", "xensim boot: 1 of 1 guests booted; exit 1");
            assertThat(socket).exists();   // the other server's socket is left alone
        }
    }

    @Test
    void forRunsThatLongThenDestroysTheGuests() throws Exception {
        Running r = start(config.toString(), "--for", "100ms");

        assertThat(r.exit().get(60, TimeUnit.SECONDS)).as(r.out()::toString).isZero();
        String text = r.out().toString();
        assertThat(text).contains("xensim boot: 1 guest running; 100 ms (Ctrl-C stops sooner)",
                "xensim: no workload: the guests stayed up for 100 ms", "xensim: xl destroy dom1 (pv-on-hvm)");
        assertThat(text.indexOf("xl destroy dom1")).isLessThan(text.indexOf("xensim boot: 1 of 1 guests booted"));
    }

    @Test
    void aStopEndsAnOpenEndedWorkloadWhichStillVerifiesWhatItDid() throws Exception {
        Running r = start(config.toString(), "--workload", "disk", "--for", "forever");
        assertThat(r.out().toString()).contains("xensim boot: 1 guest running; disk workload");

        r.command().stop();

        assertThat(r.exit().get(60, TimeUnit.SECONDS)).as(r.out()::toString).isZero();
        assertThat(r.out().toString()).contains("==> workload disk: ok", "xensim: workload stopped early by stop request",
                "xensim: xl destroy dom1 (pv-on-hvm)", "; workload disk ok; exit 0")
                .containsPattern("disk: dom1 xvda \\(xen-blkfront\\): \\d+ random writes of 4096 bytes, each read back: "
                        + "\\d+ verified, 0 failed");
    }

    @Test
    void forAcceptsForeverAndRefusesANegativeDuration() throws Exception {
        assertThat(new BootCommand.DurationConverter().convert("forever")).isEqualTo(BootCommand.FOREVER);
        Running r = start(config.toString(), "--for", "-1s");
        assertThat(r.exit().get(60, TimeUnit.SECONDS)).isEqualTo(2);
        assertThat(r.out().toString()).contains("'-1s' is negative");
    }

    /**
     * At a terminal, with neither {@code --for} nor a workload, the guests stay up until Ctrl-C: the child JVM runs
     * on a pseudo-terminal of util-linux's {@code script}, and the test types Ctrl-C (byte 0x03) into it, which the
     * terminal turns into SIGINT for the foreground process, as for a user at a shell. ({@code script -e} passes
     * the child's exit status through; python resets an inherited "SIGINT ignored" as in the test below.)
     */
    @Test
    void atATerminalTheDefaultRunsUntilCtrlC() throws Exception {
        Path script = Path.of("/usr/bin/script");
        Path python = Path.of("/usr/bin/python3");
        HostTools.require("bsdutils", script);
        HostTools.require("python3", python);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String child = "exec " + python + " -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL);"
                + " os.execv(sys.argv[1], sys.argv[1:])' '" + java + "' --enable-native-access=ALL-UNNAMED -cp '"
                + System.getProperty("java.class.path") + "' " + Xensim.class.getName() + " boot '" + config + "'";
        var pb = new ProcessBuilder(script.toString(), "-qec", child, "/dev/null").redirectErrorStream(true);
        pb.environment().put("SHELL", "/bin/sh");
        Process p = pb.start();
        try {
            var terminal = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            List<String> lines = new ArrayList<>();
            String line;
            do {
                line = readLine(terminal, 120);
                lines.add(line);
            } while (!line.contains("guest running") && !line.startsWith("<"));
            assertThat(line).as(() -> String.join("\n", lines))
                    .contains("xensim boot: 1 guest running; until Ctrl-C (SIGINT) or SIGTERM");

            p.getOutputStream().write(0x03);
            p.getOutputStream().flush();

            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String rest = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(rest).isZero();
            assertThat(rest).contains("xensim: stopped by SIGINT after ", "xensim: xl destroy dom1 (pv-on-hvm)",
                    "xensim boot: 1 of 1 guests booted; exit 0");
        } finally {
            p.destroyForcibly();
        }
    }

    /**
     * The real thing: {@code xensim boot} as its own JVM, serving xenstore-utils, stopped by a signal. The child
     * is started through python with SIGINT reset to its default action, because a process started in the
     * background by a non-interactive shell (CI, Maven) inherits SIGINT ignored, and the JVM keeps it so.
     */
    @ParameterizedTest(name = "SIG{0}")
    @ValueSource(strings = {"INT", "TERM"})
    void aChildJvmStoppedBySignalDestroysTheGuestsAndExitsZero(String signal) throws Exception {
        requireXenstoreUtils();
        Path python = Path.of("/usr/bin/python3");
        HostTools.require("python3", python);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(python.toString(), "-c",
                "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])",
                java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                Xensim.class.getName(), "boot", config.toString(), "--xenstore-socket", socket.toString()));
        Process p = new ProcessBuilder(cmd).start();
        var err = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        }, threads);
        try {
            var stdout = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            List<String> lines = new ArrayList<>();
            String line;
            do {
                line = readLine(stdout, 120);
                lines.add(line);
            } while (!line.startsWith("xensim boot: ") && !line.startsWith("<"));
            assertThat(line).as(() -> String.join("\n", lines) + "\nstderr: " + (p.isAlive() ? "" : err.join()))
                    .isEqualTo("xensim boot: 1 guest running; xenstore on " + socket
                            + "; until Ctrl-C (SIGINT) or SIGTERM");

            assertThat(run("xenstore-ls", "-p", "/local/domain/1/device/vif/0")).contains(
                    "backend = \"/local/domain/0/backend/vif/1/0\"");

            assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start()
                    .waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String rest = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(rest + err.get(10, TimeUnit.SECONDS)).isZero();
            assertThat(rest).contains("xensim: stopped by SIG" + signal + " after ",
                    "xensim: closed the xenstore socket " + socket, "xensim: xl destroy dom1 (pv-on-hvm)",
                    "xensim boot: 1 of 1 guests booted; exit 0");
            assertThat(socket).doesNotExist();
        } finally {
            p.destroyForcibly();
        }
    }
}
