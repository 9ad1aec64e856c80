package io.xensim.testbed.cli;

import io.xensim.testbed.scenario.BlkDemo;
import io.xensim.testbed.scenario.EchoDemo;
import io.xensim.testbed.scenario.HvmDemo;
import io.xensim.testbed.scenario.NetDemo;
import io.xensim.xenbus.trace.Timeline;
import io.xensim.xenbus.trace.TraceEvent;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code xensim demo}: runs {@link HvmDemo}, two RHEL 6.0 HVM guests booted from the bundled configs with their PV
 * drivers, pinging, streaming and checking their disks, and prints it ({@link HvmDemoOutput}); exit 1 when a check
 * failed. With {@code --echo}, runs {@link EchoDemo} instead and prints its trace as a timeline: who wrote which
 * xenstore key, which state each end entered, which grant and event channel were used, and the requests on the
 * ring. With {@code --net}, runs {@link NetDemo} instead: two guests' vifs on bridge xenbr0, a ping and a UDP
 * datagram, the vifs' xenstore directories, the handshake, the counters and the bridge's learned MACs. With
 * {@code --blk}, runs {@link BlkDemo}: a guest's vbd xvda (blkfront and blkback over a raw image), its I/O and ring
 * requests, the negotiated features, and a backend restart that blkfront recovers from without losing a write.
 */
@Command(name = "demo",
        description = {
                "Boot two RHEL 6.0 HVM guests (xl create) from the bundled configs examples/demo-guest1.cfg and "
                        + "demo-guest2.cfg, with xen_pv_hvm=enable: one vif each on bridge xenbr0, one disk each on "
                        + "a fresh sparse raw image in a temporary directory. The guests ping each other, guest 1 "
                        + "streams " + HvmDemo.STREAM_FRAMES + " UDP frames to guest 2, and each writes "
                        + HvmDemo.DISK_IOS + " random blocks and reads them back.",
                "Prints each guest's boot log, the interface and block tables, the pings, the stream, the disk "
                        + "check, guest 1's vif handshake from its boot as a sequence diagram, and the results per "
                        + "guest (frames and bytes, notifications, grant copies, VM exits) and for the bridge.",
                "Exit status: 0 when everything held, 1 when a check failed (each failure is named), 2 usage error.",
                "With --echo: the xenbus layer alone: the toolstack creates dom0 and a guest; a frontend in the guest "
                        + "and a backend in dom0 negotiate a shared ring (one grant, one event channel) through the "
                        + "xenbus handshake in xenstore, echo a few requests, and close; the trace is printed as a "
                        + "timeline (simulated time: each domain task takes 0.01 ms).",
                "With --net: Xen PV networking instead: netback and bridge xenbr0 in dom0, the real netfront in two "
                        + "guests, one vif each added as libxl adds it; guest 1 pings guest 2 (ARP, then ICMP echo) "
                        + "and sends a UDP datagram.",
                "With --blk: Xen PV block I/O instead: blkback and the block hotplug script in dom0, the real "
                        + "blkfront in a guest, vbd xvda added as libxl adds it over a raw image; the guest writes, "
                        + "writes with FUA, flushes, reads back, discards; then the backend restarts with writes in "
                        + "flight and blkfront recovers (blkfront_resume, blkif_recover) without losing one."},
        mixinStandardHelpOptions = true)
