package io.xensim.xenbus.store.server;

import io.xensim.xenbus.store.wire.XsMessage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live connections, C's {@code connections} list, in the order they attached (the order watch events are
 * sent in); sending to them, and dropping one with everything it holds (C {@code ignore_connection()},
 * {@code conn_delete_all_watches()}, {@code conn_delete_all_transactions()}).
 *
 * <p>A sink that throws is the transport's failure, not the peer's: the connection is dropped and logged, and
 * xenstored goes on.
 *
 * <p><b>Threading:</b> confined to xenstored's executor.
 *
 * <p><b>Reference:</b> C xenstored_core.c ({@code connections}, {@code ignore_connection()}) and
 * xenstored_watch.c ({@code conn_delete_all_watches()}), xenstored_transaction.c
 * ({@code conn_delete_all_transactions()}).
 */
final class Connections {
    private static final Logger LOG = LoggerFactory.getLogger(Connections.class);

    private final Set<XsConnection> all = new LinkedHashSet<>();
    private final WatchIndex<XsConnection> watchIndex = new WatchIndex<>(XsConnection::order);
    private long registrations; // numbers the connections in attach order (XsConnection.order)
    private final DomainTable domains;

    Connections(DomainTable domains) {
        this.domains = domains;
    }

    /** Adds a connection at its first task (idempotent; a connection already closed stays out). */
    void register(XsConnection c) {
        if (c.markRegistered()) {
            c.order(registrations++);
            all.add(c);
            domains.connected(c.info().domid());
        }
    }

    /** Drops a connection's watches and transactions; tells the sink if xenstored is the one closing. */
    void disconnect(XsConnection c, String reason) {
        if (!c.markCleanedUp()) {
            return;
        }
        if (all.remove(c)) {
            domains.disconnected(c.info().domid());
        }
        deleteAllWatches(c);
        c.clearTransactions();
        if (reason != null) {
            LOG.info("{}: closed by xenstored: {}", c, reason);
            c.closeSink(reason);
        }
    }

    /** C {@code conn_delete_all_watches()}, with the domain's watch count and memory given back. */
    void deleteAllWatches(XsConnection c) {
        int domid = c.info().domid();
        for (Watch w : c.clearWatches()) {
            watchIndex.removed(c, w);
            domains.watchRemoved(domid, w.memory());
        }
    }

    void send(XsConnection c, XsMessage m) {
        if (!c.deliver(m)) {
            disconnect(c, "sink failed");
        }
    }

    int size() {
        return all.size();
    }

    Iterable<XsConnection> all() {
        return Collections.unmodifiableSet(all);
    }

    /** A snapshot of the unprivileged connections of {@code domid}. */
    List<XsConnection> ofDomain(int domid) {
        List<XsConnection> out = new ArrayList<>();
        for (XsConnection c : all) {
            if (c.info().domid() == domid && !c.info().privileged()) {
                out.add(c);
            }
        }
        return out;
    }

    /** {@code w} was added to {@code c}'s watches. */
    void watchAdded(XsConnection c, Watch w) {
        watchIndex.added(c, w);
    }

    /** {@code w} was removed from {@code c}'s watches. */
    void watchRemoved(XsConnection c, Watch w) {
        watchIndex.removed(c, w);
    }

    /**
     * The watches matching a change of {@code name} ({@code exact}: only watches on {@code name} itself), by
     * connection in connection order, each connection's in registration order (see {@link WatchIndex}). A
     * connection left out has no watch that could match: C {@code fire_watches()} visits it and sends nothing.
     */
    List<WatchIndex.Match<XsConnection>> watchesMatching(String name, boolean exact) {
        List<WatchIndex.Match<XsConnection>> matches = watchIndex.matches(name, exact);
        if (!matches.isEmpty()) {
            matches.removeIf(m -> !all.contains(m.connection()));
        }
        return matches;
    }
}
