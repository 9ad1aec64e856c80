package io.xensim.testbed.cli;

import io.xensim.blk.front.BlkfrontFeatures;
import io.xensim.testbed.scenario.BlkDemo;
import io.xensim.xenbus.trace.Timeline;
import io.xensim.xenbus.trace.TraceEvent;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/**
 * The text of {@code xensim demo --blk}: the guest's block operations with their status and the ring requests
 * blkfront put for each, the vbd's xenstore directories as {@code xenstore-ls -p} prints them, the handshake
 * timeline, the negotiated features, the backend restart with its recovery trace, and a summary line.
 *
 * <p><b>Threading:</b> stateless; called on the command's thread.
 */
final class BlkDemoOutput {
    private static final Map<Integer, String> DOMAINS = Map.of(0, "dom0", BlkDemo.DOMID, "guest1");

    private BlkDemoOutput() {
    }

    static void print(PrintWriter out, BlkDemo.Result r, boolean all) {
        out.println("xensim demo --blk: Xen PV block I/O: guest d" + BlkDemo.DOMID + " runs blkfront, dom0 (d0) runs "
                + "blkback and the block hotplug script");
        out.println("vbd " + BlkDemo.VDEV + " (virtual-device " + BlkDemo.DEVID + ") added as libxl adds it, over "
                + "image " + r.image() + (r.created() ? " (created: sparse, " + BlkDemo.IMAGE_SECTORS * 512
                / (1024 * 1024) + " MiB)" : " (existing)"));
        out.println();
        out.println("== operations (the guest's I/O; each ring line is a request blkfront put on the shared ring)");
        for (BlkDemo.Operation op : r.operations()) {
            out.println(op.what() + ": " + op.status() + (op.check().isEmpty() ? "" : "; " + op.check()));
            op.ring().forEach(line -> out.println("    " + line));
        }
        out.println();
        printNegotiated(out, r.negotiated());
        out.println();
        for (Map.Entry<String, List<String>> dir : r.xenstore().entrySet()) {
            out.println("== xenstore-ls -p " + dir.getKey());
            dir.getValue().forEach(out::println);
            out.println();
        }
        out.println("== handshake (from the vbd's add until both ends are Connected)");
        out.println("==> marks a xenbus state change (the value written to the end's \"state\" key)");
        out.print(Timeline.all(DOMAINS).render(shown(r.handshake(), all)));
        out.println();
        BlkDemo.Restart restart = r.restart();
        out.println("== backend restart (toolstack removeBackend + restoreBackend, as a driver domain restart) with "
                + restart.writes() + " writes of " + BlkDemo.RESTART_BYTES / 1024 + " KiB submitted after dom0 tore "
                + "the backend down, before the guest noticed");
        out.println("Linux 6.1's blkfront does not reconnect on its own: it recovers through its resume path, "
                + "blkfront_resume -> blkif_recover");
        out.println("(the ring requests, the state changes and the drivers' messages; --all shows every event)");
        out.print(Timeline.all(DOMAINS).render(all ? restart.trace() : restart.trace().stream()
                .filter(BlkDemoOutput::recoveryStory).toList()));
        out.println();
        out.println("restart: " + restart.completedBeforeRestore() + " of " + restart.writes()
                + " writes had completed when the backend came back; " + restart.completedOnce() + " of "
                + restart.writes()
                + " completed exactly once with OK; the image file " + (restart.imageHoldsAll()
                ? "holds every one of them" : "DOES NOT hold all of them"));
        out.println();
        out.println(summary(r));
    }

    private static List<TraceEvent> shown(List<TraceEvent> events, boolean all) {
        return all ? events : events.stream().filter(DemoCommand::teaching).toList();
    }

    /** The restart without its xenstore and grant traffic: what the rings carried, who changed state, and why. */
    private static boolean recoveryStory(TraceEvent e) {
        return switch (e.kind()) {
            case RING, STATE, INFO, DOMAIN -> true;
            default -> false;
        };
    }

    private static void printNegotiated(PrintWriter out, BlkDemo.Negotiated n) {
        BlkfrontFeatures f = n.features();
        out.println("== negotiated (what blkfront chose of what blkback offers)");
        out.println("disk: " + n.sectors() + " sectors of " + n.sectorSize() + " bytes (physical "
                + n.physicalSectorSize() + ")");
        out.println("ring-page-order: " + n.ringPageOrder() + " (" + (1 << n.ringPageOrder()) + " page(s) per ring)");
        out.println("queues: " + n.queues());
        out.println("persistent grants: " + onOff(f.persistent()));
        out.println("indirect descriptors: " + (f.maxIndirectSegments() > 0 ? "up to " + f.maxIndirectSegments()
                + " segments per request" : "off (" + f.maxSegmentsPerRequest() + " segments over two slots)"));
        out.println("flush: " + (!f.flush() ? "off" : f.fua() ? "BLKIF_OP_WRITE_BARRIER" : "BLKIF_OP_FLUSH_DISKCACHE")
                + "; FUA writes: " + (!f.flush() ? "plain writes" : f.fua() ? "barriers" : "writes carried by "
                + "BLKIF_OP_FLUSH_DISKCACHE"));
        out.println("discard: " + (f.discard() ? "on (granularity " + f.discardGranularity() + " bytes, alignment "
                + f.discardAlignment() + ", secure " + onOff(f.secureDiscard()) + ")" : "off"));
        out.println("bounce buffers: " + onOff(f.bounce()));
    }

    private static String onOff(boolean on) {
        return on ? "on" : "off";
    }

    static String summary(BlkDemo.Result r) {
        long ok = r.operations().stream().filter(o -> o.status().ok()).count();
        long requests = r.operations().stream().mapToLong(o -> o.ring().size()).sum();
        BlkDemo.Restart restart = r.restart();
        return "summary: " + BlkDemo.VDEV + " connected; " + ok + " of " + r.operations().size()
                + " operations OK in " + requests + " ring requests; backend restarted, blkif_recover ran "
                + restart.recoveries() + " time(s); " + restart.completedOnce() + " of " + restart.writes()
                + " in-flight writes completed exactly once" + (restart.imageHoldsAll() ? " and are in the image"
                : ", NOT all in the image") + "; vbd removed; no grants, ports, mappings or watches left";
    }
}
