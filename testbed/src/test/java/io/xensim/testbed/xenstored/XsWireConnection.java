package io.xensim.testbed.xenstored;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsType;
import io.xensim.xenbus.store.wire.XsWireDecoder;
import io.xensim.xenbus.store.wire.XsdSockmsg;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One client connection to a xenstored's Unix socket, speaking raw {@code xsd_sockmsg} frames, so that malformed
 * payloads reach the daemon exactly as written. Every read has a deadline: a daemon that does not answer is an
 * {@link Outcome#NO_REPLY}, never a hung test.
 *
 * <p><b>Threading:</b> one thread at a time.
 */
final class XsWireConnection implements AutoCloseable {
    static final long REPLY_TIMEOUT_MILLIS = 10_000;

    /** How a request ended on this connection. */
    enum Outcome { REPLIED, CLOSED, NO_REPLY }

    /** The reply (null unless {@code REPLIED}) and the watch events that arrived before it. */
    record Answer(Outcome outcome, XsMessage reply, List<XsMessage> eventsBefore) {
    }

    private final SocketChannel channel;
    private final Selector selector;
    private final XsWireDecoder decoder = new XsWireDecoder();
    private final ArrayDeque<XsMessage> received = new ArrayDeque<>();
    private final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
    private boolean closedByPeer;

    XsWireConnection(Path socket) throws IOException {
        channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        channel.configureBlocking(false);
        selector = Selector.open();
        channel.register(selector, SelectionKey.OP_READ);
    }

    boolean isClosedByPeer() {
        return closedByPeer;
    }

    /** Sends {@code message} (its header's len is the payload's length) and waits, bounded, for the reply. */
    Answer request(XsMessage message) throws IOException {
        send(XsdSockmsg.encode(message));
        return awaitReply();
    }

    void send(byte[] bytes) throws IOException {
        var buf = ByteBuffer.wrap(bytes);
        long deadline = System.nanoTime() + REPLY_TIMEOUT_MILLIS * 1_000_000;
        Selector writable = null;
        try {
            while (buf.hasRemaining()) {
                int written;
                try {
                    written = channel.write(buf);
                } catch (IOException e) {
                    closedByPeer = true; // EPIPE/ECONNRESET: the daemon dropped us; the reply is CLOSED.
                    return;
                }
                if (written == 0) {
                    // The socket buffer is full (a pipelined burst): wait, bounded, until the daemon reads.
                    if (writable == null) {
                        writable = Selector.open();
                        channel.register(writable, SelectionKey.OP_WRITE);
                    }
                    long left = (deadline - System.nanoTime()) / 1_000_000;
                    if (left <= 0) {
                        throw new IOException("the daemon did not take the request within " + REPLY_TIMEOUT_MILLIS
                                + " ms");
                    }
                    writable.select(left);
                    writable.selectedKeys().clear();
                }
            }
        } finally {
            if (writable != null) {
                writable.close();
            }
        }
    }

    /** Messages up to and including the next reply (anything but a watch event), bounded by the deadline. */
    Answer awaitReply() throws IOException {
        List<XsMessage> events = new ArrayList<>();
        long deadline = System.nanoTime() + REPLY_TIMEOUT_MILLIS * 1_000_000;
        while (true) {
            XsMessage m = received.poll();
            if (m != null) {
                if (m.is(XsType.XS_WATCH_EVENT)) {
                    events.add(m);
                    continue;
                }
                return new Answer(Outcome.REPLIED, m, events);
            }
            if (closedByPeer) {
                return new Answer(Outcome.CLOSED, null, events);
            }
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                return new Answer(Outcome.NO_REPLY, null, events);
            }
            selector.select(left);
            selector.selectedKeys().clear();
            readAvailable();
        }
    }

    private void readAvailable() throws IOException {
        while (true) {
            in.clear();
            int n;
            try {
                n = channel.read(in);
            } catch (IOException e) {
                n = -1; // ECONNRESET: the daemon dropped us.
            }
            if (n < 0) {
                closedByPeer = true;
                return;
            }
            if (n == 0) {
                return;
            }
            in.flip();
            if (decoder.feed(in, received::add) instanceof Decoded.Malformed<Integer> bad) {
                throw new IOException("the daemon sent an unframeable stream: " + bad.reason());
            }
        }
    }

    @Override
    public void close() throws IOException {
        selector.close();
        channel.close();
    }
}
