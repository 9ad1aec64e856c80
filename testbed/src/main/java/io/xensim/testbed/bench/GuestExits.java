package io.xensim.testbed.bench;

import io.xensim.xenbus.Domain;
import io.xensim.xenbus.event.EventChannelOps;
import io.xensim.xenbus.event.Evtchn;
import io.xensim.xenbus.event.PortStatus;

/**
 * What a PV-on-HVM guest costs the hypervisor, read off its event-channel ports: every {@code EVTCHNOP_send} the
 * guest makes is a hypercall, so a VM exit (to Xen only, no device model), and every upcall run for one of its ports
 * is one injection of Xen's callback vector. Grant entries are plain writes to the guest's own shared grant frames
 * (no hypercall), so netfront and blkfront, which only grant and end access, add no other exits; the grant copies
 * and maps are dom0's hypercalls, not the guest's.
 *
 * <p>Counts are the sums over the guest's ports of {@link PortStatus#sent()} and {@link PortStatus#delivered()},
 * the xenstore port included (idle while a workload runs). Take a {@link #snapshot} before and after a workload
 * and subtract.
 *
 * <p><b>Threading:</b> the port counters are atomics; call from the guest's executor or, in INVOKER mode, from the
 * thread that steps the hypervisor.
 *
 * <p><b>Reference:</b> Linux 6.1 {@code drivers/xen/events/events_base.c} ({@code notify_remote_via_irq}: one
 * {@code EVTCHNOP_send} per notification), {@code drivers/xen/grant-table.c} (v1 entries written in place).
 */
public final class GuestExits {
    /** Ports scanned: more than a guest with a few vifs and vbds and their queues ever opens here. */
    static final int PORTS_SCANNED = 256;

    /** Event sends (exits) and upcalls (injections) of one guest at one moment. */
    public record Snapshot(long sends, long upcalls) {
        public Snapshot minus(Snapshot before) {
            return new Snapshot(sends - before.sends, upcalls - before.upcalls);
        }
    }

    private GuestExits() {
    }

    /**
     * The guest's event sends and upcalls so far, over its open ports (a closed port's counters are zeroed, so
     * the scan stops once it has seen them all).
     */
    public static Snapshot snapshot(Domain guest) {
        EventChannelOps ops = guest.eventChannels();
        int open = ops.openPorts();
        int seen = 0;
        long sends = 0;
        long upcalls = 0;
        for (int port = 1; port < PORTS_SCANNED && seen < open; port++) {
            PortStatus status = ops.status(port);
            if (status.status() != Evtchn.EVTCHNSTAT_closed) {
                seen++;
                sends += status.sent();
                upcalls += status.delivered();
            }
        }
        return new Snapshot(sends, upcalls);
    }
}
