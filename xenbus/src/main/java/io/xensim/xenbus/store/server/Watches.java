package io.xensim.xenbus.store.server;

import static io.xensim.xenbus.store.server.RequestFailure.fail;
import static io.xensim.xenbus.store.wire.XsError.EEXIST;
import static io.xensim.xenbus.store.wire.XsError.EINVAL;
import static io.xensim.xenbus.store.wire.XsError.ENOENT;

import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsPayloads;
import io.xensim.xenbus.store.wire.XsPermission;
import io.xensim.xenbus.store.wire.XsType;
import io.xensim.xenbus.store.wire.XsdSockmsg;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Watches: the WATCH, UNWATCH and RESET_WATCHES requests, and the events a change fires (C xenstored_watch.c).
 *
 * <p>A change to a node fires every watch on it or above it (a removed subtree's inner nodes only fire watches on
 * exactly their path), for each connection that may read the node, could read it before a permission change, or
 * may read its parent. Inside a transaction the change is queued and fires at commit. {@code @introduceDomain} and
 * {@code @releaseDomain} events go to the connections their special node admits.
 *
 * <p>Within one round of work (a request, or a domain release), a connection gets an identical non-special event
 * (same path and token, as two watches on {@code /a} and {@code /a/b} with one token produce for a write of
 * {@code /a/b}) only once: C's {@code send_event()} drops an event equal to one still in the connection's output
 * queue, and all events of one request are queued before any is written. (Across requests, C's check depends on
 * how fast the peer reads its socket or ring, and is not modelled.)
 *
 * <p><b>Threading:</b> confined to xenstored's executor.
 *
 * <p><b>Reference:</b> C xenstored_watch.c ({@code fire_watches()}, {@code watch_permitted()}, {@code do_watch()},
 * {@code do_unwatch()}, {@code check_watch_path()}), {@code send_event()} of xenstored_core.c, and
 * {@code check_perms_special()} of xenstored_domain.c.
 */
final class Watches {
    private final Connections connections;
    private final Permissions permissions;
    private final NodeStore store;
    private final DomainTable domains;
    private final Quotas quotas;
    /** Events sent in the current round, per connection, as "path\0token"; cleared by {@link #newRound()}. */
    private final Map<XsConnection, Set<String>> sentThisRound = new HashMap<>();

    Watches(Connections connections, Permissions permissions, NodeStore store, DomainTable domains, Quotas quotas) {
        this.connections = connections;
        this.permissions = permissions;
        this.store = store;
        this.domains = domains;
        this.quotas = quotas;
    }

    /** A new request (or domain release) begins: events sent before it no longer suppress equal ones. */
    void newRound() {
        if (!sentThisRound.isEmpty()) {
            sentThisRound.clear();
        }
    }

    /**
     * C {@code fire_watches()}: a change to {@code name} ({@code node} its new record, or null once removed;
     * {@code oldPerms} its permissions before a SET_PERMS). Inside a transaction it is queued until commit.
     */
    void fire(Request r, String name, NodeRecord node, boolean exact, List<XsPermission> oldPerms) {
        if (r.tx != null) {
            r.tx.queueWatch(name, exact);
            return;
        }
        fireGlobal(name, node, exact, oldPerms);
    }

    void fireGlobal(String name, NodeRecord node, boolean exact, List<XsPermission> oldPerms) {
        for (var match : connections.watchesMatching(name, exact)) {
            if (watchPermitted(match.connection(), name, node, oldPerms)) {
                send(match, name);
            }
        }
    }

    /** {@code @introduceDomain} and {@code @releaseDomain} events go only to connections the special node admits. */
    void fireSpecial(String name, boolean exact) {
        for (var match : connections.watchesMatching(name, exact)) {
            if (permissions.mayRead(match.connection(), permissions.specialPerms(name))) {
                send(match, name);
            }
        }
    }

