package io.xensim.xenbus.store.server;

/**
 * The hook through which {@code XS_INTRODUCE} and {@code XS_RELEASE} reach the transport that owns guests' xenstore
 * rings: on INTRODUCE, C xenstored maps the guest's ring page and binds the event channel
 * ({@code introduce_domain()}); on RELEASE it unbinds and unmaps. The ring transport implements this and attaches a
 * connection for the guest with {@link Xenstored#connect}.
 *
 * <p><b>Threading:</b> called on xenstored's executor; must not block.
 */
public interface DomainIntroducer {
    /**
     * Attaches the ring of {@code domid} at guest frame {@code gfn} with the guest's unbound event channel
     * {@code port}. Returns false if the ring cannot be attached; the INTRODUCE then fails with {@code EINVAL}.
     * Called again for an already introduced domain (C rebinds the event channel then).
     */
    boolean introduce(int domid, long gfn, int port);

    /** Detaches the ring of an introduced domain. */
    void release(int domid);
}
