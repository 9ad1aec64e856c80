package io.xensim.testbed.cli;

import io.xensim.hvm.boot.BootedGuest;
import io.xensim.hvm.boot.GuestDisk;
import io.xensim.hvm.boot.GuestNic;
import io.xensim.hvm.boot.HvmHost;
import io.xensim.testbed.boot.Workload;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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
    private boolean failed;

    void guest(Guest g) {
        guests.add(g);
    }

    void line(String line) {
        lines.add(line);
    }

    /** Something the run could not do (the xenstore socket): said in the messages, and the exit status is 1. */
    void failure(String line) {
        lines.add(line);
        failed = true;
    }

    void workload(Workload w, Workload.Result r) {
        workload = w;
        result = r;
    }

    boolean allBooted() {
        return guests.stream().allMatch(g -> g.guest() != null);
    }

    int exitStatus() {
        return allBooted() && (result == null || result.ok()) && !failed ? 0 : 1;
    }

    void print(PrintWriter out, HvmHost host) {
        printGuests(out);
        printResults(out);
    }

    /** Each guest's boot log and outcome: printed as soon as the guests are up, before they run. */
    void printGuests(PrintWriter out) {
        for (Guest g : guests) {
            out.println("==> dom" + g.domid() + ": " + g.config());
            g.log().forEach(out::println);
            out.println(g.guest() != null
                    ? "==> dom" + g.domid() + " " + g.guest().spec().name() + ": booted"
                    : "==> dom" + g.domid() + " " + g.config() + ": did not boot: " + g.reason() + " (exit "
                            + g.exit() + ")");
            out.println();
        }
    }

    /** The workload's result, the run's messages and the summary line: printed once the guests are gone. */
    void printResults(PrintWriter out) {
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
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("exit", exitStatus());
        List<Object> guestList = new ArrayList<>();
        for (Guest g : guests) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("config", g.config());
            o.put("domid", g.domid());
            o.put("outcome", g.outcome());
            o.put("exit", g.exit());
            o.put("reason", g.reason());
            if (g.guest() != null) {
                BootedGuest b = g.guest();
                o.put("name", b.spec().name());
                List<Object> nics = new ArrayList<>();
                for (GuestNic nic : b.nics()) {
                    Map<String, Object> n = new LinkedHashMap<>();
                    n.put("name", nic.name());
                    n.put("driver", nic.driver());
                    n.put("mac", nic.mac().toString());
                    n.put("bridge", nic.bridge());
                    n.put("backing", nic.backing());
                    nics.add(n);
                }
                o.put("nics", nics);
                List<Object> disks = new ArrayList<>();
                for (GuestDisk disk : b.disks()) {
                    Map<String, Object> d = new LinkedHashMap<>();
                    d.put("name", disk.name());
                    d.put("driver", disk.driver());
                    d.put("vdev", disk.vdev());
                    d.put("sectors", host.onDomain(b.domain(), () -> disk.device().sectors()));
                    d.put("backing", disk.backing());
                    disks.add(d);
                }
                o.put("disks", disks);
                o.put("notes", b.notes());
            }
            o.put("log", g.log());
            guestList.add(o);
        }
        j.put("guests", guestList);
        if (result != null) {
            Map<String, Object> w = new LinkedHashMap<>();
            w.put("name", workload.id());
            w.put("ok", result.ok());
            w.put("counters", new TreeMap<>(result.counters()));
            w.put("lines", result.lines());
            j.put("workload", w);
        }
        j.put("messages", lines);
        return Json.write(j);
    }
}
