package io.xensim.xenbus.event;

/**
 * The answer of {@code EVTCHNOP_status} ({@code struct evtchn_status}) for one port, plus xensim's counters.
 *
 * @param status      an {@code EVTCHNSTAT_*} value
 * @param remoteDomid for unbound: the domain allowed to bind; for interdomain: the peer; otherwise -1
 * @param remotePort  for interdomain: the peer's port; otherwise -1
 * @param sent        sends made on this port
 * @param delivered   upcalls run for this port (several sends while pending count once)
 * @param pending     the pending bit
 * @param masked      the mask bit
 */
public record PortStatus(int status, int remoteDomid, int remotePort, long sent, long delivered, boolean pending,
        boolean masked) {
}
