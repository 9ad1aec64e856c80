package io.xensim.xenbus.store.socket;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.xensim.xenbus.store.ManualExecutor;
import io.xensim.xenbus.store.server.Xenstored;
import io.xensim.xenbus.store.wire.XsError;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsPayloads;
import io.xensim.xenbus.store.wire.XsType;
import io.xensim.xenbus.store.wire.XsWireDecoder;
import io.xensim.xenbus.store.wire.XsdSockmsg;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The socket pipeline on Netty's EmbeddedChannel, with xenstored on a hand-stepped executor. */
class XenstoredChannelHandlerTest {
    private final ManualExecutor xenstoredExecutor = new ManualExecutor();
    private Xenstored xenstored;

    @BeforeEach
    void setUp() {
        xenstored = new Xenstored(xenstoredExecutor);
        xenstoredExecutor.runAll();
    }

    private EmbeddedChannel channel(int maxInFlight) {
        return new EmbeddedChannel(new XsWireFrameDecoder(), XsWireEncoder.INSTANCE,
                new XenstoredChannelHandler(xenstored, maxInFlight,
                        XenstoredChannelHandler.DEFAULT_MAX_PENDING_OUTPUT_BYTES));
    }

    /** Runs xenstored and the channel's event loop until neither has work left. */
    private void pump(EmbeddedChannel... channels) {
        boolean busy = true;
        while (busy) {
            busy = xenstoredExecutor.runAll() > 0;
            for (EmbeddedChannel ch : channels) {
                ch.runPendingTasks();
            }
            busy |= xenstoredExecutor.runAll() > 0;
        }
    }