    private void send(WatchIndex.Match<XsConnection> match, String name) {
        XsConnection c = match.connection();
        for (Watch w : match.watches()) {
            // A sink failing inside sendEvent disconnects c and clears its watches: the rest would go nowhere.
            if (!c.hasWatches()) {
                return;
            }
            sendEvent(c, w.eventPath(name), w.token());
        }
    }

    /** C {@code send_event()}: an event that would not fit in a message, or was sent already this round, is not. */
    private void sendEvent(XsConnection c, String path, String token) {
        var event = XsMessage.watchEvent(path, token);
        if (event.len() > XsdSockmsg.XENSTORE_PAYLOAD_MAX) {
            return;
        }
        if (!Permissions.isSpecial(path)
                && !sentThisRound.computeIfAbsent(c, k -> new HashSet<>()).add(path + '\0' + token)) {
            return;
        }
        connections.send(c, event);
    }

    /**
     * C {@code watch_permitted()}: the watcher may read the node (or could before a permission change), or may read
     * its parent (so the removal of a readable node is reported).
     */
    private boolean watchPermitted(XsConnection c, String name, NodeRecord node, List<XsPermission> oldPerms) {
        if (oldPerms != null && permissions.mayRead(c, oldPerms)) {
            return true;
        }
        if (node == null) {
            node = store.get(name);
            if (node == null) {
                return false;
            }
        }
        if (permissions.mayRead(c, node.perms())) {
            return true;
        }
        NodeRecord parent = store.get(Paths.parent(name));
        return parent != null && permissions.mayRead(c, parent.perms());
    }

    // ---- Requests ----

    /** C {@code do_watch()}; the watch fires once right after the reply. */
    XsMessage doWatch(Request r) {
        List<String> args = XsPayloads.split(r.payload());
        if (args.size() != 2) {
            throw fail(EINVAL);
        }
        String path = args.get(0);
        String token = args.get(1);
        String relativeBase = null;
        if (Permissions.isSpecial(path)) {
            if (path.length() > XsdSockmsg.XENSTORE_REL_PATH_MAX) {
                throw fail(EINVAL);
            }
        } else {
            if (!path.startsWith("/")) {
                relativeBase = Paths.domainPath(r.domid());
            }
            path = Paths.canonicalize(path, r.domid());
            if (!Paths.isValidNodename(path, quotas.config().pathMax())) {
                throw fail(EINVAL);
            }
        }
        if (r.conn.findWatch(path, token) != null) {
            throw fail(EEXIST);
        }
        var watch = new Watch(path, token, relativeBase);
        quotas.checkWatch(r, watch);
        r.conn.addWatch(watch);
        connections.watchAdded(r.conn, watch);
        domains.watchAdded(r.domid(), watch.memory());
        // "We fire once up front: simplifies clients and restart."
        var event = XsMessage.watchEvent(watch.eventPath(watch.path()), token);
        if (event.len() <= XsdSockmsg.XENSTORE_PAYLOAD_MAX) {
            r.sendAfterReply(event);
        }
        return r.ack(XsType.XS_WATCH);
    }

    /** C {@code do_unwatch()}. */
    XsMessage doUnwatch(Request r) {
        List<String> args = XsPayloads.split(r.payload());
        if (args.size() != 2) {
            throw fail(EINVAL);
        }
        String path = Paths.canonicalize(args.get(0), r.domid());
        Watch w = r.conn.removeWatch(path, args.get(1));
        if (w == null) {
            throw fail(ENOENT);
        }
        connections.watchRemoved(r.conn, w);
        domains.watchRemoved(r.domid(), w.memory());
        return r.ack(XsType.XS_UNWATCH);
    }

    /** C {@code do_reset_watches()}: the connection's watches and transactions go. */
    XsMessage doResetWatches(Request r) {
        connections.deleteAllWatches(r.conn);
        r.conn.clearTransactions();
        return r.ack(XsType.XS_RESET_WATCHES);
    }
}
