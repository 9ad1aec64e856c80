package io.xensim.xenbus.event;

import static io.xensim.xenbus.XenErrno.XEN_EINVAL;
import static io.xensim.xenbus.XenErrno.XEN_ENOSPC;
import static io.xensim.xenbus.XenErrno.XEN_ESRCH;
import static io.xensim.xenbus.event.Evtchn.EVTCHNSTAT_closed;
import static io.xensim.xenbus.event.Evtchn.EVTCHNSTAT_interdomain;
import static io.xensim.xenbus.event.Evtchn.EVTCHNSTAT_unbound;
import static io.xensim.xenbus.event.Evtchn.EVTCHN_2L_NR_CHANNELS;

import io.xensim.xenbus.Domid;
import io.xensim.xenbus.NanoClock;
import io.xensim.xenbus.trace.TraceEvent;
import io.xensim.xenbus.trace.Tracer;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The hypervisor's event channels: a port table per domain, the bindings between ports of different domains,
 * and the pending and mask bits (the 2-level ABI: up to {@code EVTCHN_2L_NR_CHANNELS} ports per domain, port 0
 * reserved).
 *
 * <p>An event is one bit. {@code send} sets the remote port's pending bit; only a 0→1 transition on an unmasked
 * port schedules an upcall, so sends while pending coalesce into one delivery, as in Xen. The upcall runs on the
 * receiving domain's executor and clears the pending bit before calling the handler (as a guest clears pending
 * before scanning), so an event raised during the handler schedules another upcall and is never lost.
 *
 * <p><b>Threading:</b> binding, closing and domain (un)registration are serialised by this object's lock; send,
 * mask, unmask and delivery touch only a port's volatile and atomic fields, so two domains can signal each other
 * from their own threads without contending on a lock.
 */
public final class EventChannels {
    private final Map<Integer, PortTable> tables = new ConcurrentHashMap<>();
    private final Tracer tracer;
    private final NanoClock clock;
    private volatile SendFilter sendFilter = SendFilter.NONE;

