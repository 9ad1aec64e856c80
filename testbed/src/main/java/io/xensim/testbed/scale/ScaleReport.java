package io.xensim.testbed.scale;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/**
 * Prints scale results as a table, one row per guest count, and how the per-guest costs of the largest run compare
 * with the smallest's (the goal: within 1.2x).
 */
public final class ScaleReport {
    private ScaleReport() {
    }

    public static void header(PrintWriter out) {
        out.printf(Locale.ROOT, "xensim bench --scale: one JVM, one hypervisor (INVOKER mode); each guest %d MiB, one"
                + " vif (netfront/netback on xenbr0) and one vbd (blkfront/blkback, %d-sector memory image);"
                + " after an untimed warm-up run of the largest count%n", ScaleRun.GUEST_MIB, ScaleRun.DISK_SECTORS);
        out.printf(Locale.ROOT, "%7s %10s %14s %10s %14s %8s %14s %15s %9s%n", "guests", "boot ms",
                "boot ms/guest", "heap MiB", "heap KiB/guest", "threads", "threads/guest", "dom0 ports/guest",
                "frames");
        out.flush();
    }

    public static void row(PrintWriter out, ScaleResult r) {
        out.printf(Locale.ROOT, "%7d %10.1f %14.3f %10.1f %14.1f %8d %14.3f %15.2f %4d/%-4d%n", r.guests(),
                r.bootNanos() / 1e6, r.bootMillisPerGuest(), r.heapBytes() / 1048576.0, r.heapKibPerGuest(),
                r.threads(), r.threadsPerGuest(), r.dom0PortsPerGuest(), r.framesReceived(), r.framesSent());
        out.flush();
    }

    /** The largest run's per-guest boot time and heap over the smallest's; nothing with fewer than two runs. */
    public static void ratios(PrintWriter out, List<ScaleResult> results) {
        if (results.size() < 2) {
            return;
        }
        ScaleResult first = results.getFirst();
        ScaleResult last = results.getLast();
        out.printf(Locale.ROOT, "per guest, %d vs %d guests: boot time %.2fx, heap %.2fx (goal: within 1.2x)%n",
                last.guests(), first.guests(), last.bootMillisPerGuest() / first.bootMillisPerGuest(),
                last.heapKibPerGuest() / first.heapKibPerGuest());
        out.flush();
    }
}