public final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--echo", description = "Show the xenbus echo device's handshake, requests and close as a "
            + "timeline (the demo before the HVM guests).")
    boolean echo;

    @Option(names = "--all", description = "With --echo, --net or --blk: show every event: xenstore reads and "
            + "replies, and the hypercall-level grant and event-channel records.")
    boolean all;

    @Option(names = "--net", description = "Show PV networking: two guests' vifs (netfront and netback) on bridge "
            + "xenbr0, a ping and a UDP datagram; prints the vifs' xenstore directories (xenstore-ls -p), the "
            + "handshake, the counters and the bridge's learned MACs.")
    boolean net;

    @Option(names = "--blk", description = "Show PV block I/O: a guest's vbd xvda (blkfront and blkback over a raw "
            + "image); prints the operations with their ring requests, the negotiated features, the vbd's xenstore "
            + "directories (xenstore-ls -p), the handshake, and a backend restart with writes in flight.")
    boolean blk;

    @Option(names = "--image", paramLabel = "FILE", description = "With --blk: the raw image to use, created "
            + "(sparse, 64 MiB) if absent; an existing one is written to (sectors 2048 to 8703). By default a "
            + "temporary image, deleted afterwards.")
    Path image;

    @Option(names = "--pcap", paramLabel = "FILE", description = "Without --echo and --blk, or with --net: write "
            + "a capture of xenbr0 to FILE (pcap, nanosecond timestamps; tshark and Wireshark read it): the pings "
            + "and the stream.")
    Path pcap;

    @Option(names = "--json", description = "Print the results as one JSON document instead of the text (not with "
            + "--echo, --net or --blk).")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if ((echo ? 1 : 0) + (net ? 1 : 0) + (blk ? 1 : 0) > 1) {
            throw new ParameterException(spec.commandLine(), "--echo, --net and --blk are separate demos: choose one");
        }
        boolean hvm = !echo && !net && !blk;
        if (pcap != null && !(hvm || net)) {
            throw new ParameterException(spec.commandLine(), "--pcap needs the default demo or --net");
        }
        if (image != null && !blk) {
            throw new ParameterException(spec.commandLine(), "--image needs --blk");
        }
        if (all && hvm) {
            throw new ParameterException(spec.commandLine(), "--all needs --echo, --net or --blk");
        }
        if (json && !hvm) {
            throw new ParameterException(spec.commandLine(), "--json is for the default demo (not --echo, --net "
                    + "or --blk)");
        }
        if (hvm) {
            HvmDemo.Result result;
            try {
                result = new HvmDemo(Optional.ofNullable(pcap)).run();
            } catch (IOException e) {
                spec.commandLine().getErr().println("xensim demo: " + e);
                return 1;
            }
            if (json) {
                out.println(HvmDemoOutput.json(result, pcap));
            } else {
                HvmDemoOutput.print(out, result, pcap);
            }
            out.flush();
            return HvmDemoOutput.exitStatus(result);
        }
        if (blk) {
            BlkDemo.Result result;
            try {
                result = new BlkDemo(Optional.ofNullable(image)).run();
            } catch (BlkDemo.ImageRefused e) {
                spec.commandLine().getErr().println("xensim demo --blk: " + e.getMessage());
                return 1;
            }
            BlkDemoOutput.print(out, result, all);
            out.flush();
            return 0;
        }
        if (net) {
            NetDemoOutput.print(out, new NetDemo(Optional.ofNullable(pcap)).run(), all, pcap);
            out.flush();
            return 0;
        }
        EchoDemo.Result result = new EchoDemo().run();
        List<TraceEvent> shown = all ? result.events() : result.events().stream().filter(DemoCommand::teaching).toList();
        out.println("xensim demo --echo: a xenbus handshake between a guest (d1) and dom0 (d0), device echo/0");
        out.println("guest's xenstore connection: " + result.guestXenstore());
        out.println("==> marks a xenbus state change (the value written to the end's \"state\" key)");
        out.println();
        out.print(Timeline.all(Map.of(0, "dom0", 1, "guest")).render(shown));
        out.println();
        out.println(summary(result));
        out.flush();
        return 0;
    }

    /** The default view: writes, watches, states, grants, ports, ring traffic; not reads, replies or duplicates. */
    static boolean teaching(TraceEvent e) {
        return switch (e.kind()) {
            case XENSTORE_REPLY -> false;
            case XENSTORE_REQUEST -> !e.detail().startsWith("XS_READ") && !e.detail().startsWith("XS_DIRECTORY");
            // Hypercall-level records without a device repeat what the driver-level records say.
            case GRANT, EVENT_CHANNEL -> !e.device().isEmpty();
            default -> true;
        };
    }

    private static final Pattern GRANT = Pattern.compile("gnttab_grant_foreign_access ref (\\d+)");
    private static final Pattern ALLOC = Pattern.compile("xenbus_alloc_evtchn -> port (\\d+)");
    private static final Pattern BIND = Pattern.compile("bind_interdomain dom\\d+ port \\d+ -> port (\\d+)");

    static String summary(EchoDemo.Result r) {
        String ref = first(r.events(), GRANT);
        String fePort = first(r.events(), ALLOC);
        String bePort = first(r.events(), BIND);
        return "summary: ring-ref " + ref + " granted by d1 to d0; event channel d1 port " + fePort + " <-> d0 port "
                + bePort + "; sent " + r.sent() + ", echoed " + r.received() + "; device closed and removed; "
                + "no grants, ports, mappings or watches left";
    }

    private static String first(List<TraceEvent> events, Pattern p) {
        for (TraceEvent e : events) {
            Matcher m = p.matcher(e.detail());
            if (m.find()) {
                return m.group(1);
            }
        }
        return "?";
    }
}
