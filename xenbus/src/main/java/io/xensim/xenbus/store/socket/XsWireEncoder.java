package io.xensim.xenbus.store.socket;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsdSockmsg;

/**
 * Outbound codec: writes an {@link XsMessage} as its 16-byte {@code xsd_sockmsg} header (four little-endian u32:
 * type, req_id, tx_id, len) followed by the payload, into one buffer of exactly that size.
 *
 * <p><b>Threading:</b> stateless and {@link ChannelHandler.Sharable}; Netty calls it on each channel's event loop.
 */
@ChannelHandler.Sharable
public final class XsWireEncoder extends MessageToByteEncoder<XsMessage> {
    public static final XsWireEncoder INSTANCE = new XsWireEncoder();

    private XsWireEncoder() {
        super(XsMessage.class);
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, XsMessage msg, boolean preferDirect) {
        int size = XsdSockmsg.LENGTH + msg.len();
        return preferDirect ? ctx.alloc().ioBuffer(size, size) : ctx.alloc().heapBuffer(size, size);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, XsMessage msg, ByteBuf out) {
        out.writeIntLE(msg.type());
        out.writeIntLE(msg.reqId());
        out.writeIntLE(msg.txId());
        out.writeIntLE(msg.len());
        out.writeBytes(msg.payload());
    }
}
