package io.xensim.xenbus.store.socket;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.xensim.xenbus.store.server.Xenstored;
import io.xensim.xenbus.store.server.XsConnection;
import io.xensim.xenbus.store.server.XsSink;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsType;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge between one socket channel and one {@link XsConnection} of {@link Xenstored}: framed requests from
 * {@link XsWireFrameDecoder} go to the connection, and the connection's replies and watch events come back through
 * its {@link XsSink} and are written to the channel. The connection acts as the domain of its
 * {@link XenstoredSocketOptions}: dom0 and privileged by default, as every connection on C xenstored's socket is; a
 * guest's domid makes it unprivileged, with that guest's permissions and quotas, and then at most
 * {@code quota_req_outstanding} of its requests are handed over unanswered (C {@code domain_can_read()}).
 * Each hand-off to xenstored (connect, requests, disconnect) is followed by the options' {@code onHandOff}, which
 * wakes a hand-stepped xenstored's owner ({@link XenstoredStepper}).
 *
 * <p><b>Backpressure.</b> At most {@code maxInFlight} requests are handed to xenstored before their replies have
 * been written; further framed requests wait here and reading stops ({@code autoRead} off) until replies come back.
 * Reading also stops while the channel is not writable (the client does not read its replies). So a flooding
 * client holds at most one read's worth of requests in memory and never trips xenstored's queue guard. Output that a
 * client leaves unread beyond {@code maxPendingOutputBytes} (watch events other clients trigger) closes that
 * connection, as C xenstored eventually drops a connection that does not take its watch events.
 *
 * <p>A stream that cannot be framed ({@link XsStreamMalformed}: {@code len} above {@code XENSTORE_PAYLOAD_MAX})
 * closes just this connection, as C xenstored's {@code handle_input()} does.
 *
 * <p><b>Threading:</b> one instance per channel. Its state is confined to the channel's event loop, except the
 * sink, which xenstored calls on its own executor. When that executor is the channel's event loop itself (one thread
 * doing the I/O and xenstored's work, as {@code xensim xenstored} runs), the sink is on the loop too and its outbox
 * is a plain list confined to it. Otherwise the sink queues messages in a concurrent outbox and schedules one flush
 * task on the event loop per batch (a flag cleared before the drain, so a message added concurrently either is
 * drained by the running task or schedules the next one). Either way one flush task writes a batch of replies.
 */
