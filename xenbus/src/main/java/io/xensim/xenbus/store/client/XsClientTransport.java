package io.xensim.xenbus.store.client;

import io.xensim.xenbus.store.server.XsConnection;
import io.xensim.xenbus.store.server.XsSink;
import io.xensim.xenbus.store.wire.XsMessage;
import java.util.Objects;

/**
 * The message pipe under an {@link XsClient}: an {@link XsConnection} of an in-process xenstored, or a guest's
 * xenstore ring. Requests go out with {@link #send}; the peer's replies and watch events arrive at the
 * {@link XsSink} given to the {@link Connector}.
 *
 * <p><b>Threading:</b> {@link #send} and {@link #close} may be called from any thread and never block.
 */
public interface XsClientTransport {
    /** Queues one request for the peer. */
    void send(XsMessage request);

    /** Stops the transport; the sink gets no further messages. */
    void close();

    /** Opens a transport that delivers the peer's messages to {@code sink}. */
    @FunctionalInterface
    interface Connector {
        XsClientTransport connect(XsSink sink);
    }

    /** The in-process transport: a connection of xenstored. */
    static XsClientTransport of(XsConnection connection) {
        Objects.requireNonNull(connection, "connection");
        return new XsClientTransport() {
            @Override
            public void send(XsMessage request) {
                connection.receive(request);
            }

            @Override
            public void close() {
                connection.close();
            }
        };
    }
}
