package io.xensim.testbed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.testkit.HostTools;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsType;
import io.xensim.xenbus.store.wire.XsWireDecoder;
import io.xensim.xenbus.store.wire.XsdSockmsg;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

@Timeout(120)
class XenstoredCommandTest {
    @TempDir
    Path dir;

    private record Running(XenstoredCommand command, CompletableFuture<Integer> exit, StringWriter out,
                           StringWriter err) {
    }

    private static Running start(Path socket, String... extra) throws Exception {
        var command = new XenstoredCommand();
        var cli = new CommandLine(command);
        var out = new StringWriter();
        var err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        List<String> args = new ArrayList<>(List.of("--socket", socket.toString()));
        args.addAll(List.of(extra));
        var exit = CompletableFuture.supplyAsync(() -> cli.execute(args.toArray(String[]::new)),
                Executors.newVirtualThreadPerTaskExecutor());
        var running = new Running(command, exit, out, err);
        // Ready, or already finished (refused).
        while (!command.awaitReady(10, TimeUnit.MILLISECONDS) && !exit.isDone()) {
            assertThat(exit).isNotCompletedExceptionally();
        }
        return running;
    }

    /** XS_GET_DOMAIN_PATH 0 over a plain Java socket: the server answers on the wire. */
    private static String domainPath(Path socket) throws IOException {
        try (var ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap(XsdSockmsg.encode(XsMessage.of(XsType.XS_GET_DOMAIN_PATH, 1, 0, "0"))));
            var decoder = new XsWireDecoder();
            List<XsMessage> got = new ArrayList<>();
            var buf = ByteBuffer.allocate(256);
            while (got.isEmpty()) {
                buf.clear();
                assertThat(ch.read(buf)).isPositive();
                decoder.feed(buf.flip(), got::add);
            }
            return got.getFirst().strings().getFirst();
        }
    }

    @Test
    void servesUntilStoppedThenRemovesTheSocket() throws Exception {
        Path socket = dir.resolve("xs.sock");
        Running r = start(socket, "--log-level", "warn");

        assertThat(r.out().toString()).isEqualTo("xenstored listening on " + socket + System.lineSeparator());
        assertThat(domainPath(socket)).isEqualTo("/local/domain/0");

        r.command().stop();
        assertThat(r.exit().get(30, TimeUnit.SECONDS)).isEqualTo(XenstoredCommand.STOPPED);
        assertThat(socket).doesNotExist();
    }

    @Test
    void refusesASocketInUseAndReplacesAStaleOne() throws Exception {
        Path socket = dir.resolve("xs.sock");
        try (var dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket));
        }
        Running first = start(socket);   // the stale file is replaced
        assertThat(first.exit()).isNotDone();

        Running second = start(socket);
        assertThat(second.exit().get(30, TimeUnit.SECONDS)).isEqualTo(XenstoredCommand.CANNOT_SERVE);
        assertThat(second.err().toString()).contains("in use");
        assertThat(domainPath(socket)).isEqualTo("/local/domain/0");   // the first one is untouched

        first.command().stop();
        assertThat(first.exit().get(30, TimeUnit.SECONDS)).isZero();
        assertThat(socket).doesNotExist();
    }

    @Test
    void theSocketOptionIsRequired() {
        var err = new StringWriter();
        var cli = Xensim.commandLine();
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute("xenstored")).isEqualTo(2);
        assertThat(err.toString()).contains("--socket");
    }

    /**
     * The real thing: {@code xensim xenstored} as its own JVM, used by Debian's xenstore-utils, stopped by a signal.
     * The child is started through python with SIGINT reset to its default action, because a process started in
     * the background by a non-interactive shell (CI, Maven) inherits SIGINT ignored, and the JVM keeps it so.
     */
    @ParameterizedTest(name = "SIG{0}")
    @ValueSource(strings = {"TERM", "INT"})
    void asASubprocessForXenstoreUtilsExitingZeroOnSignal(String signal) throws Exception {
        Path write = Path.of("/usr/bin/xenstore-write");
        Path ls = Path.of("/usr/bin/xenstore-ls");
        Path python = Path.of("/usr/bin/python3");
        HostTools.require("xenstore-utils", write, ls);
        // python3 resets SIGINT for the child; .ci/run gets it with python3-pyxs.
        HostTools.require("python3", python);
        Path socket = dir.resolve("xs.sock");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(python.toString(), "-c",
                "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])",
                java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                Xensim.class.getName(), "xenstored", "--socket", socket.toString());
        Process p = new ProcessBuilder(cmd).start();
        // Own threads for the blocking reads: the common pool may have a single thread on a small machine.
        var readers = Executors.newVirtualThreadPerTaskExecutor();
        var err = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        }, readers);
        try {
            var stdout = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String first = CompletableFuture.supplyAsync(() -> {
                try {
                    return stdout.readLine();
                } catch (IOException e) {
                    return e.toString();
                }
            }, readers).completeOnTimeout("<nothing within 60 s>", 60, TimeUnit.SECONDS).get();
            if (first == null || first.startsWith("<")) {
                p.destroyForcibly();
            }
            assertThat(first).as(() -> "stdout; stderr: " + err.join()).isEqualTo("xenstored listening on " + socket);

            assertThat(tool(socket, write.toString(), "/a/b", "hello")).isEmpty();
            assertThat(tool(socket, ls.toString(), "/a")).isEqualTo("b = \"hello\"\n");

            assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start()
                    .waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(err.get(10, TimeUnit.SECONDS)).isZero();
            assertThat(socket).doesNotExist();
            assertThat(err.get(10, TimeUnit.SECONDS)).contains("stopping");
        } finally {
            p.destroyForcibly();
        }
    }

    private static String tool(Path socket, String... command) throws Exception {
        var pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("XENSTORED_PATH", socket.toString());
        Process t = pb.start();
        var out = CompletableFuture.supplyAsync(() -> {
            try {
                return new String(t.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return e.toString();
            }
        }, Executors.newVirtualThreadPerTaskExecutor());
        assertThat(t.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(t.exitValue()).as(command[0]).isZero();
        return out.get(10, TimeUnit.SECONDS);
    }
}
