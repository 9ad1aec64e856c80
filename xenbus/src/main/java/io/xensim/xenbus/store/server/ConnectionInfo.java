package io.xensim.xenbus.store.server;

import java.util.Objects;

/**
 * Who is on the other end of a xenstored connection.
 *
 * <p>{@code domid} is the domain the connection acts for: its implicit path {@code /local/domain/<domid>} for
 * relative paths, the owner of nodes it creates when unprivileged, and the account its quotas are charged to.
 * {@code privileged} connections bypass every permission check and quota, as C xenstored's socket connections and
 * dom0's ring do ({@code domain_is_unprivileged()} is false for them). {@code label} is for logs only.
 */
public record ConnectionInfo(int domid, boolean privileged, String label) {
    public ConnectionInfo {
        if (domid < 0 || domid > 0xffff) {
            throw new IllegalArgumentException("domid: " + domid + " (expected: 0..65535)");
        }
        Objects.requireNonNull(label, "label");
    }

    /** A dom0 (privileged) connection, like a process on the Unix socket. */
    public static ConnectionInfo dom0(String label) {
        return new ConnectionInfo(0, true, label);
    }

    /** A guest domain's connection: privileged only for dom0. */
    public static ConnectionInfo domain(int domid, String label) {
        return new ConnectionInfo(domid, domid == 0, label);
    }
}
