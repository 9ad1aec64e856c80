package io.xensim.xenbus.store.server;

import static io.xensim.xenbus.store.wire.XsError.E2BIG;
import static io.xensim.xenbus.store.wire.XsError.EACCES;
import static io.xensim.xenbus.store.wire.XsError.EIO;
import static io.xensim.xenbus.store.wire.XsError.ENOENT;
import static io.xensim.xenbus.store.wire.XsError.ENOSYS;

import io.xensim.xenbus.store.wire.XsError;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsType;
import io.xensim.xenbus.store.wire.XsdSockmsg;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * C's {@code process_message()}: checks a request's type, privilege and transaction, hands it to the handler of
 * its type, and sends the reply the handler returns (or the errno it failed with) to the connection.
 *
 * <p>An unknown type is ENOSYS, a dom0-only type from an unprivileged connection EACCES, an unknown
 * {@code tx_id} ENOENT (WATCH and UNWATCH ignore {@code tx_id}, C's {@code XS_FLAG_NOTID}); a reply longer than
 * {@code XENSTORE_PAYLOAD_MAX} becomes E2BIG ({@code send_reply()}). An exception other than a
 * {@link RequestFailure} is xensim's own bug: the request gets EIO, the count of internal errors grows, and the
 * connection is served on.
 *
 * <p><b>Threading:</b> confined to xenstored's executor.
 *
 * <p><b>Reference:</b> C xenstored_core.c {@code process_message()}, {@code wire_funcs[]} and {@code send_reply()}.
 */
final class RequestDispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(RequestDispatcher.class);

    /** C's {@code XS_FLAG_PRIV} types. */
    private static final Set<XsType> PRIVILEGED_ONLY = EnumSet.of(XsType.XS_CONTROL, XsType.XS_INTRODUCE,
            XsType.XS_RELEASE, XsType.XS_IS_DOMAIN_INTRODUCED, XsType.XS_RESUME, XsType.XS_SET_TARGET);

    /**
     * The types a client may send, by wire number; null for the rest (unnamed numbers, {@code XS_WATCH_EVENT},
     * {@code XS_ERROR}, {@code XS_TYPE_COUNT}, {@code XS_INVALID}), which are ENOSYS. An array rather than
     * {@link XsType#fromCode}, whose {@code Optional} would be allocated per request.
     */
    private static final XsType[] REQUEST_TYPES = new XsType[XsType.XS_TYPE_COUNT.code()];

    static {
        for (XsType t : XsType.values()) {
            if (t.isMessageType() && t != XsType.XS_WATCH_EVENT && t != XsType.XS_ERROR) {
                REQUEST_TYPES[t.code()] = t;
            }
        }
    }

    private final Connections connections;
    private final NodeRequests nodes;
    private final Transactions transactions;
    private final Watches watches;
    private final Domains domains;
    private final Control control;
    private final AtomicInteger internalErrors;

    RequestDispatcher(Connections connections, NodeRequests nodes, Transactions transactions, Watches watches,
                      Domains domains, Control control, AtomicInteger internalErrors) {
        this.connections = connections;
        this.nodes = nodes;
        this.transactions = transactions;
        this.watches = watches;
        this.domains = domains;
        this.control = control;
        this.internalErrors = internalErrors;
    }

    /** A round of work that is not a request (a domain released through the API) begins. */
    void newRound() {
        watches.newRound();
    }

    void process(XsConnection conn, XsMessage msg) {
        connections.register(conn);
        watches.newRound();
        int code = msg.type();
        XsType type = code >= 0 && code < REQUEST_TYPES.length ? REQUEST_TYPES[code] : null;
        if (type == null) {
            sendError(conn, msg, ENOSYS);
            return;
        }
        if (!conn.info().privileged() && PRIVILEGED_ONLY.contains(type)) {
            sendError(conn, msg, EACCES);
            return;
        }
        Transaction tx = null;
        if (type != XsType.XS_WATCH && type != XsType.XS_UNWATCH && msg.txId() != 0) {
            tx = conn.transaction(msg.txId());
            if (tx == null) {
                sendError(conn, msg, ENOENT);
                return;
            }
        }
        var request = new Request(conn, tx, msg);
        XsMessage reply;
        try {
            reply = dispatch(type, request);
        } catch (RequestFailure f) {
            sendError(conn, msg, f.error);
            return;
        } catch (RuntimeException | AssertionError e) {
            // Our bug, not the client's: answer, keep serving, and say so loudly.
            internalErrors.incrementAndGet();
            LOG.error("{}: internal error on {}", conn, msg, e);
            sendError(conn, msg, EIO);
            return;
        }
        if (reply.payload().length > XsdSockmsg.XENSTORE_PAYLOAD_MAX) {
            sendError(conn, msg, E2BIG);
            return;
        }
        connections.send(conn, reply);
        XsMessage event = request.eventAfterReply();
        if (event != null) {
            connections.send(conn, event);
        }
    }

    private XsMessage dispatch(XsType type, Request r) {
        return switch (type) {
            case XS_CONTROL -> control.doControl(r);
            case XS_DIRECTORY -> nodes.doDirectory(r);
            case XS_READ -> nodes.doRead(r);
            case XS_GET_PERMS -> nodes.doGetPerms(r);
            case XS_WATCH -> watches.doWatch(r);
            case XS_UNWATCH -> watches.doUnwatch(r);
            case XS_TRANSACTION_START -> transactions.doTransactionStart(r);
            case XS_TRANSACTION_END -> transactions.doTransactionEnd(r);
            case XS_INTRODUCE -> domains.doIntroduce(r);
            case XS_RELEASE -> domains.doRelease(r);
            case XS_GET_DOMAIN_PATH -> domains.doGetDomainPath(r);
            case XS_WRITE -> nodes.doWrite(r);
            case XS_MKDIR -> nodes.doMkdir(r);
            case XS_RM -> nodes.doRm(r);
            case XS_SET_PERMS -> nodes.doSetPerms(r);
            case XS_IS_DOMAIN_INTRODUCED -> domains.doIsDomainIntroduced(r);
            case XS_RESUME -> domains.doResume(r);
            case XS_SET_TARGET -> domains.doSetTarget(r);
            case XS_RESET_WATCHES -> watches.doResetWatches(r);
            case XS_DIRECTORY_PART -> nodes.doDirectoryPart(r);
            default -> throw RequestFailure.fail(ENOSYS);   // XS_DEBUG and the like: C has no handler either
        };
    }

    private void sendError(XsConnection conn, XsMessage msg, XsError error) {
        connections.send(conn, XsMessage.error(msg.reqId(), msg.txId(), error));
    }
}
