package io.xensim.testbed.cli;

import io.xensim.hvm.boot.BootOutcome;
import io.xensim.hvm.boot.BootRequest;
import io.xensim.hvm.boot.BootedGuest;
import io.xensim.hvm.boot.HvmGuest;
import io.xensim.hvm.boot.HvmHost;
import io.xensim.hvm.boot.QemuDeviceModel;
import io.xensim.hvm.cmdline.GuestProfile;
import io.xensim.hvm.config.ToolstackDialect;
import io.xensim.net.bridge.Bridge;
import io.xensim.net.pcap.PcapWriter;
import io.xensim.testbed.boot.ConfigImages;
import io.xensim.testbed.boot.ExternalEnds;
import io.xensim.testbed.boot.Workload;
import io.xensim.xenbus.store.socket.XenstoredSocketOptions;
import io.xensim.xenbus.store.socket.XenstoredSocketServer;
import io.xensim.xenbus.store.socket.XenstoredStepper;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code xensim boot}: {@code xl create} for each config on one {@link HvmHost} (domids 1..N, in order), with the
 * real device model ({@link QemuDeviceModel}); prints each guest's boot log (which ends with its notes and its
 * interface and block tables), then lets the guests run (the workload, a duration, or until SIGINT/SIGTERM), then
 * destroys them in domid order ({@code xl destroy}) and prints the summary. Disk images come from
 * {@link ConfigImages}. Exit status 0 when every guest booted and the workload did what it claims (also after a
 * SIGINT or SIGTERM: stopping is the normal end of an open-ended run, as for {@code xensim xenstored}), 1 otherwise
 * (a config error, a panic, a failed workload, a socket that cannot be served), 2 for a usage error.
 *
 * <p>How long it runs when {@code --for} is not given: a workload runs until it ends (1 s for stream and disk).
 * Otherwise a user at a terminal, or one who asked for {@code --xenstore-socket}, gets a host that stays up until
 * Ctrl-C: the simulated guests live only in this process, and on a real host they keep running after
 * {@code xl create} returns. A script or a pipe gets the report and the exit status at once ({@code --for 0}), as
 * {@code xl create} returns once the domains are built; {@code --for forever} keeps it up there too.
 *
 * <p>{@code --xenstore-socket} serves the host's own xenstored (the one libxl, netback, blkback and the guests'
 * xenbus use) with {@link XenstoredSocketServer}, every client acting as dom0. That xenstored runs on dom0's
 * executor, stepped by this command's thread; while the guests run, that thread waits in
 * {@link XenstoredStepper#run} and steps the host each time the socket hands a request over, so the store is
 * never touched by two threads (see {@link XenstoredStepper}).
 *
 * <p><b>Threading:</b> picocli's thread, which drives the host; signal handlers and {@link #stop()} only ask it to
 * stop.
 *
 * <p><b>Reference:</b> xl 4.17's {@code xl create} (returns once the domain is built) and {@code xl destroy};
 * C xenstored's socket ({@code /var/run/xenstored/socket}, whose clients are privileged dom0 connections).
 */
@Command(name = "boot",
        description = {
                "Boot HVM guests from xl.cfg files (xl create) on one host: dom0 with netback, bridge xenbr0, blkback "
                        + "and the device model (RTL8139, IDE). Prints each guest's boot log, its notes (which "
                        + "NIC or disk it really uses, and why) and its interface and block tables.",
                "Disk targets are raw image paths; a relative path is resolved against the config's directory, and "
                        + "a missing image is created as a sparse 64 MiB file (the log says so).",
                "After boot the guests run: with --workload until it ends; with --for for that long; otherwise "
                        + "until Ctrl-C (SIGINT) or SIGTERM at a terminal or when --xenstore-socket is given, "
                        + "and not at all (--for 0, like xl create returning) in a script or pipe. Then every guest "
                        + "is destroyed in domid order (xl destroy) and a summary is printed. If a guest does not "
                        + "boot, nothing runs: the others are destroyed at once.",
                "Exit status: 0 all guests booted (and the workload succeeded), also when stopped by SIGINT or "
                        + "SIGTERM; 1 a guest did not boot, the workload failed or the socket cannot be served; 2 "
                        + "usage error. See examples/ for one config per case."},
        mixinStandardHelpOptions = true)
public final class BootCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "CONFIG", description = "xl.cfg files; guest i gets domid i.")
    List<Path> configs;

    @Option(names = "--cmdline", paramLabel = "LINE", description = "The guests' kernel command line, replacing "
            + "each config's extra=.")
    String cmdline;

    @Option(names = "--profile", paramLabel = "rhel6.0|linux", defaultValue = "rhel6.0",
            description = "The guest kernel: rhel6.0 (PV drivers only with xen_pv_hvm=enable; the default) or linux "
                    + "(6.1).")
    String profile;

    @Option(names = "--toolstack", paramLabel = "xl|xm", defaultValue = "xl",
            description = "Which toolstack reads the configs: xl (4.17, the default) or xm (RHEL 5's xend).")
    ToolstackDialect toolstack;

    @Option(names = "--for", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long to run after boot (500ms, 10s, 2m, or ISO-8601 PT1S); 0 exits right after boot; "
                    + "forever runs until SIGINT/SIGTERM. Ctrl-C always stops early. Default: 1s with --workload; "
                    + "else forever at a terminal or with --xenstore-socket; else 0.")
    Duration runFor;

    @Option(names = "--workload", paramLabel = "ping|stream|disk", converter = WorkloadConverter.class,
            description = "ping: guest 1's first NIC pings guest 2's; stream: UDP frames from guest 1 (to guest 2) "
                    + "for the duration; disk: random writes to each guest's first disk, each read back and "
                    + "verified, for the duration.")
    Workload workload;

    @Option(names = "--pcap", paramLabel = "FILE", description = "Capture bridge xenbr0 to FILE (pcap, nanosecond "
            + "timestamps) while the workload runs.")
    Path pcap;

    @Option(names = "--xenstore-socket", paramLabel = "PATH", description = "While the guests run, serve the "
            + "host's xenstore on a Unix socket at PATH, every client acting as dom0 (a real host's "
            + "/var/run/xenstored/socket): XENSTORED_PATH=PATH xenstore-ls -p shows /local/domain/0, the guests' "
            + "device and backend trees with libxl's permissions; xenstore-write and xenstore-watch work too.")
    Path xenstoreSocket;

    @Option(names = "--external", paramLabel = "backend|frontend:TYPE/DEVID[@GUEST]", description = "Leave that "
            + "end of that device (vbd or vif, of guest GUEST, default 1) to a process outside the JVM: a backend "
            + "gets a driver domain of its own; a frontend is left alone by the guest's kernel and the process acts "
            + "as the guest (the other guests' first NICs then answer ARP and ping as 10.0.0.DOMID). xensim prints "
            + "the attach socket, the xenstore socket and the LD_PRELOAD line the process needs "
            + "(docs/attach-protocol.md). Repeatable. Keeps the guests up as --xenstore-socket does.")
    List<String> external = new ArrayList<>();

    @Option(names = "--json", description = "Print one JSON document with each guest's outcome, devices, notes "
            + "and log, and the workload's result, instead of the text.")
    boolean json;

    /** {@code --for forever}: until SIGINT/SIGTERM. */
    static final Duration FOREVER = ChronoUnit.FOREVER.getDuration();

    /** The host being driven; stepped on this command's thread only (tests may look at it: {@link #host()}). */
    private volatile HvmHost running;
    /** The --external ends, if any; on this command's thread. */
    private ExternalEnds externals;
    private final XenstoredStepper stepper = new XenstoredStepper(() -> running.runUntilIdle());
    private final CountDownLatch ready = new CountDownLatch(1);
    private volatile String stoppedBy = "stop request";

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        GuestProfile guestProfile = GuestProfile.fromId(profile).orElseThrow(() -> new ParameterException(
                spec.commandLine(), "--profile: " + profile + " (expected: rhel6.0 or linux)"));
        Duration duration = runFor != null ? runFor
                : workload != null ? Duration.ofSeconds(1)
                : xenstoreSocket != null || !external.isEmpty() || interactive() ? FOREVER
                : Duration.ZERO;
        if (workload == Workload.PING && configs.size() < 2) {
            throw new ParameterException(spec.commandLine(), "--workload ping needs two configs (two guests)");
        }
        ExternalEnds.check(external).ifPresent(problem -> {
            throw new ParameterException(spec.commandLine(), problem);
        });
        var images = new ConfigImages();
        var report = new BootReport();
        try (HvmHost host = HvmHost.start(images)) {
            running = host;
            externals = external.isEmpty() ? null : ExternalEnds.prepare(host, external, configs.size() + 1,
                    Files.createTempDirectory("xensim-external-"));
            List<BootedGuest> booted = new ArrayList<>();
            for (int i = 0; i < configs.size(); i++) {
                Path config = configs.get(i);
                int domid = i + 1;
                Optional<String> text = read(config);
                if (text.isEmpty()) {
                    report.guest(new BootReport.Guest(config.toString(), domid, "not-created", 1,
                            "cannot read " + config, List.of("Failed to read config file " + config), null));
                    continue;
                }
                images.booting(config);
                BootRequest request = BootRequest.of(config.toString(), text.get(), QemuDeviceModel.FACTORY)
                        .withDomid(domid).withProfile(guestProfile).withDialect(toolstack);
                if (cmdline != null) {
                    request = request.withCmdline(cmdline);
                }
                BootOutcome outcome = HvmGuest.boot(host, request);
                List<String> log = new ArrayList<>(images.drainLog());
                log.addAll(outcome.log());
                report.guest(switch (outcome) {
                    case BootOutcome.Booted(BootedGuest g) -> {
                        booted.add(g);
                        yield new BootReport.Guest(config.toString(), domid, "booted", 0, "", log, g);
                    }
                    case BootOutcome.NotCreated(List<String> l, int exit) -> new BootReport.Guest(config.toString(),
                            domid, "not-created", exit, "xl create failed: " + l.getLast(), log, null);
                    case BootOutcome.Panicked(String cause, List<String> l, int exit) -> new BootReport.Guest(
                            config.toString(), domid, "panicked", exit, "kernel panic: " + cause, log, null);
                });
            }
            if (!json) {
                report.printGuests(out);   // the boot logs and tables now, before the guests run
                out.flush();
            }
            if (report.allBooted()) {
                runGuests(host, booted, duration, report);
            }
            if (externals != null) {
                externals.close(); // the outside processes' grants and ports go before the guests do
                host.runUntilIdle();
            }
            // --json reads the guests' devices, so it is taken while they are still up.
            String document = json ? report.json(host) : null;
            for (BootedGuest g : booted) {
                g.shutdown();
                report.line("xensim: xl destroy dom" + g.domid() + " (" + g.spec().name() + ")");
            }
            if (json) {
                out.println(document);
            } else {
                report.printResults(out);
            }
        } finally {
            running = null;
            if (externals != null) {
                externals.close();
            }
            ready.countDown();   // a test waiting for a run that never started
        }
        out.flush();
        return report.exitStatus();
    }

    /** Serves the socket, if asked for, and lets the guests run as long as the options say. */
    private void runGuests(HvmHost host, List<BootedGuest> booted, Duration duration, BootReport report)
            throws IOException, InterruptedException {
        if (externals != null) {
            try {
                externals.serve(host, booted, stepper::wakeup);
            } catch (IOException | RuntimeException e) {
                report.failure("xensim boot: --external: " + e.getMessage());
                return;
            }
            PrintWriter to = json ? spec.commandLine().getErr() : spec.commandLine().getOut();
            externals.instructions().forEach(to::println);
            to.flush();
        }
        XenstoredSocketServer server = null;
        if (xenstoreSocket != null) {
            try {
                server = XenstoredSocketServer.start(host.toolstack().xenstored(), xenstoreSocket,
                        XenstoredSocketOptions.dom0().onHandOff(stepper::wakeup));
            } catch (IOException | RuntimeException e) {
                report.failure("xensim boot: --xenstore-socket: " + e.getMessage());
                return;
            }
        }
        XenstoredSocketServer socket = server;
        // The safety net for any other way out of the JVM: the socket file never outlives the host.
        Thread hook = socket == null ? null : new Thread(socket::close, "xensim-boot-socket");
        if (hook != null) {
            Runtime.getRuntime().addShutdownHook(hook);
        }
        long started = System.nanoTime();
        try (var signals = StopSignals.install(this::stopOn)) {
            if (workload != null) {
                announce(booted, socket, workload.id() + " workload");
                runWorkload(host, booted, duration, report);
            } else if (!duration.isZero()) {
                announce(booted, socket, duration.equals(FOREVER) ? "until Ctrl-C (SIGINT) or SIGTERM"
                        : duration.toMillis() + " ms (Ctrl-C stops sooner)");
                XenstoredStepper.Stopped why;
                try (Progress.Running progress = duration.equals(FOREVER) ? () -> { }
                        : Progress.onStderr(spec).during("running", duration)) {
                    why = stepper.run(duration);
                } catch (IllegalStateException e) {
                    // Hypervisor.runUntilIdle: a domain's work threw (our bug, never a client's input alone). Say
                    // so, and still close the socket and destroy the guests.
                    report.failure("xensim boot: the host stopped: " + e.getMessage());
                    return;
                }
                long ms = (System.nanoTime() - started) / 1_000_000;
                report.line(why == XenstoredStepper.Stopped.REQUESTED
                        ? "xensim: stopped by " + stoppedBy + " after " + ms + " ms"
                        : "xensim: no workload: the guests stayed up for " + duration.toMillis() + " ms");
            }
            if (workload != null && workload != Workload.PING && stepper.stopRequested()) {
                report.line("xensim: workload stopped early by " + stoppedBy);
            }
        } finally {
            if (socket != null) {
                socket.close();
                host.runUntilIdle();   // xenstored drops the socket clients' watches and transactions
                report.line("xensim: closed the xenstore socket " + socket.socketPath() + " (served "
                        + socket.acceptedConnections() + " connections)");
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException e) {
                    // The JVM is already shutting down; the hook runs, and closing twice is harmless.
                }
            }
        }
    }

    /** The "ready" line: the guests are up (and the socket serves). On stderr with --json, to keep stdout JSON. */
    private void announce(List<BootedGuest> booted, XenstoredSocketServer socket, String howLong) {
        PrintWriter to = json ? spec.commandLine().getErr() : spec.commandLine().getOut();
        to.println("xensim boot: " + booted.size() + " guest" + (booted.size() == 1 ? "" : "s") + " running"
                + (socket == null ? "" : "; xenstore on " + socket.socketPath()) + "; " + howLong);
        to.flush();
        ready.countDown();
    }

    private void stopOn(String signal) {
        stoppedBy = signal;
        stepper.requestStop();
    }

    /** Tests: waits until the guests run (or the command ended without running them). */
    boolean awaitReady(long timeout, TimeUnit unit) throws InterruptedException {
        return ready.await(timeout, unit);
    }

    /** Tests: the host while the guests run, to look at what may be read from any thread (xenbus states). */
    Optional<HvmHost> host() {
        return Optional.ofNullable(running);
    }

    /** Stops the run as SIGTERM would. Any thread. */
    void stop() {
        stepper.requestStop();
    }

    /** Whether a person is at the other end: stdin and stdout are a terminal (Console.isTerminal, JDK 22). */
    private static boolean interactive() {
        var console = System.console();
        return console != null && console.isTerminal();
    }

    private void runWorkload(HvmHost host, List<BootedGuest> booted, Duration duration, BootReport report)
            throws IOException {
        PcapWriter capture = null;
        Bridge bridge = host.bridges().bridge("xenbr0");
        if (pcap != null) {
            capture = PcapWriter.create(pcap, host.clock());
            PcapWriter tap = capture;
            host.onDomain(host.dom0(), () -> {
                bridge.addTap(tap);
                return null;
            });
        }
        // A progress line on a terminal while it runs (Progress: nothing when stderr is not one).
        try (Progress.Running progress = Progress.onStderr(spec).during(workload.id() + " workload", duration)) {
            report.workload(workload, workload.run(host, booted, duration, stepper::stopRequested));
        }
        if (capture != null) {
            PcapWriter tap = capture;
            host.onDomain(host.dom0(), () -> bridge.removeTap(tap));
            capture.close();
            report.line("xensim: captured " + capture.frames() + " frames of xenbr0 to " + pcap);
        }
    }

    private static Optional<String> read(Path config) {
        try {
            return Optional.of(Files.readString(config, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** {@code 0}, {@code 500ms}, {@code 10s}, {@code 2m}, or ISO-8601 ({@code PT1S}). */
    static final class DurationConverter implements picocli.CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(java.util.Locale.ROOT);
            if (v.equals("forever")) {
                return FOREVER;
            }
            Duration d = parse(value, v);
            if (d.isNegative()) {
                throw new picocli.CommandLine.TypeConversionException("'" + value
                        + "' is negative (expected: 0, 500ms, 10s, 2m, PT1S or forever)");
            }
            return d;
        }

        private static Duration parse(String value, String v) {
            try {
                if (v.startsWith("pt") || v.startsWith("p")) {
                    return Duration.parse(value);
                }
                if (v.endsWith("ms")) {
                    return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
                }
                if (v.endsWith("s")) {
                    return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
                }
                if (v.endsWith("m")) {
                    return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
                }
                return Duration.ofSeconds(Long.parseLong(v));
            } catch (RuntimeException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value
                        + "' is not a duration (expected: 0, 500ms, 10s, 2m, PT1S or forever)");
            }
        }
    }

    /**
     * SIGINT and SIGTERM as a request to stop, through {@code sun.misc.Signal} (jdk.unsupported), for the length of
     * a run; closing puts the previous handlers back (the JVM's, which exit 130 and 143). Where the API is missing
     * the JVM's own handling stays, and the shutdown hook still removes the socket.
     */
    static final class StopSignals implements AutoCloseable {
        private final List<sun.misc.Signal> signals = new ArrayList<>();
        private final List<sun.misc.SignalHandler> previous = new ArrayList<>();

        static StopSignals install(java.util.function.Consumer<String> onSignal) {
            var installed = new StopSignals();
            for (String name : new String[] {"INT", "TERM"}) {
                try {
                    var signal = new sun.misc.Signal(name);
                    installed.previous.add(sun.misc.Signal.handle(signal, s -> onSignal.accept("SIG" + s.getName())));
                    installed.signals.add(signal);
                } catch (IllegalArgumentException | UnsupportedOperationException e) {
                    // SIGINT ignored by the parent shell (a background job) or no signal support: keep the JVM's.
                }
            }
            return installed;
        }

        @Override
        public void close() {
            for (int i = 0; i < signals.size(); i++) {
                sun.misc.Signal.handle(signals.get(i), previous.get(i));
            }
        }
    }

    static final class WorkloadConverter implements picocli.CommandLine.ITypeConverter<Workload> {
        @Override
        public Workload convert(String value) {
            for (Workload w : Workload.values()) {
                if (w.id().equals(value.toLowerCase(java.util.Locale.ROOT))) {
                    return w;
                }
            }
            throw new picocli.CommandLine.TypeConversionException("'" + value
                    + "' is not a workload (expected: ping, stream or disk)");
        }
    }
}