    private static byte[] outboundBytes(EmbeddedChannel ch) {
        var out = new ByteArrayOutputStream();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            out.writeBytes(ByteBufUtil.getBytes(b));
            b.release();
        }
        return out.toByteArray();
    }

    private static List<XsMessage> replies(EmbeddedChannel ch) {
        List<XsMessage> out = new ArrayList<>();
        assertThat(new XsWireDecoder().feed(outboundBytes(ch), out::add).isOk()).isTrue();
        return out;
    }

    private static ByteBuf wire(XsMessage... messages) {
        var out = new ByteArrayOutputStream();
        for (XsMessage m : messages) {
            out.writeBytes(XsdSockmsg.encode(m));
        }
        return Unpooled.wrappedBuffer(out.toByteArray());
    }

    @Test
    void answersWithTheWireBytesOfXsdSockmsg() {
        EmbeddedChannel ch = channel(XenstoredChannelHandler.DEFAULT_MAX_IN_FLIGHT);
        ch.writeInbound(wire(new XsMessage(XsType.XS_WRITE, 7, 0, XsPayloads.stringThenBytes("/a", new byte[] {'v'}))));
        pump(ch);

        assertThat(outboundBytes(ch)).isEqualTo(HexFormat.of().parseHex(
                "0b000000" + "07000000" + "00000000" + "03000000" + "4f4b00"));  // XS_WRITE, req 7, no tx, "OK\0"

        ch.writeInbound(wire(XsMessage.of(XsType.XS_READ, 8, 0, "/a"), XsMessage.of(XsType.XS_READ, 9, 0, "/b")));
        pump(ch);
        assertThat(replies(ch)).containsExactly(
                new XsMessage(XsType.XS_READ, 8, 0, new byte[] {'v'}),
                XsMessage.error(9, 0, XsError.ENOENT));
        ch.finishAndReleaseAll();
    }

    @Test
    void requestsFedOneByteAtATimeAreFramed() {
        EmbeddedChannel ch = channel(XenstoredChannelHandler.DEFAULT_MAX_IN_FLIGHT);
        byte[] bytes = XsdSockmsg.encode(XsMessage.of(XsType.XS_GET_DOMAIN_PATH, 1, 0, "3"));
        for (byte b : bytes) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
            pump(ch);
        }
        assertThat(replies(ch)).containsExactly(XsMessage.of(XsType.XS_GET_DOMAIN_PATH, 1, 0, "/local/domain/3"));
        ch.finishAndReleaseAll();
    }

    @Test
    void anUnframeableHeaderClosesOnlyThatConnection() throws Exception {
        EmbeddedChannel bad = channel(XenstoredChannelHandler.DEFAULT_MAX_IN_FLIGHT);
        EmbeddedChannel good = channel(XenstoredChannelHandler.DEFAULT_MAX_IN_FLIGHT);
        good.writeInbound(wire(XsMessage.of(XsType.XS_WATCH, 1, 0, "/x", "tok")));
        pump(good);
        assertThat(replies(good)).hasSize(2);   // ack and the initial event

        byte[] oversized = new XsdSockmsg(XsType.XS_WRITE.code(), 2, 0, XsdSockmsg.XENSTORE_PAYLOAD_MAX + 1).encode();
        var stream = Unpooled.wrappedBuffer(XsdSockmsg.encode(XsMessage.of(XsType.XS_READ, 1, 0, "/")), oversized,
                new byte[100]);
        bad.writeInbound(stream);
        pump(bad, good);

        // The request before the bad header is still answered (C handles it before reading the next header).
        assertThat(replies(bad)).containsExactly(new XsMessage(XsType.XS_READ, 1, 0, new byte[0]));
        assertThat(bad.isOpen()).isFalse();
        assertThat(stream.refCnt()).isZero();

        good.writeInbound(wire(new XsMessage(XsType.XS_WRITE, 3, 0, XsPayloads.stringThenBytes("/x", new byte[0]))));
        pump(good);
        // xenstored queues the event before the ack, as C's do_write() fires watches before send_ack().
        assertThat(replies(good)).containsExactly(XsMessage.watchEvent("/x", "tok"),
                XsMessage.of(XsType.XS_WRITE, 3, 0, "OK"));
        var stats = xenstored.stats();
        xenstoredExecutor.runAll();
        assertThat(stats.get().connections()).isEqualTo(1);
        assertThat(stats.get().watches()).isEqualTo(1);
        good.finishAndReleaseAll();
    }

    @Test
    void stopsReadingWhileMaxInFlightRequestsAreUnanswered() {
        EmbeddedChannel ch = channel(2);
        XsMessage[] requests = new XsMessage[6];
        for (int i = 0; i < requests.length; i++) {
            requests[i] = XsMessage.of(XsType.XS_READ, 100 + i, 0, "/");
        }
        ch.writeInbound(wire(requests));
        var handler = ch.pipeline().get(XenstoredChannelHandler.class);

        // xenstored has not run yet: two requests were handed over, the other four wait, and reading stopped.
        assertThat(handler.connection().queuedRequests()).isEqualTo(2);
        assertThat(ch.config().isAutoRead()).isFalse();

        pump(ch);

        List<Integer> ids = replies(ch).stream().map(XsMessage::reqId).toList();
        assertThat(ids).containsExactly(100, 101, 102, 103, 104, 105);
        assertThat(handler.connection().queuedRequests()).isZero();
        assertThat(ch.config().isAutoRead()).isTrue();
        ch.finishAndReleaseAll();
    }

    @Test
    void closingTheChannelDropsItsWatchesAndTransactions() throws Exception {
        EmbeddedChannel ch = channel(XenstoredChannelHandler.DEFAULT_MAX_IN_FLIGHT);
        ch.writeInbound(wire(XsMessage.of(XsType.XS_WATCH, 1, 0, "/w", "t"),
                XsMessage.of(XsType.XS_TRANSACTION_START, 2, 0, "")));
        pump(ch);
        var before = xenstored.stats();
        xenstoredExecutor.runAll();
        assertThat(before.get().watches()).isEqualTo(1);
        assertThat(before.get().transactions()).isEqualTo(1);

        ch.close();
        pump(ch);

        var after = xenstored.stats();
        xenstoredExecutor.runAll();
        assertThat(after.get().connections()).isZero();
        assertThat(after.get().watches()).isZero();
        assertThat(after.get().transactions()).isZero();
        ch.finishAndReleaseAll();
    }
}