public final class XenstoredChannelHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(XenstoredChannelHandler.class);

    /** Requests handed to xenstored and not yet answered, per connection, before reading stops. */
    public static final int DEFAULT_MAX_IN_FLIGHT = 128;
    /** Unread output a client may leave queued before its connection is dropped. */
    public static final long DEFAULT_MAX_PENDING_OUTPUT_BYTES = 16L << 20;

    private final Xenstored xenstored;
    private final XenstoredSocketOptions options;
    private final int maxInFlight;
    private final long maxPendingOutputBytes;

    // Confined to the event loop.
    private ChannelHandlerContext ctx;
    private XsConnection connection;
    private String label = "xenstore socket";
    private final ArrayDeque<XsMessage> pending = new ArrayDeque<>();
    private int inFlight;
    private boolean unframeable;

    /** True when xenstored's executor is this channel's event loop: the sink then runs on the loop. */
    private boolean sameLoop;
    // Used only when sameLoop: the sink's outbox and its flush flag, confined to the event loop.
    private final ArrayList<XsMessage> localOutbox = new ArrayList<>();
    private boolean localFlushScheduled;
    /** The batch being written; reused (XsMessageBatch copies it), so it keeps its capacity. Event loop only. */
    private final ArrayList<XsMessage> batch = new ArrayList<>();

    // Used only when !sameLoop: written by xenstored's executor, drained on the event loop.
    private final ConcurrentLinkedQueue<XsMessage> outbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean flushScheduled = new AtomicBoolean();

    /** Completed once the channel let go of its xenstored connection (or never had one). */
    private final CompletableFuture<Void> released = new CompletableFuture<>();

    public XenstoredChannelHandler(Xenstored xenstored) {
        this(xenstored, XenstoredSocketOptions.dom0());
    }

    public XenstoredChannelHandler(Xenstored xenstored, XenstoredSocketOptions options) {
        this(xenstored, options, DEFAULT_MAX_IN_FLIGHT, DEFAULT_MAX_PENDING_OUTPUT_BYTES);
    }

    public XenstoredChannelHandler(Xenstored xenstored, int maxInFlight, long maxPendingOutputBytes) {
        this(xenstored, XenstoredSocketOptions.dom0(), maxInFlight, maxPendingOutputBytes);
    }

    public XenstoredChannelHandler(Xenstored xenstored, XenstoredSocketOptions options, int maxInFlight,
            long maxPendingOutputBytes) {
        this.xenstored = Objects.requireNonNull(xenstored, "xenstored");
        this.options = Objects.requireNonNull(options, "options");
        if (maxInFlight < 1 || maxInFlight > xenstored.config().maxQueuedRequests()) {
            throw new IllegalArgumentException("maxInFlight: " + maxInFlight + " (expected: 1.."
                    + xenstored.config().maxQueuedRequests() + ", xenstored's maxQueuedRequests)");
        }
        if (maxPendingOutputBytes < 1) {
            throw new IllegalArgumentException("maxPendingOutputBytes: " + maxPendingOutputBytes
                    + " (expected: >= 1)");
        }
        this.maxInFlight = maxInFlight;
        this.maxPendingOutputBytes = maxPendingOutputBytes;
    }

    /** The xenstored connection of this channel, once active (null before). Event loop only. */
    public XsConnection connection() {
        return connection;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        label = describe(ctx);
        sameLoop = xenstored.executor() == ctx.executor();
        connection = xenstored.connect(options.connectionInfo(label), sameLoop ? new LoopSink() : new Sink());
        options.onHandOff().run();
        log.debug("{}: connected as dom{}", label, options.domid());
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof XsMessage request) {
            pending.add(request);
            forward();
        } else {
            ReferenceCountUtil.release(msg);
            throw new IllegalStateException("msg: " + msg.getClass().getName()
                    + " (expected: XsMessage from XsWireFrameDecoder)");
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof XsStreamMalformed(var reason)) {
            // C handle_input(): "Client tried to feed us" a header it cannot frame; the connection is dropped. The
            // requests framed before it are answered first, as C has processed them before it reads the bad header.
            log.warn("{}: malformed stream, closing the connection: {}", label, reason);
            unframeable = true;
            forward();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        forward();
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (connection != null) {
            connection.close();
            options.onHandOff().run();
        }
        pending.clear();
        localOutbox.clear();
        outbox.clear();
        released.complete(null);
        log.debug("{}: disconnected", label);
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
        // After channelInactive when the channel was active; the only call when it closed before becoming active.
        released.complete(null);
        super.handlerRemoved(ctx);
    }

    /**
     * Completes once this channel has handed xenstored its disconnect (xenstored drops the connection's watches
     * and transactions when it runs that), or was removed without ever connecting. Any thread.
     */
    public CompletableFuture<Void> released() {
        return released;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            log.debug("{}: I/O error, closing: {}", label, cause.toString());
        } else {
            log.warn("{}: closing after an unexpected error", label, cause);
        }
        ctx.close();
    }

    /**
     * Hands waiting requests to xenstored while the in-flight limit allows; reads again only when none wait. After
     * an unframeable header, closes the channel once every earlier request has been answered and flushed.
     */
    private void forward() {
        if (!ctx.channel().isActive()) {
            return;
        }
        boolean writable = ctx.channel().isWritable();
        boolean handed = false;
        // An unprivileged connection has at most quota_req_outstanding requests unanswered, as C's
        // domain_can_read() allows a guest's ring; counted here from the replies written, so no race with xenstored.
        int limit = options.privileged() ? maxInFlight
                : Math.min(maxInFlight, xenstored.config().outstandingRequests());
        while (writable && inFlight < limit && !pending.isEmpty()) {
            inFlight++;
            connection.receive(pending.poll());
            handed = true;
        }
        if (handed) {
            options.onHandOff().run();
        }
        if (unframeable && inFlight == 0 && pending.isEmpty()) {
            ctx.close();
            return;
        }
        boolean wantRead = pending.isEmpty() && writable && !unframeable;
        if (ctx.channel().config().isAutoRead() != wantRead) {
            ctx.channel().config().setAutoRead(wantRead);
        }
    }

    /* Event loop. Every request gets exactly one reply (an answer or XS_ERROR) and a reply is never an
     * XS_WATCH_EVENT, so counting non-event messages counts answered requests. */
    private void flushOutbox() {
        if (sameLoop) {
            localFlushScheduled = false;
            batch.addAll(localOutbox);
            localOutbox.clear();
        } else {
            flushScheduled.set(false);
            for (XsMessage m; (m = outbox.poll()) != null; ) {
                batch.add(m);
            }
        }
        if (!ctx.channel().isActive()) {
            batch.clear();
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            if (!batch.get(i).is(XsType.XS_WATCH_EVENT)) {
                inFlight--;
            }
        }
        if (!batch.isEmpty()) {
            // One buffer and one write for the whole batch of replies.
            Object out = batch.size() == 1 ? batch.getFirst() : new XsMessageBatch(batch);
            batch.clear();
            ctx.writeAndFlush(out, ctx.voidPromise());
        }
        ChannelOutboundBuffer unwritten = ctx.channel().unsafe().outboundBuffer();
        if (unwritten != null && unwritten.totalPendingWriteBytes() > maxPendingOutputBytes) {
            log.warn("{}: client leaves more than {} bytes unread, closing the connection", label,
                    maxPendingOutputBytes);
            ctx.close();
            return;
        }
        forward();
    }

    private static String describe(ChannelHandlerContext ctx) {
        String who = "socket " + ctx.channel().id().asShortText();
        if (ctx.channel() instanceof EpollDomainSocketChannel unix) {
            try {
                who += " pid " + unix.peerCredentials().pid();
            } catch (IOException e) {
                // Credentials are for logs only.
            }
        }
        return who;
    }

    /** xenstored dropped the connection (quota, malformed stream, release): close the channel on its event loop. */
    private void closeFromXenstored(String reason) {
        ctx.executor().execute(() -> {
            log.info("{}: closed by xenstored: {}", label, reason);
            ctx.close();
        });
    }

    /** xenstored's view of the channel when xenstored runs on another executor; never blocks. */
    private final class Sink implements XsSink {
        @Override
        public void send(XsMessage message) {
            outbox.add(message);
            // Read first: while a flush is pending (most sends of a batch), no locked instruction is needed.
            if (!flushScheduled.get() && flushScheduled.compareAndSet(false, true)) {
                ctx.executor().execute(XenstoredChannelHandler.this::flushOutbox);
            }
        }

        @Override
        public void close(String reason) {
            closeFromXenstored(reason);
        }
    }

    /**
     * xenstored's view of the channel when xenstored runs on this channel's event loop: every call is on the loop,
     * so the outbox is a plain list. The flush is still a task of its own, so the replies of many requests (of
     * every connection whose requests the loop is processing) leave in one write.
     */
    private final class LoopSink implements XsSink {
        @Override
        public void send(XsMessage message) {
            assert ctx.executor().inEventLoop();
            localOutbox.add(message);
            if (!localFlushScheduled) {
                localFlushScheduled = true;
                ctx.executor().execute(XenstoredChannelHandler.this::flushOutbox);
            }
        }

        @Override
        public void close(String reason) {
            closeFromXenstored(reason);
        }
    }
}
