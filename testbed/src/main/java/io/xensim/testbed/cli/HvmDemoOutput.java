package io.xensim.testbed.cli;

import io.xensim.net.bridge.PortCounters;
import io.xensim.testbed.boot.Workload;
import io.xensim.testbed.cli.HandshakeSteps.Lifeline;
import io.xensim.testbed.scenario.HvmDemo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The output of {@code xensim demo} ({@link HvmDemo}): as text, each guest's boot log, the interface and block
 * tables, the pings both ways, the stream, the disk check, guest 1's vif handshake as a sequence diagram
 * ({@link HandshakeSteps}, {@link SequenceDiagram}), and the results per guest and for the bridge; or the results
 * as one JSON document ({@link Json}).
 *
 * <p><b>Threading:</b> stateless; called on the command's thread after the run.
 */
final class HvmDemoOutput {
    private HvmDemoOutput() {
    }

    static int exitStatus(HvmDemo.Result r) {
        return r.ok() ? 0 : 1;
    }

    static void print(PrintWriter out, HvmDemo.Result r, Path pcap) {
        out.println("xensim demo: two RHEL 6.0 HVM guests with xen_pv_hvm=enable on one Xen host; dom0 (d0) runs "
                + "netback with bridge " + HvmDemo.BRIDGE + ", blkback and the device model");
        out.println("configs: " + String.join(", ", HvmDemo.CONFIGS) + " (examples/, carried in the jar); each "
                + "disk is a fresh sparse raw image in a temporary directory");
        for (HvmDemo.Guest g : r.guests()) {
            out.println();
            out.println("== boot log: dom" + g.domid() + " " + g.name() + " (" + g.config() + ")");
            bootLog(g).forEach(out::println);
            out.println("==> dom" + g.domid() + " " + g.name() + ": " + g.outcome());
        }
        out.println();
        out.println("== interfaces and block devices");
        for (HvmDemo.Guest g : r.guests()) {
            out.println("dom" + g.domid() + " " + g.name() + ":");
            if (!g.booted()) {
                out.println("(did not boot)");
            }
            g.interfaces().forEach(out::println);
            g.blocks().forEach(out::println);
        }
        if (r.pingForward().isPresent()) {
            out.println();
            out.println("== ping, both directions (each guest answers ARP and ICMP echo for its address)");
            r.pingForward().get().lines().forEach(out::println);
            r.pingBack().orElseThrow().lines().forEach(out::println);
            out.println();
            out.println("== stream: " + HvmDemo.STREAM_FRAMES + " UDP frames of " + Workload.STREAM_PAYLOAD
                    + " bytes, dom1 to dom2");
            r.stream().orElseThrow().lines().forEach(out::println);
            out.println();
            out.println("== disk: " + HvmDemo.DISK_IOS + " random writes per guest, each read back and compared");
            r.disk().orElseThrow().lines().forEach(out::println);
        }
        if (!r.handshake().isEmpty()) {
            out.println();
            out.println("== vif handshake: dom" + HvmDemo.HANDSHAKE_DOMID + "'s vif " + HvmDemo.HANDSHAKE_DEVID
                    + " during its boot (xl create to both ends Connected)");
            diagram(r).forEach(out::println);
        }
        if (r.pingForward().isPresent()) {
            out.println();
            out.println("== results");
            results(r).forEach(out::println);
        }
        if (pcap != null) {
            out.println();
            out.println("capture: " + r.captured() + " frames of " + HvmDemo.BRIDGE + " written to " + pcap);
        }
        out.println();
        if (r.ok()) {
            out.println("xensim demo: everything held: both guests booted with their PV drivers, pinged each "
                    + "other, streamed and read back what they wrote; exit 0");
        } else {
            r.failures().forEach(f -> out.println("FAILED: " + f));
            out.println("xensim demo: " + r.failures().size() + " check(s) failed; exit 1");
        }
    }

    /** The log without the two tables it ends with (they have their own section). */
    private static List<String> bootLog(HvmDemo.Guest g) {
        List<String> log = g.log();
        List<String> tables = new ArrayList<>(g.interfaces());
        tables.addAll(g.blocks());
        if (!tables.isEmpty() && log.size() >= tables.size()
                && log.subList(log.size() - tables.size(), log.size()).equals(tables)) {
            return log.subList(0, log.size() - tables.size());
        }
        return log;
    }

    private static List<String> diagram(HvmDemo.Result r) {
        int d = HvmDemo.HANDSHAKE_DOMID;
        var steps = new HandshakeSteps(HvmDemo.frontendDir(), HvmDemo.backendDir()).steps(r.handshake());
        var diagram = new SequenceDiagram(Map.of(Lifeline.GUEST, "d" + d + " netfront", Lifeline.XENSTORE,
                "xenstored", Lifeline.DOM0, "d0 netback", Lifeline.TOOLSTACK, "d0 libxl"),
                List.of("FE = " + HvmDemo.frontendDir(), "BE = " + HvmDemo.backendDir()));
        return diagram.text(steps);
    }

