package io.xensim.testbed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.hvm.boot.HvmHost;
import io.xensim.net.back.Netback;
import io.xensim.net.back.NetbackDevice;
import io.xensim.testkit.HostTools;
import io.xensim.testkit.OutsidePrograms;
import io.xensim.xenbus.bus.XenbusState;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
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
 * {@code xensim boot --external frontend:vif/0} with a second guest: guest 1's kernel leaves its vif alone, the
 * command prints what an outside frontend needs, and the C netfront (testkit's {@code netfront.c}, on Debian's
 * libxen) started with exactly that acts as guest 1: its ARP and ping reach guest 2 over xenbr0 and the answers
 * come back. When it has gone (its handles closed by its exit, as by a kill), netback has closed vif1.0 and guest
 * 2's vif is still connected; the host then shuts down clean (no grant, port or watch left). Needs gcc and
 * libxen-dev.
 */
@Timeout(180)
class BootExternalFrontendTest {
    private static final Pattern RUN = Pattern.compile("run it with: (.*) <program>");
    private static final String GUEST = """
            name = "guest%d"
            builder = "hvm"
            memory = 64
            vcpus = 1
            vif = [ 'mac=00:16:3e:00:00:%02d,bridge=xenbr0' ]
            """;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private Process netfront;

    @TempDir
    Path dir;

    @AfterEach
    void stop() throws InterruptedException {
        if (netfront != null) {
            netfront.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        threads.shutdownNow();
    }

    @Test
    void anOutsideNetfrontActsAsTheGuestAndNetbackClosesWhenItGoes() throws Exception {
        HostTools.requireGccAndXenHeaders();
        Path program = OutsidePrograms.build(OutsidePrograms.NETFRONT, dir.resolve("bin"), "xenstore", "xengnttab",
                "xenevtchn");
        Path guest1 = Files.writeString(dir.resolve("guest1.cfg"), GUEST.formatted(1, 1));
        Path guest2 = Files.writeString(dir.resolve("guest2.cfg"), GUEST.formatted(2, 2));

        var command = new BootCommand();
        var out = new StringWriter();
        var cli = new CommandLine(command).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cli.execute(guest1.toString(),
                guest2.toString(), "--profile", "linux", "--external", "frontend:vif/0", "--for", "forever"),
                threads);
        while (!command.awaitReady(10, TimeUnit.MILLISECONDS) && !exit.isDone()) {
            assertThat(exit).isNotCompletedExceptionally();
        }
        String printed = out.toString();
        assertThat(printed).contains("xensim: vif 0 (MAC 00:16:3e:00:00:01, bridge xenbr0): frontend left to an "
                + "outside process (xensim boot --external)")
                .contains("xensim: external frontend:vif/0@1: frontend /local/domain/1/device/vif/0 (acting as "
                        + "guest d1)")
                .contains("(acting as d1)").contains("xensim: guest d2's eth0 answers ARP and ping as 10.0.0.2")
                .doesNotContain("NO NETWORK");
        Matcher run = RUN.matcher(printed);
        assertThat(run.find()).as(printed).isTrue();
        Map<String, String> env = new HashMap<>();
        for (String assignment : run.group(1).split(" ")) {
            String[] kv = assignment.split("=", 2);
            env.put(kv[0], kv[1]);
        }
        assertThat(env).containsEntry("XENSIM_DOMID", "1");
        HvmHost host = command.host().orElseThrow();
        assertThat(vif(host, 1).map(d -> d.device().state())).contains(XenbusState.INIT_WAIT);

        Path log = dir.resolve("netfront.log");
        var builder = new ProcessBuilder(program.toString(), "1", "10.0.0.1", "10.0.0.2")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        netfront = builder.start();
        assertThat(netfront.waitFor(60, TimeUnit.SECONDS)).as("netfront finished\n%s\n%s", read(log), out)
                .isTrue();
        assertThat(netfront.exitValue()).as("%s\n%s", read(log), out).isZero();
        assertThat(read(log)).contains("netfront: connected to /local/domain/0/backend/vif/1/0")
                .contains("arp reply 00:16:3e:00:00:02").contains("echo reply");

        // Gone: the guest's xenbus writes its vif Closed, and netback closes it; guest 2 is not touched.
        assertThat(until(() -> vif(host, 1).map(d -> d.device().state() == XenbusState.CLOSED).orElse(false)))
                .as("netback closed vif1.0\n%s", out).isTrue();
        assertThat(vif(host, 1).orElseThrow().vif().carrierOk()).isFalse();
        assertThat(vif(host, 2).map(d -> d.device().state())).contains(XenbusState.CONNECTED);
        assertThat(vif(host, 2).orElseThrow().vif().carrierOk()).isTrue();

        command.stop();
        assertThat(exit.get(60, TimeUnit.SECONDS)).as(out.toString()).isZero();
        assertThat(out.toString()).contains("xensim boot: 2 of 2 guests booted; exit 0");
    }

    /** One outside process per end: the same end twice (1 being the default guest) is a usage error. */
    @Test
    void theSameEndTwiceIsAUsageError() throws IOException {
        Path guest1 = Files.writeString(dir.resolve("guest1.cfg"), GUEST.formatted(1, 1));
        var out = new StringWriter();
        var cli = new CommandLine(new BootCommand()).setCaseInsensitiveEnumValuesAllowed(true);
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(out, true));
        assertThat(cli.execute(guest1.toString(), "--external", "frontend:vif/0", "--external", "frontend:vif/0@1"))
                .isEqualTo(2);
        assertThat(out.toString()).contains("--external: frontend:vif/0@1 is given twice (one outside process per "
                + "end)");
        assertThat(new CommandLine(new BootCommand()).setCaseInsensitiveEnumValuesAllowed(true).setErr(new PrintWriter(new StringWriter(), true))
                .execute(guest1.toString(), "--external", "frontend:console/0")).isEqualTo(2);
    }

    private static Optional<NetbackDevice> vif(HvmHost host, int guest) {
        return Netback.device(host.toolstack(), guest, 0);
    }

    private static String read(Path log) {
        return OutsidePrograms.output(log);
    }

    /** Polls {@code condition} until it holds, for at most 60 s. */
    private static boolean until(BooleanSupplier condition) {
        return OutsidePrograms.await(Duration.ofSeconds(60), condition);
    }
}
