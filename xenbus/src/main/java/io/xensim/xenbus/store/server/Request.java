package io.xensim.xenbus.store.server;

import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsPayloads;
import io.xensim.xenbus.store.wire.XsType;

/**
 * One request being answered: the connection, its transaction if {@code tx_id} named one, and the message (C's
 * {@code conn->in} and {@code conn->transaction}). Handlers build their reply with {@link #reply} or {@link #ack}
 * and return it; the dispatcher sends it.
 *
 * <p>{@link #INTERNAL} stands for xenstored's own node operations (a released domain's nodes), which run with no
 * connection, like C's {@code conn == NULL}: privileged, outside any transaction.
 *
 * <p><b>Threading:</b> confined to xenstored's executor.
 *
 * <p><b>Reference:</b> C xenstored_core.c keeps the request in {@code conn->in} and its transaction in
 * {@code conn->transaction} while {@code process_message()} runs.
 */
final class Request {
    static final Request INTERNAL = new Request(null, null, null);

    final XsConnection conn;
    final Transaction tx;
    final XsMessage msg;
    /** An event to send right after the reply (the one a new watch fires at once), or null. */
    private XsMessage eventAfterReply;

    Request(XsConnection conn, Transaction tx, XsMessage msg) {
        this.conn = conn;
        this.tx = tx;
        this.msg = msg;
    }

    int domid() {
        return conn == null ? 0 : conn.info().domid();
    }

    /** C {@code domain_is_unprivileged(conn)}: quotas and permission checks apply. */
    boolean unprivileged() {
        return conn != null && !conn.info().privileged();
    }

    byte[] payload() {
        return msg.payload();
    }

    XsMessage reply(XsType type, byte[] payload) {
        return new XsMessage(type.code(), msg.reqId(), msg.txId(), payload);
    }

    /** C {@code send_ack()}: {@code "OK\0"}. */
    XsMessage ack(XsType type) {
        return reply(type, XsPayloads.ok());
    }

    void sendAfterReply(XsMessage event) {
        this.eventAfterReply = event;
    }

    XsMessage eventAfterReply() {
        return eventAfterReply;
    }
}
