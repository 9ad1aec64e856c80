package io.xensim.xenbus.store.socket;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsType;
import io.xensim.xenbus.store.wire.XsWireDecoder;
import io.xensim.xenbus.store.wire.XsdSockmsg;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** A blocking test client speaking raw xenstore wire bytes over a Unix socket; bounded by the tests' @Timeout. */
final class RawXsSocket implements AutoCloseable {
    private final SocketChannel channel;
    private final XsWireDecoder decoder = new XsWireDecoder();
    private final ArrayDeque<XsMessage> received = new ArrayDeque<>();
    private final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
    final List<XsMessage> watchEvents = new ArrayList<>();

    RawXsSocket(Path socket) throws IOException {
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
    }

    void sendBytes(byte[] bytes) throws IOException {
        var buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }

    void send(XsMessage m) throws IOException {
        sendBytes(XsdSockmsg.encode(m));
    }

    /** The next message, or null at end of stream. */
    XsMessage next() throws IOException {
        while (received.isEmpty()) {
            in.clear();
            if (channel.read(in) < 0) {
                return null;
            }
            in.flip();
            if (decoder.feed(in, received::add) instanceof Decoded.Malformed<Integer> bad) {
                throw new IOException("server sent an unframeable stream: " + bad.reason());
            }
        }
        return received.poll();
    }

    /** The next reply (not a watch event); watch events met on the way are kept in {@link #watchEvents}. */
    XsMessage reply() throws IOException {
        for (XsMessage m; (m = next()) != null; ) {
            if (m.is(XsType.XS_WATCH_EVENT)) {
                watchEvents.add(m);
            } else {
                return m;
            }
        }
        return null;
    }

    XsMessage request(XsMessage m) throws IOException {
        send(m);
        return reply();
    }

    /** Reads until the server closes; true if it did (false would mean a message arrived instead). */
    boolean awaitClosedByServer() throws IOException {
        return next() == null;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
