package io.xensim.testbed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

@Timeout(60)
class TraceCommandTest {
    /** Every line of the Mermaid output: the header, a participant, a message or a note. */
    private static final Pattern MERMAID_LINE = Pattern.compile("sequenceDiagram"
            + "|    participant \\w+ as [^;#\\n]+"
            + "|    \\w+->>\\w+: [^;#\\n]+"
            + "|    Note over \\w+(,\\w+)?: [^;#\\n]+");

    private static final String GUEST_TO_XENSTORE = "      |---------->|           |           |";
    private static final String DOM0_TO_XENSTORE = "      |           |<----------|           |";
    private static final String TOOLSTACK_TO_XENSTORE = "      |           |<----------------------|";

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int xensim(String... args) {
        CommandLine cli = Xensim.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    private List<String> lines() {
        return out.toString().lines().toList();
    }

    @Test
    void vifPrintsTheHandshakeInOrder() {
        assertThat(xensim("trace", "vif")).isZero();
        assertThat(err.toString()).isEmpty();
        // netback_probe publishes its features and goes InitWait; netfront grants its rings, allocates its ports,
        // writes them and goes Connected; netback maps, binds and goes Connected.
        assertInOrder(lines(),
                "toolstack",
                TOOLSTACK_TO_XENSTORE + "       write FE/state = \"1\"",
                "write BE/feature-sg = \"1\"",
                "==> backend Initialising -> InitWait (2)",
                "write BE/state = \"2\"",
                "watch fired BE/state",
                "write BE/hotplug-status = \"connected\"",
                "gnttab_grant_foreign_access ref",
                "xenbus_alloc_evtchn -> port",
                "write FE/tx-ring-ref = ",
                "write FE/event-channel-tx = ",
                "==> frontend Initialising -> Connected (4)",
                "write FE/state = \"4\"",
                "xenbus_map_ring dom1 refs",
                "bind_interdomain dom1 port",
                "==> backend InitWait -> Connected (4)",
                "write BE/state = \"4\"",
                "notify port");
        assertThat(lines()).noneMatch(l -> l.contains("queue-0/")).noneMatch(l -> l.contains("XS_READ"))
                .noneMatch(l -> l.contains("/libxl/"));
        // The backend's writes come from dom0's lifeline, the frontend's from the guest's.
        assertThat(lines()).contains(DOM0_TO_XENSTORE + "       write BE/state = \"2\"",
                GUEST_TO_XENSTORE + "       write FE/state = \"4\"",
                TOOLSTACK_TO_XENSTORE + "       write BE/hotplug-status = \"connected\"");
        // netfront's 256 rx buffers are one arrow.
        assertThat(lines()).anyMatch(l -> l.contains("(256 data pages)"));
    }

    @Test
    void vifFlagsChangeTheKeys() {
        assertThat(xensim("trace", "vif", "--queues", "2", "--no-split-evtchn", "--no-sg", "--no-gso")).isZero();
        List<String> lines = lines();
        assertThat(lines).anyMatch(l -> l.endsWith("write FE/multi-queue-num-queues = \"2\""))
                .anyMatch(l -> l.endsWith("write FE/queue-0/tx-ring-ref = \"8\""))
                .anyMatch(l -> l.contains("write FE/queue-1/tx-ring-ref = "))
                .anyMatch(l -> l.contains("write FE/queue-1/event-channel = "))
                .noneMatch(l -> l.contains("event-channel-tx"))
                .anyMatch(l -> l.endsWith("write BE/feature-sg = \"0\""))
                .anyMatch(l -> l.endsWith("write BE/feature-gso-tcpv4 = \"0\""))
                .anyMatch(l -> l.endsWith("write BE/feature-split-event-channels = \"0\""));
        assertThat(lines.get(1)).isEqualTo("features: queues 2, split event channels off, sg off, gso off");
    }

    @Test
    void vbdPrintsTheHandshakeInOrder() {
        assertThat(xensim("trace", "vbd")).isZero();
        assertThat(err.toString()).isEmpty();
        assertInOrder(lines(),
                "write BE/params = \"trace-disk\"",
                "write BE/mode = \"w\"",
                "==> backend Initialising -> InitWait (2)",
                "write BE/physical-device = \"7:0\"",
                "gnttab_grant_foreign_access ref",
                "write FE/ring-ref = ",
                "write FE/event-channel = ",
                "==> frontend Initialising -> Initialised (3)",
                "xenbus_map_ring dom1 refs",
                "bind_interdomain dom1 port",
                "==> backend InitWait -> Connected (4)",
                "write BE/state = \"4\"",
                "==> frontend Initialised -> Connected (4)");
        assertThat(lines()).anyMatch(l -> l.endsWith("write BE/feature-persistent = \"1\""))
                .anyMatch(l -> l.endsWith("write BE/feature-max-indirect-segments = \"256\""))
                .noneMatch(l -> l.contains("ring-ref0"));
    }

    @Test
    void vbdFlagsChangeTheKeys() {
        assertThat(xensim("trace", "vbd", "--ring-order", "2", "--queues", "2", "--no-persistent", "--no-indirect",
                "--read-only")).isZero();
        List<String> lines = lines();
        assertThat(lines).anyMatch(l -> l.endsWith("write FE/ring-page-order = \"2\""))
                .anyMatch(l -> l.endsWith("write FE/multi-queue-num-queues = \"2\""))
                .anyMatch(l -> l.contains("write FE/queue-0/ring-ref0 = "))
                .anyMatch(l -> l.contains("write FE/queue-1/ring-ref3 = "))
                .anyMatch(l -> l.endsWith("write BE/mode = \"r\""))
                .noneMatch(l -> l.contains("feature-max-indirect-segments"))
                .noneMatch(l -> l.endsWith("feature-persistent = \"1\""));
    }

    @Test
    void mermaidStartsWithSequenceDiagramAndEveryLineParses() {
        assertThat(xensim("trace", "vbd", "--ring-order", "2", "--mermaid")).isZero();
        List<String> lines = lines();
        assertThat(lines.getFirst()).isEqualTo("sequenceDiagram");
        assertThat(lines).allSatisfy(l -> assertThat(l).matches(MERMAID_LINE));
        assertThat(lines).contains("    participant guest as guest (d1 blkfront)",
                        "    participant dom0 as dom0 (d0 blkback)")
                .anyMatch(l -> l.startsWith("    Note over dom0: backend Initialising → InitWait (2)"))
                .anyMatch(l -> l.startsWith("    guest->>xenstore: write FE/ring-ref3 = "))
                .anyMatch(l -> l.startsWith("    xenstore->>guest: watch fired BE/state"));
    }

    @Test
    void vifMermaidParsesToo() {
        assertThat(xensim("trace", "vif", "--queues", "2", "--mermaid")).isZero();
        assertThat(lines()).allSatisfy(l -> assertThat(l).matches(MERMAID_LINE))
                .anyMatch(l -> l.startsWith("    guest->>xenstore: write FE/queue-1/tx-ring-ref = "));
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(xensim("trace", "scsi")).isEqualTo(2);
        assertThat(err.toString()).contains("scsi");
        assertThat(xensim("trace")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing device type: vif or vbd");
        assertThat(xensim("trace", "vif", "--queues", "9")).isEqualTo(2);
        assertThat(xensim("trace", "vbd", "--ring-order", "5")).isEqualTo(2);
        assertThat(xensim("trace", "vif", "--ring-order", "1")).isEqualTo(2);
        assertThat(out.toString()).isEmpty();
    }

    private static void assertInOrder(List<String> lines, String... needles) {
        int at = 0;
        for (String needle : needles) {
            int found = -1;
            for (int i = at; i < lines.size(); i++) {
                if (lines.get(i).contains(needle)) {
                    found = i;
                    break;
                }
            }
            assertThat(found).as("'%s' after line %d in%n%s", needle, at, String.join("\n", lines))
                    .isGreaterThanOrEqualTo(0);
            at = found + 1;
        }
    }
}
