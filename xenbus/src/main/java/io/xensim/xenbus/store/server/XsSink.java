package io.xensim.xenbus.store.server;

import io.xensim.xenbus.store.wire.XsMessage;

/**
 * Where xenstored puts a connection's outgoing messages: replies and {@code XS_WATCH_EVENT}s, in the order the
 * client must see them. Implemented by each transport (socket channel, ring writer) and by the in-process client.
 *
 * <p><b>Threading:</b> both methods are called only on xenstored's executor and must not block; a transport hands
 * the message to its own thread. No call follows {@link #close(String)}.
 */
public interface XsSink {
    /** Queues one message for the peer. */
    void send(XsMessage message);

    /**
     * Xenstored stopped serving this connection (domain released, client flooding, …); the transport should drop
     * it. Not called when the transport itself closed the connection with {@link XsConnection#close()}.
     */
    void close(String reason);
}
