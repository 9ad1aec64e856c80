package io.xensim.xenbus.store.socket;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsWireDecoder;
import java.nio.ByteBuffer;

/**
 * Inbound codec: frames the bytes of one xenstore socket into {@link XsMessage}s with an {@link XsWireDecoder} and
 * passes each one on with {@code fireChannelRead}, in stream order.
 *
 * <p>It is not a {@code ByteToMessageDecoder}: {@link XsWireDecoder} already keeps the partial message between
 * chunks (at most 16 + 4096 bytes), so every {@code ByteBuf} is fed and released at once and nothing is cumulated
 * twice. A stream that cannot be framed fires one {@link XsStreamMalformed} user event; later bytes are dropped
 * (messages completed before the bad header still go through first, as C xenstored handles them before it reads
 * the next header).
 *
 * <p><b>Threading:</b> one instance per channel (not sharable), used on the channel's event loop only.
 */
public final class XsWireFrameDecoder extends ChannelInboundHandlerAdapter {
    private final XsWireDecoder decoder = new XsWireDecoder();

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf buf)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            if (decoder.isMalformed()) {
                return;
            }
            for (ByteBuffer chunk : buf.nioBuffers()) {
                if (decoder.feed(chunk, ctx::fireChannelRead) instanceof Decoded.Malformed<Integer>(var reason)) {
                    ctx.fireUserEventTriggered(new XsStreamMalformed(reason));
                    return;
                }
            }
        } finally {
            buf.release();
        }
    }

    /** Bytes of a message not yet complete (for tests and diagnostics). */
    public int bufferedBytes() {
        return decoder.bufferedBytes();
    }
}
