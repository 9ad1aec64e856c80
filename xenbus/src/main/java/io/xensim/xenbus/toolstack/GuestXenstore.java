package io.xensim.xenbus.toolstack;

import io.xensim.xenbus.Domain;
import io.xensim.xenbus.store.client.XsClient;
import io.xensim.xenbus.store.server.ConnectionInfo;
import java.util.concurrent.CompletableFuture;

/**
 * How a new guest reaches xenstore, and how the toolstack introduces it: the hook between domain creation and the
 * transport. {@link #IN_PROCESS} connects an in-process {@link XsClient} and introduces the domain directly
 * (firing {@code @introduceDomain}); a ring transport sets up the guest's {@code xenstore_domain_interface} page and
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

    /** An in-process connection: the guest's requests go straight to xenstored's connection object. */
    GuestXenstore IN_PROCESS = (toolstack, guest) -> {
        XsClient client = XsClient.connect(toolstack.xenstored(),
                ConnectionInfo.domain(guest.domid(), "d" + guest.domid() + " in-process"), guest.executor());
        return toolstack.xenstored().introduceDomain(guest.domid()).thenApply(v -> client);
    };
}