    public EventChannels(Tracer tracer, NanoClock clock) {
        this.tracer = Objects.requireNonNull(tracer, "tracer");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** Creates the port table of a new domain whose upcalls run on {@code executor}; returns its hypercall view. */
    public synchronized EventChannelOps register(int domid, Executor executor) {
        PortTable table = new PortTable(domid, Objects.requireNonNull(executor, "executor"));
        if (tables.putIfAbsent(domid, table) != null) {
            throw new IllegalStateException("domid: " + domid + " (already has a port table)");
        }
        return table;
    }

    /** Installs the fault-injection hook every interdomain send passes ({@link SendFilter#NONE} to remove it). */
    public void sendFilter(SendFilter filter) {
        this.sendFilter = Objects.requireNonNull(filter, "filter");
    }

    /** The domain is gone: every port is closed, and interdomain peers go back to unbound. */
    public synchronized void unregister(int domid) {
        PortTable table = tables.remove(domid);
        if (table == null) {
            return;
        }
        for (Port port : table.ports) {
            if (port != null && port.state != EVTCHNSTAT_closed) {
                closeLocked(port);
            }
        }
    }

    private static final class Port {
        final PortTable table;
        final int number;
        volatile int state = EVTCHNSTAT_closed;
        volatile int remoteDomid = -1;
        volatile Port peer;
        volatile EventHandler handler;
        volatile boolean masked;
        final AtomicBoolean pending = new AtomicBoolean();
        final AtomicLong sent = new AtomicLong();
        final AtomicLong delivered = new AtomicLong();

        Port(PortTable table, int number) {
            this.table = table;
            this.number = number;
        }

        void reset() {
            state = EVTCHNSTAT_closed;
            remoteDomid = -1;
            peer = null;
            handler = null;
            masked = false;
            pending.set(false);
            sent.set(0);
            delivered.set(0);
        }
    }

    private final class PortTable implements EventChannelOps {
        final int domid;
        final Executor executor;
        volatile Port[] ports = new Port[64]; // grown under the EventChannels lock

        PortTable(int domid, Executor executor) {
            this.domid = domid;
            this.executor = executor;
        }

        Port port(int number) {
            Port[] current = ports;
            if (number <= 0 || number >= current.length) {
                return null;
            }
            Port port = current[number];
            return port == null || port.state == EVTCHNSTAT_closed ? null : port;
        }

        /** The lowest free port, as Xen's get_free_port picks it; caller holds the EventChannels lock. */
        Port newPort() {
            Port[] current = ports;
            for (int n = 1; n < current.length; n++) {
                if (current[n] == null) {
                    current[n] = new Port(this, n);
                }
                if (current[n].state == EVTCHNSTAT_closed) {
                    current[n].reset();
                    return current[n];
                }
            }
            if (current.length >= EVTCHN_2L_NR_CHANNELS) {
                return null;
            }
            Port[] grown = Arrays.copyOf(current, Math.min(current.length * 2, EVTCHN_2L_NR_CHANNELS));
            int n = current.length;
            grown[n] = new Port(this, n);
            ports = grown;
            return grown[n];
        }

        @Override
        public int allocUnbound(int remoteDomid) {
            int remote = remoteDomid == Domid.DOMID_SELF ? domid : remoteDomid;
            if (!Domid.isRegular(remote)) {
                return -XEN_EINVAL;
            }
            int result;
            synchronized (EventChannels.this) {
                if (tables.get(domid) != this) {
                    return -XEN_ESRCH;
                }
                Port port = newPort();
                if (port == null) {
                    return -XEN_ENOSPC;
                }
                port.remoteDomid = remote;
                port.state = EVTCHNSTAT_unbound;
                result = port.number;
            }
            trace("alloc_unbound remote d" + remote + " -> port " + result);
            return result;
        }

        @Override
        public int bindInterdomain(int remoteDomid, int remotePort) {
            int remote = remoteDomid == Domid.DOMID_SELF ? domid : remoteDomid;
            Port local;
            synchronized (EventChannels.this) {
                PortTable remoteTable = tables.get(remote);
                if (remoteTable == null || tables.get(domid) != this) {
                    return -XEN_ESRCH;
                }
                Port peer = remoteTable.port(remotePort);
                if (peer == null || peer.state != EVTCHNSTAT_unbound || peer.remoteDomid != domid) {
                    return -XEN_EINVAL;
                }
                local = newPort();
                if (local == null) {
                    return -XEN_ENOSPC;
                }
                local.remoteDomid = remote;
                local.peer = peer;
                local.state = EVTCHNSTAT_interdomain;
                peer.remoteDomid = domid;
                peer.peer = local;
                peer.state = EVTCHNSTAT_interdomain;
            }
            trace("bind_interdomain d" + remote + " port " + remotePort + " -> port " + local.number);
            // Xen marks the new local port pending, covering a send made before the bind.
            raise(local);
            return local.number;
        }

        @Override
        public int send(int number) {
            Port port = port(number);
            if (port == null) {
                return -XEN_EINVAL;
            }
            port.sent.incrementAndGet();
            Port peer = port.peer;
            if (port.state != EVTCHNSTAT_interdomain || peer == null) {
                return 0; // unbound: Xen drops the event silently
            }
            if (!sendFilter.deliver(domid, number, peer.table.domid, peer.number)) {
                trace("send port " + number + " -> d" + peer.table.domid + " port " + peer.number
                        + " dropped (fault injection)");
                return 0;
            }
            if (tracer.enabled()) {
                trace("send port " + number + " -> d" + peer.table.domid + " port " + peer.number);
            }
            raise(peer);
            return 0;
        }

        @Override
        public int close(int number) {
            synchronized (EventChannels.this) {
                Port port = port(number);
                if (port == null) {
                    return -XEN_EINVAL;
                }
                closeLocked(port);
            }
            trace("close port " + number);
            return 0;
        }

        @Override
        public int mask(int number) {
            Port port = port(number);
            if (port == null) {
                return -XEN_EINVAL;
            }
            port.masked = true;
            return 0;
        }

        @Override
        public int unmask(int number) {
            Port port = port(number);
            if (port == null) {
                return -XEN_EINVAL;
            }
            port.masked = false;
            if (port.pending.get()) {
                schedule(port);
            }
            return 0;
        }

        @Override
        public int bindHandler(int number, EventHandler handler) {
            Port port = port(number);
            if (port == null) {
                return -XEN_EINVAL;
            }
            port.handler = Objects.requireNonNull(handler, "handler");
            if (port.pending.get() && !port.masked) {
                schedule(port);
            }
            return 0;
        }

        @Override
        public PortStatus status(int number) {
            Port port = port(number);
            if (port == null) {
                return new PortStatus(EVTCHNSTAT_closed, -1, -1, 0, 0, false, false);
            }
            Port peer = port.peer;
            return new PortStatus(port.state, port.remoteDomid, peer == null ? -1 : peer.number, port.sent.get(),
                    port.delivered.get(), port.pending.get(), port.masked);
        }

        @Override
        public int openPorts() {
            int open = 0;
            for (Port port : ports) {
                if (port != null && port.state != EVTCHNSTAT_closed) {
                    open++;
                }
            }
            return open;
        }

        void trace(String detail) {
            if (tracer.enabled()) {
                tracer.record(new TraceEvent(clock.nanoTime(), domid, "", TraceEvent.Kind.EVENT_CHANNEL, detail));
            }
        }
    }

    private void closeLocked(Port port) {
        Port peer = port.peer;
        if (port.state == EVTCHNSTAT_interdomain && peer != null) {
            peer.peer = null;
            peer.remoteDomid = port.table.domid;
            peer.state = EVTCHNSTAT_unbound;
        }
        port.reset();
    }

    /** Sets the pending bit; schedules the upcall on a 0→1 transition of an unmasked port. */
    private void raise(Port port) {
        if (port.pending.compareAndSet(false, true) && !port.masked) {
            schedule(port);
        }
    }

    private void schedule(Port port) {
        port.table.executor.execute(() -> deliver(port));
    }

    /** Runs on the receiving domain's executor. */
    private static void deliver(Port port) {
        EventHandler handler = port.handler;
        if (port.state == EVTCHNSTAT_closed || port.masked || handler == null) {
            return; // stays pending: unmask or bindHandler delivers it later
        }
        // Clear pending before the handler runs, so an event raised meanwhile schedules a new upcall.
        if (!port.pending.compareAndSet(true, false)) {
            return;
        }
        port.delivered.incrementAndGet();
        handler.onEvent(port.number);
    }
}
