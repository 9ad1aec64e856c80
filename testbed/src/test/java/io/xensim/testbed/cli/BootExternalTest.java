package io.xensim.testbed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.testkit.HostTools;
import io.xensim.testkit.OutsidePrograms;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code xensim boot --external backend:vbd/768}: the guest boots with its disk's backend in a driver domain, the
 * command prints what an outside process needs, and the C blkback (testkit's {@code blkback.c}, on Debian's
 * libxen) started with exactly that connects to the guest's blkfront; killed, it is replaced by the next one.
 * Needs gcc and libxen-dev.
 */
@Timeout(180)
class BootExternalTest {
    private static final Pattern RUN = Pattern.compile("run it with: (.*) <program>");
    private static final Pattern BACKEND = Pattern.compile("backend (/local/domain/\\d+/backend/vbd/1/768)");
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Process> processes = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void stop() throws InterruptedException {
        for (Process p : processes) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        threads.shutdownNow();
    }

    @Test
    void anOutsideBlkbackServesTheBootedGuestAndIsReplacedAfterAKill() throws Exception {
        HostTools.requireGccAndXenHeaders();
        Path blkback = OutsidePrograms.build(OutsidePrograms.BLKBACK, dir.resolve("bin"), "xenstore", "xengnttab",
                "xenevtchn");
        Path config = dir.resolve("pv-on-hvm.cfg");
        Files.copy(BootCommandTest.examples().resolve("pv-on-hvm.cfg"), config);

        var command = new BootCommand();
        var out = new StringWriter();
        var cli = new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cli.execute(config.toString(),
                "--profile", "linux", "--external", "backend:vbd/768", "--for", "forever"), threads);
        while (!command.awaitReady(10, TimeUnit.MILLISECONDS) && !exit.isDone()) {
            assertThat(exit).isNotCompletedExceptionally();
        }
        String printed = out.toString();
        assertThat(printed).contains("xensim: external backend:vbd/768@1: backend /local/domain/2/backend/vbd/1/768"
                + " (driver domain d2)").contains("attach socket").contains("xenstore socket");
        Matcher run = RUN.matcher(printed);
        Matcher backend = BACKEND.matcher(printed);
        assertThat(run.find() && backend.find()).as(printed).isTrue();
        Map<String, String> env = new HashMap<>();
        for (String assignment : run.group(1).split(" ")) {
            String[] kv = assignment.split("=", 2);
            env.put(kv[0], kv[1]);
        }
        assertThat(env).containsKeys("LD_PRELOAD", "XENSIM_ATTACH", "XENSIM_DOMID", "XENSTORED_PATH")
                .containsEntry("XENSIM_DOMID", "2");

        Path firstLog = dir.resolve("blkback-0.log");
        Process first = start(blkback, backend.group(1), env, config.getParent(), firstLog);
        assertThat(until(() -> read(firstLog).contains("blkback: connected to d1")))
                .as("the C blkback connected\n%s\n%s", read(firstLog), out).isTrue();

        first.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // kill -9
        Path secondLog = dir.resolve("blkback-1.log");
        // The toolstack writes the backend back once the frontend has let go; a new backend then takes over.
        start(blkback, backend.group(1), env, config.getParent(), secondLog);
        assertThat(until(() -> read(secondLog).contains("blkback: connected to d1")))
                .as("the next C blkback connected\n%s\n%s", read(secondLog), out).isTrue();

        command.stop();
        assertThat(exit.get(60, TimeUnit.SECONDS)).as(out.toString()).isZero();
        assertThat(out.toString()).contains("xensim boot: 1 of 1 guests booted; exit 0");
        // The run's directory (sockets, guest memory files, the library) is gone with the run.
        assertThat(Path.of(env.get("XENSIM_ATTACH")).getParent()).doesNotExist();
    }

    /** The blkback in the config's directory, where the disk's relative target is (as libxl leaves params). */
    private Process start(Path blkback, String backendPath, Map<String, String> env, Path cwd, Path log)
            throws IOException {
        var builder = new ProcessBuilder(blkback.toString(), backendPath).directory(cwd.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        Process p = builder.start();
        processes.add(p);
        return p;
    }

    private static String read(Path log) {
        return OutsidePrograms.output(log);
    }

    /** Polls {@code condition} until it holds, for at most 60 s. */
    private static boolean until(BooleanSupplier condition) {
        return OutsidePrograms.await(Duration.ofSeconds(60), condition);
    }
}
