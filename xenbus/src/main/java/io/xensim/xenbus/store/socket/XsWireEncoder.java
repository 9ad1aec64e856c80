package io.xensim.xenbus.store.socket;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsdSockmsg;

/**
 * Outbound codec: writes an {@link XsMessage} as its 16-byte {@code xsd_sockmsg} header (four little-endian u32:
 * type, req_id, tx_id, len) followed by the payload; an {@link XsMessageBatch} as its messages back to back. Each
 * write gets one buffer of exactly the encoded size.
 *
 * <p><b>Threading:</b> stateless and {@link ChannelHandler.Sharable}; Netty calls it on each channel's event loop.
 */
@ChannelHandler.Sharable
public final class XsWireEncoder extends MessageToByteEncoder<Object> {
    public static final XsWireEncoder INSTANCE = new XsWireEncoder();

    private XsWireEncoder() {
    }

    @Override
    public boolean acceptOutboundMessage(Object msg) {
        return msg instanceof XsMessage || msg instanceof XsMessageBatch;
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, Object msg, boolean preferDirect) {
        int size = switch (msg) {
            case XsMessage m -> XsdSockmsg.LENGTH + m.len();
            case XsMessageBatch b -> {
                int total = 0;
                for (XsMessage m : b.messages()) {
                    total += XsdSockmsg.LENGTH + m.len();
                }
                yield total;
            }
            default -> throw new AssertionError(msg);   // acceptOutboundMessage let only these two through
        };
        return preferDirect ? ctx.alloc().ioBuffer(size, size) : ctx.alloc().heapBuffer(size, size);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Object msg, ByteBuf out) {
        switch (msg) {
            case XsMessage m -> encode(m, out);
            case XsMessageBatch b -> b.messages().forEach(m -> encode(m, out));
            default -> throw new AssertionError(msg);
        }
    }

    /** The wire bytes of one message, appended to {@code out}. */
    public static void encode(XsMessage m, ByteBuf out) {
        out.writeIntLE(m.type());
        out.writeIntLE(m.reqId());
        out.writeIntLE(m.txId());
        out.writeIntLE(m.len());
        out.writeBytes(m.payload());
    }
}
