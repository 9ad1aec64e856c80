package io.xensim.testbed.cli;

import io.xensim.blk.protocol.VbdName;
import io.xensim.testbed.cli.HandshakeSteps.Lifeline;
import io.xensim.testbed.scenario.HandshakeTrace;
import io.xensim.testbed.scenario.HandshakeTrace.VbdFeatures;
import io.xensim.testbed.scenario.HandshakeTrace.VifFeatures;
import io.xensim.xenbus.trace.TraceEvent;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code xensim trace vif|vbd}: runs one device's xenbus handshake ({@link HandshakeTrace}) with the tracer on and
 * prints it as a sequence diagram ({@link HandshakeSteps}, {@link SequenceDiagram}): as text for the terminal, or
 * as Mermaid with {@code --mermaid}. The feature flags are the drivers' module parameters and the disk's mode, so
 * that the keys each end writes can be compared between runs.
 */
@Command(name = "trace",
        description = {
                "Run one xenbus handshake, a vif (netfront and netback) or a vbd (blkfront and blkback over an "
                        + "in-memory disk), and print it as a sequence diagram: the keys each end and the toolstack "
                        + "write, the state changes, the grants and the event channels, in order.",
                "Lifelines: guest (the frontend in d1), xenstore, dom0 (the backend), toolstack (libxl and the "
                        + "hotplug scripts). Reads, permissions and libxl's /libxl/ bookkeeping are left out.",
                "Exit status: 0 diagram printed, 1 the device did not connect or did not close cleanly, 2 usage "
                        + "error."},
        mixinStandardHelpOptions = true,
        subcommands = {TraceCommand.Vif.class, TraceCommand.Vbd.class})
public final class TraceCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing device type: vif or vbd");
    }

    @Command(name = "vif", mixinStandardHelpOptions = true,
            description = "The handshake of vif 0: netfront in guest d1, netback in dom0 (bridge xenbr0).")
    static final class Vif implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--queues", paramLabel = "N", defaultValue = "1",
                description = "netfront's max_queues, 1..8 (netback offers 4); default ${DEFAULT-VALUE}.")
        int queues;

        @Option(names = "--no-split-evtchn", description = "netback does not offer feature-split-event-channels: "
                + "one event channel per queue instead of tx and rx.")
        boolean noSplit;

        @Option(names = "--no-sg", description = "netback does not offer feature-sg.")
        boolean noSg;

        @Option(names = "--no-gso", description = "netback does not offer feature-gso-tcpv4 and feature-gso-tcpv6.")
        boolean noGso;

        @Option(names = "--mermaid", description = "Print Mermaid (sequenceDiagram) instead of text.")
        boolean mermaid;

        @Override
        public Integer call() {
            if (queues < 1 || queues > 8) {
                throw new ParameterException(spec.commandLine(), "--queues: " + queues + " (expected: 1..8)");
            }
            var f = new VifFeatures(queues, !noSplit, !noSg, !noGso);
            int g = HandshakeTrace.GUEST;
            List<String> legend = List.of(
                    "xensim trace vif: vif 0 between guest d" + g + " (netfront) and dom0 (netback)",
                    "features: queues " + queues + ", split event channels " + onOff(f.splitEventChannels())
                            + ", sg " + onOff(f.sg()) + ", gso " + onOff(f.gso()),
                    "FE = /local/domain/" + g + "/device/vif/0",
                    "BE = /local/domain/0/backend/vif/" + g + "/0");
            return print(spec, mermaid, () -> HandshakeTrace.vif(f), "/local/domain/" + g + "/device/vif/0",
                    "/local/domain/0/backend/vif/" + g + "/0", "netfront", "netback", legend);
        }
    }

    @Command(name = "vbd", mixinStandardHelpOptions = true,
            description = "The handshake of xvda: blkfront in guest d1, blkback in dom0 over an 8 MiB in-memory disk.")
    static final class Vbd implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--ring-order", paramLabel = "N", defaultValue = "0",
                description = "blkfront's max_ring_page_order, 0..4: 2^N ring pages (ring-ref0..); default "
                        + "${DEFAULT-VALUE}.")
        int ringOrder;

        @Option(names = "--queues", paramLabel = "N", defaultValue = "1",
                description = "blkfront's max_queues, 1..64 (blkback offers 4); default ${DEFAULT-VALUE}.")
        int queues;

        @Option(names = "--no-persistent", description = "Neither end offers feature-persistent.")
        boolean noPersistent;

        @Option(names = "--no-indirect", description = "blkback does not offer feature-max-indirect-segments.")
        boolean noIndirect;

        @Option(names = "--read-only", description = "The disk is mode=r.")
        boolean readOnly;

        @Option(names = "--mermaid", description = "Print Mermaid (sequenceDiagram) instead of text.")
        boolean mermaid;

        @Override
        public Integer call() {
            if (ringOrder < 0 || ringOrder > 4) {
                throw new ParameterException(spec.commandLine(), "--ring-order: " + ringOrder + " (expected: 0..4)");
            }
            if (queues < 1 || queues > 64) {
                throw new ParameterException(spec.commandLine(), "--queues: " + queues + " (expected: 1..64)");
            }
            var f = new VbdFeatures(ringOrder, queues, !noPersistent, !noIndirect, readOnly);
            int g = HandshakeTrace.GUEST;
            int devid = VbdName.vdevOf(HandshakeTrace.VBD_VDEV);
            List<String> legend = List.of(
                    "xensim trace vbd: " + HandshakeTrace.VBD_VDEV + " (vbd " + devid + ") between guest d" + g
                            + " (blkfront) and dom0 (blkback)",
                    "features: ring order " + ringOrder + ", queues " + queues + ", persistent grants "
                            + onOff(f.persistent()) + ", indirect " + onOff(f.indirect()) + ", mode "
                            + (readOnly ? "r" : "w"),
                    "FE = /local/domain/" + g + "/device/vbd/" + devid,
                    "BE = /local/domain/0/backend/vbd/" + g + "/" + devid);
            return print(spec, mermaid, () -> HandshakeTrace.vbd(f), "/local/domain/" + g + "/device/vbd/" + devid,
                    "/local/domain/0/backend/vbd/" + g + "/" + devid, "blkfront", "blkback", legend);
        }
    }

    private static String onOff(boolean on) {
        return on ? "on" : "off";
    }

    private static int print(CommandSpec spec, boolean mermaid, Supplier<List<TraceEvent>> run, String frontendDir,
            String backendDir, String frontend, String backend, List<String> legend) {
        PrintWriter out = spec.commandLine().getOut();
        List<TraceEvent> events;
        try {
            events = run.get();
        } catch (IllegalStateException e) {
            spec.commandLine().getErr().println("xensim trace: " + e.getMessage());
            return 1;
        }
        var steps = new HandshakeSteps(frontendDir, backendDir).steps(events);
        int g = HandshakeTrace.GUEST;
        var diagram = new SequenceDiagram(Map.of(Lifeline.GUEST, "d" + g + " " + frontend,
                Lifeline.XENSTORE, "xenstored", Lifeline.DOM0, "d0 " + backend, Lifeline.TOOLSTACK, "d0 libxl"),
                legend);
        (mermaid ? diagram.mermaid(steps) : diagram.text(steps)).forEach(out::println);
        out.flush();
        return 0;
    }
}
