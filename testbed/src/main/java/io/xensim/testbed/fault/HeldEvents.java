package io.xensim.testbed.fault;

import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.event.SendFilter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Delayed event-channel notifications: every send on one of the watched guest ports (the guest sending on it, or
 * its peer sending to it) is held instead of delivered, and {@link #release()} delivers what was held so far, in
 * the order it was sent, by sending it again from the same port (an event channel carries no payload but its
 * pending bit, so a late send is the same notification, only later). Sends made while releasing are held for the
 * next release: with a release every {@code D} of simulated time each notification arrives about {@code D} late,
 * as on a host whose event delivery lags (a busy or descheduled vCPU).
 *
 * <p><b>Threading:</b> {@link #deliver} runs on the sending domain's thread; {@link #release()} on the stepping
 * thread (INVOKER mode: the same thread), which queues each resend on its sender's executor.
 */
final class HeldEvents implements SendFilter {
    /** One guest end of an event channel: {@code domid << 32 | port}. */
    static long end(int domid, int port) {
        return (long) domid << 32 | port & 0xffffffffL;
    }

    private record Held(int fromDomid, int fromPort) {
    }

    private final Hypervisor hv;
    private final Set<Long> ends;
    private final List<Held> held = new ArrayList<>();
    private final ThreadLocal<Boolean> resending = ThreadLocal.withInitial(() -> false);
    private int heldTotal;

    HeldEvents(Hypervisor hv, Set<Long> ends) {
        this.hv = hv;
        this.ends = Set.copyOf(ends);
    }

    @Override
    public synchronized boolean deliver(int fromDomid, int fromPort, int toDomid, int toPort) {
        if (resending.get() || !(ends.contains(end(fromDomid, fromPort)) || ends.contains(end(toDomid, toPort)))) {
            return true;
        }
        held.add(new Held(fromDomid, fromPort));
        heldTotal++;
        return false;
    }

    /** Sends everything held so far again, in order, each on its sender's executor; returns how many. */
    int release() {
        List<Held> now;
        synchronized (this) {
            now = List.copyOf(held);
            held.clear();
        }
        for (Held h : now) {
            var domain = hv.requireDomain(h.fromDomid());
            domain.executor().execute(() -> {
                resending.set(true);
                try {
                    domain.eventChannels().send(h.fromPort());
                } finally {
                    resending.set(false);
                }
            });
        }
        return now.size();
    }

    /** Notifications held so far in all, released or not. */
    synchronized int heldTotal() {
        return heldTotal;
    }

    /** Notifications held and not yet released. */
    synchronized int waiting() {
        return held.size();
    }
}
