package io.xensim.testbed.cli;

import io.xensim.net.bridge.PortCounters;
import io.xensim.net.guest.NetCounters;
import io.xensim.testbed.scenario.NetDemo;
import io.xensim.xenbus.trace.Timeline;
import io.xensim.xenbus.trace.TraceEvent;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The text of {@code xensim demo --net}: the traffic, the vifs' xenstore directories as {@code xenstore-ls -p}
 * prints them, the handshake timeline, the per-vif counters and the bridge's forwarding database.
 *
 * <p><b>Threading:</b> stateless; called on the command's thread.
 */
final class NetDemoOutput {
    private NetDemoOutput() {
    }

    static void print(PrintWriter out, NetDemo.Result r, boolean all, Path pcap) {
        out.println("xensim demo --net: Xen PV networking between two guests (d1 " + NetDemo.IP1 + ", d2 "
                + NetDemo.IP2 + ") on bridge " + NetDemo.BRIDGE + " in dom0 (d0)");
        out.println("each guest runs netfront; dom0 runs netback, one vif each, added as libxl adds it");
        out.println();
        out.println("== traffic (guest 2 answers ARP and ping)");
        r.traffic().forEach(out::println);
        out.println();
        for (Map.Entry<String, List<String>> dir : r.xenstore().entrySet()) {
            out.println("== xenstore-ls -p " + dir.getKey());
            dir.getValue().forEach(out::println);
            out.println();
        }
        out.println("== handshake (from the first vif's add until both are Connected)");
        out.println("==> marks a xenbus state change (the value written to the end's \"state\" key)");
        List<TraceEvent> shown = all ? r.handshake()
                : collapseDataPages(r.handshake().stream().filter(DemoCommand::teaching).toList());
        out.print(Timeline.all(Map.of(0, "dom0", 1, "guest1", 2, "guest2")).render(shown));
        out.println();
        out.println("== counters");
        for (NetDemo.VifCounters c : r.counters()) {
            NetCounters f = c.front();
            PortCounters b = c.bridgePort();
            out.println("d" + c.domid() + " netfront eth0: tx " + f.txPackets() + " packets " + f.txBytes()
                    + " bytes, " + f.txDropped() + " dropped; rx " + f.rxPackets() + " packets " + f.rxBytes()
                    + " bytes, " + f.rxDropped() + " dropped");
            out.println("d0 " + NetDemo.BRIDGE + " port " + c.port() + ": rx " + b.rxPackets() + " packets "
                    + b.rxBytes() + " bytes, " + b.rxDropped() + " dropped; tx " + b.txPackets() + " packets "
                    + b.txBytes() + " bytes, " + b.txDropped() + " dropped");
        }
        out.println();
        out.println("== " + NetDemo.BRIDGE + " learned MACs (brctl showmacs)");
        r.fdb().forEach((mac, port) -> out.println(mac + "  " + port));
        if (pcap != null) {
            out.println();
            out.println("capture: " + r.captured() + " frames of " + NetDemo.BRIDGE + " written to " + pcap);
        }
    }

    private static final Pattern DATA_PAGE = Pattern.compile("gnttab_grant_foreign_access ref (\\d+) -> (dom\\d+) "
            + "gfn \\S+ (\\S+) \\(data page\\)");

    /**
     * A run of data-page grants by one domain for one device (netfront granting its rx buffers) as one line, {@code
     * refs FIRST..LAST}, so the handshake stays readable; {@code --all} shows each.
     */
    static List<TraceEvent> collapseDataPages(List<TraceEvent> events) {
        List<TraceEvent> out = new ArrayList<>();
        int i = 0;
        while (i < events.size()) {
            TraceEvent first = events.get(i);
            Matcher m = first.kind() == TraceEvent.Kind.GRANT ? DATA_PAGE.matcher(first.detail()) : null;
            if (m == null || !m.matches()) {
                out.add(first);
                i++;
                continue;
            }
            String lastRef = m.group(1);
            int j = i + 1;
            while (j < events.size()) {
                TraceEvent e = events.get(j);
                Matcher n = DATA_PAGE.matcher(e.detail());
                if (e.kind() != TraceEvent.Kind.GRANT || e.domid() != first.domid()
                        || !e.device().equals(first.device()) || !n.matches()) {
                    break;
                }
                lastRef = n.group(1);
                j++;
            }
            int count = j - i;
            out.add(count == 1 ? first : new TraceEvent(first.timeNs(), first.domid(), first.device(), first.kind(),
                    "gnttab_grant_foreign_access refs " + m.group(1) + ".." + lastRef + " -> " + m.group(2) + " "
                            + m.group(3) + " (" + count + " data pages)"));
            i = j;
        }
        return out;
    }
}
