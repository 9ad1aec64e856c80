package io.xensim.xenbus.store.socket;

import io.xensim.xenbus.Domid;
import io.xensim.xenbus.store.server.ConnectionInfo;
import java.util.Objects;

/**
 * Who the clients of one xenstored socket are, and who must hear of their requests.
 *
 * <p>{@code domid} is the domain every connection on the socket acts as. Dom0 ({@link #dom0()}) is C xenstored's
 * own socket: privileged, no permission checks and no quotas. Any other domid makes each connection an
 * unprivileged one of that guest, with its permissions, its implicit path {@code /local/domain/<domid>} and its
 * quotas, as if the guest's kernel spoke over its xenstore ring (for drivers run outside the JVM on a per-domain
 * socket).
 *
 * <p>{@code onHandOff} runs on the socket's event loop each time a connection hands xenstored work (its connect, a
 * batch of requests, its disconnect). When xenstored's executor is stepped by hand ({@link
 * io.xensim.xenbus.ThreadingMode#INVOKER}: dom0's executor inside a running host), that work waits until its owner
 * steps; this is how the owner learns that it must ({@link XenstoredStepper#wakeup()}). With an executor that runs
 * by itself it is a no-op. It must not block and must not touch xenstored.
 *
 * <p><b>Threading:</b> immutable.
 *
 * <p><b>Reference:</b> C xenstored's {@code new_connection()} (socket connections are dom0's and privileged) and
 * {@code domain_is_unprivileged()}; a guest's connection otherwise only comes from its ring ({@code introduce}).
 */
public record XenstoredSocketOptions(int domid, Runnable onHandOff) {
    private static final Runnable NOTHING = () -> { };

    public XenstoredSocketOptions {
        if (domid < 0 || domid >= Domid.DOMID_FIRST_RESERVED) {
            throw new IllegalArgumentException("domid: " + domid + " (expected: 0.."
                    + (Domid.DOMID_FIRST_RESERVED - 1) + ", below DOMID_FIRST_RESERVED)");
        }
        Objects.requireNonNull(onHandOff, "onHandOff");
    }

    /** C xenstored's socket: privileged dom0 connections, xenstored running on its own thread. */
    public static XenstoredSocketOptions dom0() {
        return new XenstoredSocketOptions(0, NOTHING);
    }

    /** A per-domain socket: connections act as guest {@code domid}, unprivileged (dom0's socket for 0). */
    public static XenstoredSocketOptions forDomain(int domid) {
        return new XenstoredSocketOptions(domid, NOTHING);
    }

    /** The same, with connections acting as {@code domid} (unprivileged unless 0). */
    public XenstoredSocketOptions actingAs(int domid) {
        return new XenstoredSocketOptions(domid, onHandOff);
    }

    /** The same, calling {@code onHandOff} after every hand-off to xenstored. */
    public XenstoredSocketOptions onHandOff(Runnable hook) {
        return new XenstoredSocketOptions(domid, hook);
    }

    /** Whether the connections bypass permissions and quotas ({@code domain_is_unprivileged()} false): dom0's. */
    public boolean privileged() {
        return domid == 0;
    }

    /** The xenstored identity of one connection on the socket. */
    ConnectionInfo connectionInfo(String label) {
        return ConnectionInfo.domain(domid, label);
    }
}
