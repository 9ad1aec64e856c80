package io.xensim.xenbus.event;

/**
 * The event-channel hypercalls of one domain ({@code HYPERVISOR_event_channel_op}); the caller is implicit.
 *
 * <p>Like the hypercalls, each returns a port number or 0 on success and a negative Xen errno
 * ({@code -XEN_EINVAL}, {@code -XEN_ESRCH}, {@code -XEN_ENOSPC}) on failure: a guest's bad port is a status, not
 * an exception. It is an interface so that fault-injection tests can wrap it.
 *
 * <p><b>Threading:</b> callable from any thread. Handlers run on the owning domain's executor.
 */
public interface EventChannelOps {
    /** {@code EVTCHNOP_alloc_unbound}: a new port that only {@code remoteDomid} may bind to. */
    int allocUnbound(int remoteDomid);

    /**
     * {@code EVTCHNOP_bind_interdomain}: a new port connected to {@code remotePort} of {@code remoteDomid}, which
     * must be unbound and reserved for this domain. The new port starts pending, so a send that happened before
     * the bind is not lost (Xen does the same).
     */
    int bindInterdomain(int remoteDomid, int remotePort);

    /** {@code EVTCHNOP_send}: raises the remote end. Sending on an unbound port is silently dropped, as in Xen. */
    int send(int port);

    /** {@code EVTCHNOP_close}: frees the port; an interdomain peer goes back to unbound, awaiting a new bind. */
    int close(int port);

    /** Sets the mask bit: events stay pending and no upcall runs until unmasked. */
    int mask(int port);

    /** {@code EVTCHNOP_unmask}: clears the mask and delivers the upcall if the port is pending. */
    int unmask(int port);

    /** Binds the upcall of {@code port} (Linux's {@code bind_evtchn_to_irqhandler}); a pending event is delivered. */
    int bindHandler(int port, EventHandler handler);

    /** {@code EVTCHNOP_status}, with counters; {@code status == EVTCHNSTAT_closed} for a port not in use. */
    PortStatus status(int port);

    /** Ports of this domain that are not closed. */
    int openPorts();
}
