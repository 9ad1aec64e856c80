package io.xensim.xenbus.store.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.store.ManualExecutor;
import io.xensim.xenbus.store.wire.XsError;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsPayloads;
import io.xensim.xenbus.store.wire.XsType;
import java.util.ArrayList;
import java.util.List;

/** A test client on a raw {@link XsConnection}: records everything xenstored sends it. */
final class Peer implements XsSink {
    final List<XsMessage> received = new ArrayList<>();
    String closedReason;
    XsConnection conn;
    private final ManualExecutor executor;
    private int reqId = 100;

    Peer(ManualExecutor executor) {
        this.executor = executor;
    }

    static Peer connect(Xenstored xs, ManualExecutor executor, ConnectionInfo info) {
        var p = new Peer(executor);
        p.conn = xs.connect(info, p);
        executor.runAll();
        return p;
    }

    @Override
    public void send(XsMessage message) {
        assertThat(closedReason).as("send after close").isNull();
        received.add(message);
    }

    @Override
    public void close(String reason) {
        closedReason = reason;
    }

    /** Sends one request, runs xenstored, and returns the reply to it (watch events stay in {@link #received}). */
    XsMessage call(XsType type, int tx, byte[] payload) {
        return call(type.code(), tx, payload);
    }

    XsMessage call(int type, int tx, byte[] payload) {
        int id = ++reqId;
        conn.receive(new XsMessage(type, id, tx, payload));
        executor.runAll();
        XsMessage reply = null;
        for (XsMessage m : received) {
            if (m.reqId() == id && !m.is(XsType.XS_WATCH_EVENT)) {
                reply = m;
            }
        }
        assertThat(reply).as("reply to request %d (%s)", id, XsType.nameOf(type)).isNotNull();
        assertThat(reply.txId()).as("tx_id echoed").isEqualTo(tx);
        return reply;
    }

    XsMessage call(XsType type, int tx, String... strings) {
        return call(type, tx, XsPayloads.strings(strings));
    }

    /** The reply's payload as text, or {@code "E<NAME>"} for an error reply (the table tests' expected column). */
    String ask(XsType type, int tx, String... strings) {
        return render(call(type, tx, strings));
    }

    static String render(XsMessage reply) {
        if (reply.is(XsType.XS_ERROR)) {
            return "ERR " + XsError.errstringOf(reply.payload());
        }
        return XsPayloads.text(reply.payload()).replace("\0", "|");
    }

    String write(String path, String value) {
        return render(call(XsType.XS_WRITE, 0, XsPayloads.stringThenBytes(path, XsPayloads.bytes(value))));
    }

    String write(int tx, String path, String value) {
        return render(call(XsType.XS_WRITE, tx, XsPayloads.stringThenBytes(path, XsPayloads.bytes(value))));
    }

    String read(String path) {
        return ask(XsType.XS_READ, 0, path);
    }

    int startTransaction() {
        XsMessage reply = call(XsType.XS_TRANSACTION_START, 0, "");
        assertThat(reply.is(XsType.XS_TRANSACTION_START)).as("transaction start: %s", reply).isTrue();
        return Integer.parseUnsignedInt(reply.strings().getFirst());
    }

    /** Watch events received so far as "path token", and forgets them. */
    List<String> takeEvents() {
        List<String> out = new ArrayList<>();
        for (var it = received.iterator(); it.hasNext(); ) {
            XsMessage m = it.next();
            if (m.is(XsType.XS_WATCH_EVENT)) {
                List<String> s = m.strings();
                out.add(s.get(0) + " " + s.get(1));
                it.remove();
            }
        }
        return out;
    }

    void clear() {
        received.clear();
    }
}
