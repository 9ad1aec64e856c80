package io.xensim.xenbus.attach;

/**
 * What the attach server undid when an outside process went away (its last connection closed: the process closed
 * its handles or died). Reported to {@link AttachServer#onDetach} listeners.
 *
 * @param pid             the process ({@code SO_PEERCRED}), 0 when unknown
 * @param domid           the domain it acted as
 * @param mapsOutstanding grant mappings it still held, unmapped by the server
 * @param sharesRevoked   pages it had shared and not unshared, revoked by the server
 * @param portsClosed     event-channel ports it had bound and not unbound, closed by the server
 */
public record Detached(int pid, int domid, int mapsOutstanding, int sharesRevoked, int portsClosed) {
}
