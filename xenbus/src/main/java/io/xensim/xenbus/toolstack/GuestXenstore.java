package io.xensim.xenbus.toolstack;

import io.xensim.xenbus.Domain;
import io.xensim.xenbus.Domid;
import io.xensim.xenbus.grant.GrantEntryV1;
import io.xensim.xenbus.store.client.XsClient;
import io.xensim.xenbus.store.server.ConnectionInfo;
import io.xensim.xenbus.trace.TraceEvent;
import java.util.concurrent.CompletableFuture;

/**
 * How a new guest reaches xenstore, and how the toolstack introduces it: the hook between domain creation and the
 * transport. {@link #IN_PROCESS} connects an in-process {@link XsClient} and introduces the domain directly
 * (firing {@code @introduceDomain}); {@link #RING} sets up the guest's {@code xenstore_domain_interface} page and
 * event channel, sends {@code XS_INTRODUCE} from dom0, and returns a client speaking the wire protocol over the ring.
 *
 * <p><b>Threading:</b> called on the caller of {@link Toolstack#createDomain}; the client's callbacks must run on
 * the guest's executor.
 */
@FunctionalInterface
public interface GuestXenstore {
    /**
     * Connects {@code guest}'s xenstore client and introduces the domain to xenstored; completes with the client
     * once the introduction is done.
     */
    CompletableFuture<XsClient> attach(Toolstack toolstack, Domain guest);

    /**
     * The guest's own xenstore ring, as on real Xen: the toolstack takes a frame of the guest's memory for the
     * {@code xenstore_domain_interface} page (what HVM_PARAM_STORE_PFN names), grants it to dom0 through the
     * reserved ref {@code GNTTAB_RESERVED_XENSTORE}, allocates an unbound port for dom0 (HVM_PARAM_STORE_EVTCHN),
     * and sends {@code XS_INTRODUCE}; xenstored maps the page and binds the port. The guest's client then speaks
     * the wire bytes over that ring. This is the default.
     */
    GuestXenstore RING = (toolstack, guest) -> toolstack.ringServer().setUpGuest(guest).thenApply(ring -> {
        toolstack.hypervisor().trace(Domid.DOM0, "", TraceEvent.Kind.DOMAIN, "XS_INTRODUCE dom" + guest.domid()
                + ": xenstore ring page gfn 0x" + Long.toHexString(ring.gfn()) + " granted to dom0 as ref "
                + GrantEntryV1.GNTTAB_RESERVED_XENSTORE + ", event channel port " + ring.port()
                + "; xenstored mapped the page and bound the port");
        return ring.client();
    });

    /** An in-process connection: the guest's requests go straight to xenstored's connection object. */
    GuestXenstore IN_PROCESS = (toolstack, guest) -> {
        XsClient client = XsClient.connect(toolstack.xenstored(),
                ConnectionInfo.domain(guest.domid(), "d" + guest.domid() + " in-process"), guest.executor());
        return toolstack.xenstored().introduceDomain(guest.domid()).thenApply(v -> client);
    };
}
