package io.xensim.xenbus.store.server;

import static io.xensim.xenbus.store.server.RequestFailure.fail;
import static io.xensim.xenbus.store.wire.XsError.EAGAIN;
import static io.xensim.xenbus.store.wire.XsError.EBUSY;
import static io.xensim.xenbus.store.wire.XsError.EINVAL;
import static io.xensim.xenbus.store.wire.XsError.ENOENT;
import static io.xensim.xenbus.store.wire.XsError.ENOMEM;

import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsPayloads;
import io.xensim.xenbus.store.wire.XsType;

/**
 * Node access as a request sees it, inside or outside a transaction, and the transaction requests: C's
 * {@code read_node()}/{@code write_node()}/{@code access_node()} and xenstored_transaction.c.
 *
 * <p>Outside a transaction, reads and writes go to the {@link NodeStore}. Inside one, a node's first read takes
 * a copy of the committed node (and its generation, checked at commit); writes and deletes change only the
 * transaction's copy. Commit ({@code XS_TRANSACTION_END} with {@code T}) fails with ENOMEM if an operation inside
 * failed half way, ENOSPC if a domain would own too many nodes, EAGAIN if a node read inside changed outside;
 * otherwise it writes every modified node with a fresh generation and fires the queued watch events.
 *
 * <p><b>Threading:</b> confined to xenstored's executor.
 *
 * <p><b>Reference:</b> C xenstored_transaction.c ({@code access_node()}, {@code do_transaction_start()},
 * {@code do_transaction_end()}, {@code finalize_transaction()}, {@code transaction_fix_domains()}).
 */
final class Transactions {
    private final NodeStore store;
    private final Quotas quotas;
    private final Watches watches;

    Transactions(NodeStore store, Quotas quotas, Watches watches) {
        this.store = store;
        this.quotas = quotas;
        this.watches = watches;
    }

    /** The node as this request sees it; inside a transaction, the transaction's copy (C {@code read_node()}). */
    NodeRecord read(Request r, String name) {
        Transaction tx = r.tx;
        if (tx == null) {
            return store.get(name);
        }
        Transaction.Accessed a = tx.accessed(name);
        if (a != null) {
            return a.node();
        }
        quotas.checkTransactionNodes(r);
        NodeRecord global = store.get(name);
        tx.touch(name, new Transaction.Accessed(global,
                global == null ? NodeRecord.NO_GENERATION : global.generation(), true,
                global == null ? null : global.perms()));
        return global;
    }

    void write(Request r, String name, NodeRecord rec) {
        if (r.tx == null) {
            store.put(name, rec);
            return;
        }
        modified(r, name).write(rec);
    }

    void delete(Request r, String name) {
        store.nextGeneration();
        if (r.tx == null) {
            store.remove(name);
            return;
        }
        modified(r, name).write(null);
    }

    /** The transaction's record of {@code name}, created on first touch (within the quota). */
    private Transaction.Accessed modified(Request r, String name) {
        Transaction.Accessed a = r.tx.accessed(name);
        if (a == null) {
            quotas.checkTransactionNodes(r);
            a = new Transaction.Accessed(null, NodeRecord.NO_GENERATION, false, null);
            r.tx.touch(name, a);
        }
        return a;
    }

    /** C {@code do_transaction_start()}. */
    XsMessage doTransactionStart(Request r) {
        // "We don't support nested transactions."
        if (r.tx != null) {
            throw fail(EBUSY);
        }
        quotas.checkTransactionStart(r, r.conn.transactionCount());
        Transaction tx = r.conn.openTransaction(store.nextGeneration());
        return r.reply(XsType.XS_TRANSACTION_START, XsPayloads.strings(Integer.toUnsignedString(tx.id)));
    }

    /** C {@code do_transaction_end()} and {@code finalize_transaction()}. */
    XsMessage doTransactionEnd(Request r) {
        String arg = XsPayloads.oneArg(r.payload());
        if (arg == null || !(arg.equals("T") || arg.equals("F"))) {
            throw fail(EINVAL);
        }
        Transaction tx = r.tx;
        if (tx == null) {
            throw fail(ENOENT);
        }
        r.conn.endTransaction(tx);
        if (arg.equals("T")) {
            commit(tx);
        }
        return r.ack(XsType.XS_TRANSACTION_END);
    }

    private void commit(Transaction tx) {
        if (tx.failed()) {
            throw fail(ENOMEM);
        }
        quotas.checkCommitNodes(tx);
        for (var e : tx.accessedNodes()) {
            Transaction.Accessed a = e.getValue();
            if (a.checkGeneration) {
                NodeRecord now = store.get(e.getKey());
                long gen = now == null ? NodeRecord.NO_GENERATION : now.generation();
                if (gen != a.generation) {
                    throw fail(EAGAIN);
                }
            }
        }
        for (var e : tx.accessedNodes()) {
            Transaction.Accessed a = e.getValue();
            if (a.modified()) {
                NodeRecord n = a.node();
                if (n != null) {
                    store.put(e.getKey(), new NodeRecord(n.data(), n.perms(), n.children(), store.nextGeneration()));
                } else {
                    store.remove(e.getKey());
                }
            }
        }
        for (var e : tx.accessedNodes()) {
            Transaction.Accessed a = e.getValue();
            if (a.fireWatch()) {
                watches.fireGlobal(e.getKey(), null, a.watchExact(), a.originalPerms);
            }
        }
    }
}