    private static List<String> results(HvmDemo.Result r) {
        List<String> out = new ArrayList<>();
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("GUEST", "TX FRAMES", "TX BYTES", "RX FRAMES", "RX BYTES", "NOTIFY SENT", "NOTIFY RCVD",
                "GRANT COPIES", "VM EXITS"));
        for (HvmDemo.Guest g : r.guests()) {
            HvmDemo.Counters c = g.counters().orElseThrow();
            rows.add(List.of("dom" + g.domid() + " " + g.name(), n(c.txFrames()), n(c.txBytes()), n(c.rxFrames()),
                    n(c.rxBytes()), n(c.notificationsSent()), n(c.notificationsReceived()), n(c.grantCopies()),
                    n(c.vmExits())));
        }
        out.addAll(table(rows));
        out.add("(frames and bytes: netfront eth0's counters; notifications: the guest's event-channel sends and "
                + "upcalls, xenstore and the vbd included; grant copies: netback's GNTTABOP_copy calls for the "
                + "guest's vif; VM exits: port I/O and CPUID since boot plus one per EVTCHNOP_send)");
        out.add("");
        out.add("bridge " + HvmDemo.BRIDGE + ":");
        List<List<String>> ports = new ArrayList<>();
        ports.add(List.of("PORT", "RX FRAMES", "RX BYTES", "RX DROPPED", "TX FRAMES", "TX BYTES", "TX DROPPED"));
        for (HvmDemo.Port p : r.ports()) {
            PortCounters c = p.counters();
            ports.add(List.of(p.name(), n(c.rxPackets()), n(c.rxBytes()), n(c.rxDropped()), n(c.txPackets()),
                    n(c.txBytes()), n(c.txDropped())));
        }
        out.addAll(table(ports));
        out.add("learned MACs (brctl showmacs " + HvmDemo.BRIDGE + "):");
        r.fdb().forEach((mac, port) -> out.add(mac + "  " + port));
        return out;
    }

    private static String n(long v) {
        return Long.toString(v);
    }

    /** Columns left-aligned, two spaces apart, as the guests' own tables are. */
    static List<String> table(List<List<String>> rows) {
        int[] width = new int[rows.getFirst().size()];
        for (List<String> row : rows) {
            for (int i = 0; i < row.size(); i++) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        }
        List<String> out = new ArrayList<>();
        for (List<String> row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                line.append(i == 0 ? "" : "  ").append(row.get(i)).append(" ".repeat(width[i] - row.get(i).length()));
            }
            out.add(line.toString().stripTrailing());
        }
        return out;
    }

    static String json(HvmDemo.Result r, Path pcap) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("exit", exitStatus(r));
        j.put("ok", r.ok());
        j.put("failures", r.failures());
        List<Object> guests = new ArrayList<>();
        for (HvmDemo.Guest g : r.guests()) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("domid", g.domid());
            o.put("config", g.config());
            o.put("name", g.name());
            o.put("outcome", g.outcome());
            g.counters().ifPresent(c -> o.put("counters", counters(c)));
            guests.add(o);
        }
        j.put("guests", guests);
        List<Object> pings = new ArrayList<>();
        r.pingForward().ifPresent(p -> pings.add(workload(1, 2, p)));
        r.pingBack().ifPresent(p -> pings.add(workload(2, 1, p)));
        j.put("ping", pings);
        r.stream().ifPresent(s -> j.put("stream", workload(1, 2, s)));
        r.disk().ifPresent(d -> j.put("disk", workload(0, 0, d)));
        Map<String, Object> bridge = new LinkedHashMap<>();
        bridge.put("name", HvmDemo.BRIDGE);
        List<Object> ports = new ArrayList<>();
        for (HvmDemo.Port p : r.ports()) {
            Map<String, Object> o = new LinkedHashMap<>();
            PortCounters c = p.counters();
            o.put("port", p.name());
            o.put("rx_frames", c.rxPackets());
            o.put("rx_bytes", c.rxBytes());
            o.put("rx_dropped", c.rxDropped());
            o.put("tx_frames", c.txPackets());
            o.put("tx_bytes", c.txBytes());
            o.put("tx_dropped", c.txDropped());
            ports.add(o);
        }
        bridge.put("ports", ports);
        bridge.put("fdb", r.fdb());
        j.put("bridge", bridge);
        Map<String, Object> handshake = new LinkedHashMap<>();
        handshake.put("domid", HvmDemo.HANDSHAKE_DOMID);
        handshake.put("devid", HvmDemo.HANDSHAKE_DEVID);
        handshake.put("steps", new HandshakeSteps(HvmDemo.frontendDir(), HvmDemo.backendDir())
                .steps(r.handshake()).size());
        j.put("handshake", handshake);
        if (pcap != null) {
            j.put("pcap", Map.of("file", pcap.toString(), "frames", r.captured()));
        }
        return Json.write(j);
    }

    private static Map<String, Object> counters(HvmDemo.Counters c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("tx_frames", c.txFrames());
        m.put("tx_bytes", c.txBytes());
        m.put("rx_frames", c.rxFrames());
        m.put("rx_bytes", c.rxBytes());
        m.put("notifications_sent", c.notificationsSent());
        m.put("notifications_received", c.notificationsReceived());
        m.put("grant_copies", c.grantCopies());
        m.put("vm_exits", c.vmExits());
        return m;
    }

    /** A workload's verdict and counters; {@code from} and {@code to} are left out when 0 (every guest). */
    private static Map<String, Object> workload(int from, int to, Workload.Result w) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (from != 0) {
            m.put("from", from);
            m.put("to", to);
        }
        m.put("ok", w.ok());
        m.putAll(new TreeMap<>(w.counters()));
        return m;
    }
}
