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
import io.xensim.testbed.boot.Workload;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code xensim boot}: {@code xl create} for each config on one {@link HvmHost} (domids 1..N, in order), with the
 * real device model ({@link QemuDeviceModel}); prints each guest's boot log (which ends with its notes and its
 * interface and block tables), then runs the workload, if any, and destroys the guests. Disk images come from
 * {@link ConfigImages}. Exit status 0 when every guest booted and the workload did what it claims, 1 otherwise
 * (a config error, a panic, a failed workload), 2 for a usage error.
 *
 * <p><b>Threading:</b> picocli's thread, which drives the host.
 */
@Command(name = "boot",
        description = {
                "Boot HVM guests from xl.cfg files (xl create) on one host: dom0 with netback, bridge xenbr0, blkback "
                        + "and the device model (RTL8139, IDE). Prints each guest's boot log, its notes (which "
                        + "NIC or disk it really uses, and why) and its interface and block tables.",
                "Disk targets are raw image paths; a relative path is resolved against the config's directory, and "
                        + "a missing image is created as a sparse 64 MiB file (the log says so).",
                "Exit status: 0 all guests booted (and the workload succeeded), 1 a guest did not boot or the "
                        + "workload failed, 2 usage error. See examples/ for one config per case."},
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
            description = "How long to run after boot (500ms, 10s, 2m, or ISO-8601 PT1S); 0 exits right after boot. "
                    + "Default: 0, or 1s with --workload.")
    Duration runFor;

    @Option(names = "--workload", paramLabel = "ping|stream|disk", converter = WorkloadConverter.class,
            description = "ping: guest 1's first NIC pings guest 2's; stream: UDP frames from guest 1 (to guest 2) "
                    + "for the duration; disk: random writes to each guest's first disk, each read back and "
                    + "verified, for the duration.")
    Workload workload;

    @Option(names = "--pcap", paramLabel = "FILE", description = "Capture bridge xenbr0 to FILE (pcap, nanosecond "
            + "timestamps) while the workload runs.")
    Path pcap;

    @Option(names = "--json", description = "Print one JSON document with each guest's outcome, devices, notes "
            + "and log, and the workload's result, instead of the text.")
    boolean json;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        GuestProfile guestProfile = GuestProfile.fromId(profile).orElseThrow(() -> new ParameterException(
                spec.commandLine(), "--profile: " + profile + " (expected: rhel6.0 or linux)"));
        Duration duration = runFor != null ? runFor : workload != null ? Duration.ofSeconds(1) : Duration.ZERO;
        if (workload == Workload.PING && configs.size() < 2) {
            throw new ParameterException(spec.commandLine(), "--workload ping needs two configs (two guests)");
        }
        var images = new ConfigImages();
        var report = new BootReport();
        try (HvmHost host = HvmHost.start(images)) {
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
            if (report.allBooted()) {
                runWorkload(host, booted, duration, report);
            }
            if (json) {
                out.println(report.json(host));
            } else {
                report.print(out, host);
            }
            booted.forEach(BootedGuest::shutdown);
        }
        out.flush();
        return report.exitStatus();
    }

    private void runWorkload(HvmHost host, List<BootedGuest> booted, Duration duration, BootReport report)
            throws IOException {
        if (workload == null) {
            if (!duration.isZero()) {
                report.line("xensim: no workload: the guests stay up for " + duration.toMillis() + " ms");
                try {
                    Thread.sleep(duration);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return;
        }
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
        report.workload(workload, workload.run(host, booted, duration));
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
                        + "' is not a duration (expected: 0, 500ms, 10s, 2m or PT1S)");
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
