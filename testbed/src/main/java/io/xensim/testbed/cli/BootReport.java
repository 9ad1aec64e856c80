package io.xensim.testbed.cli;

import io.xensim.hvm.boot.BootedGuest;
import io.xensim.hvm.boot.GuestDisk;
import io.xensim.hvm.boot.GuestNic;
import io.xensim.hvm.boot.HvmHost;
import io.xensim.testbed.boot.Workload;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What {@code xensim boot} found, as text or one JSON document: each guest's outcome (booted, not-created,
 * panicked), exit status, reason, log and devices; the workload's result; the exit status of the whole run.
 * The JSON is written by hand (no JSON library is on the classpath; the document is small and flat).
 *
 * <p><b>Threading:</b> the thread that drives the host.
 */
final class BootReport {
    /** One config's outcome; {@code guest} is null unless it booted. */
    record Guest(String config, int domid, String outcome, int exit, String reason, List<String> log,
                 BootedGuest guest) {
    }

    private final List<Guest> guests = new ArrayList<>();
    private final List<String> lines = new ArrayList<>();
    private Workload workload;
    private Workload.Result result;

    void guest(Guest g) {
        guests.add(g);
    }

    void line(String line) {
        lines.add(line);
    }

    void workload(Workload w, Workload.Result r) {
        workload = w;
        result = r;
    }

    boolean allBooted() {
        return guests.stream().allMatch(g -> g.guest() != null);
    }

    int exitStatus() {
        return allBooted() && (result == null || result.ok()) ? 0 : 1;
    }

    void print(PrintWriter out, HvmHost host) {
        for (Guest g : guests) {
            out.println("==> dom" + g.domid() + ": " + g.config());
            g.log().forEach(out::println);
            out.println(g.guest() != null
                    ? "==> dom" + g.domid() + " " + g.guest().spec().name() + ": booted"
                    : "==> dom" + g.domid() + " " + g.config() + ": did not boot: " + g.reason() + " (exit "
                            + g.exit() + ")");
            out.println();
        }
        if (result != null) {
            out.println("==> workload " + workload.id() + ": " + (result.ok() ? "ok" : "FAILED"));
            result.lines().forEach(out::println);
        }
        lines.forEach(out::println);
        long failed = guests.stream().filter(g -> g.guest() == null).count();
        out.println("xensim boot: " + (guests.size() - failed) + " of " + guests.size() + " guests booted"
                + (failed == 0 ? "" : "; " + failed + " did not") + (result == null ? ""
                        : "; workload " + workload.id() + " " + (result.ok() ? "ok" : "failed"))
                + "; exit " + exitStatus());
    }

    String json(HvmHost host) {
        var j = new StringBuilder("{\"exit\":").append(exitStatus()).append(",\"guests\":[");
        for (int i = 0; i < guests.size(); i++) {
            Guest g = guests.get(i);
            j.append(i == 0 ? "" : ",").append("{\"config\":").append(str(g.config())).append(",\"domid\":")
                    .append(g.domid()).append(",\"outcome\":").append(str(g.outcome())).append(",\"exit\":")
                    .append(g.exit()).append(",\"reason\":").append(str(g.reason()));
            if (g.guest() != null) {
                BootedGuest b = g.guest();
                j.append(",\"name\":").append(str(b.spec().name())).append(",\"nics\":[");
                List<GuestNic> nics = b.nics();
                for (int n = 0; n < nics.size(); n++) {
                    GuestNic nic = nics.get(n);
                    j.append(n == 0 ? "" : ",").append("{\"name\":").append(str(nic.name())).append(",\"driver\":")
                            .append(str(nic.driver())).append(",\"mac\":").append(str(nic.mac().toString()))
                            .append(",\"bridge\":").append(str(nic.bridge())).append(",\"backing\":")
                            .append(str(nic.backing())).append('}');
                }
                j.append("],\"disks\":[");
                List<GuestDisk> disks = b.disks();
                for (int d = 0; d < disks.size(); d++) {
                    GuestDisk disk = disks.get(d);
                    long sectors = host.onDomain(b.domain(), () -> disk.device().sectors());
                    j.append(d == 0 ? "" : ",").append("{\"name\":").append(str(disk.name())).append(",\"driver\":")
                            .append(str(disk.driver())).append(",\"vdev\":").append(str(disk.vdev()))
                            .append(",\"sectors\":").append(sectors).append(",\"backing\":")
                            .append(str(disk.backing())).append('}');
                }
                j.append("],\"notes\":").append(strs(b.notes()));
            }
            j.append(",\"log\":").append(strs(g.log())).append('}');
        }
        j.append(']');
        if (result != null) {
            j.append(",\"workload\":{\"name\":").append(str(workload.id())).append(",\"ok\":").append(result.ok())
                    .append(",\"counters\":{");
            int c = 0;
            for (Map.Entry<String, Long> e : result.counters().entrySet().stream()
                    .sorted(Map.Entry.comparingByKey()).toList()) {
                j.append(c++ == 0 ? "" : ",").append(str(e.getKey())).append(':').append(e.getValue());
            }
            j.append("},\"lines\":").append(strs(result.lines())).append('}');
        }
        j.append(",\"messages\":").append(strs(lines)).append('}');
        return j.toString();
    }

    private static String strs(List<String> items) {
        return "[" + String.join(",", items.stream().map(BootReport::str).toList()) + "]";
    }

    /** A JSON string literal (RFC 8259: quote, backslash and control characters escaped). */
    static String str(String s) {
        var b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (ch < 0x20) {
                        b.append(String.format("\\u%04x", (int) ch));
                    } else {
                        b.append(ch);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
