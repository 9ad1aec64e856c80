package io.xensim.xenbus.toolstack;

import io.xensim.xenbus.Domain;
import io.xensim.xenbus.bus.TracedXs;
import io.xensim.xenbus.bus.XenbusBus;
import java.util.Objects;

/**
 * A domain the toolstack runs, with what its kernel has: a xenstore connection, a frontend bus and a backend bus
 * (a guest registers frontend drivers; dom0 or a driver domain registers backend drivers).
 *
 * <p><b>Threading:</b> immutable; the buses hand their work to the domain's executor.
 */
public record ManagedDomain(Domain domain, TracedXs xs, XenbusBus frontends, XenbusBus backends) {
    public ManagedDomain {
        Objects.requireNonNull(domain, "domain");
        Objects.requireNonNull(xs, "xs");
        Objects.requireNonNull(frontends, "frontends");
        Objects.requireNonNull(backends, "backends");
    }

    public int domid() {
        return domain.domid();
    }
}
