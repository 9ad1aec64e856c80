package io.xensim.xenbus.attach;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.List;

/**
 * The framing of docs/attach-protocol.md: a 16-byte little-endian header ({@code op, id, count, arg}) and
 * {@code count} items of four {@code u32} words. Not a Xen structure: it carries what the gntdev, gntalloc and
 * evtchn ioctls of Linux carry between a process and the kernel.
 *
 * <p><b>Threading:</b> the decoder belongs to one channel and runs on its event loop; the rest is constants.
 */
final class AttachWire {
    static final int VERSION = 1;
    static final int HEADER = 16;
    static final int ITEM = 16;
    static final int MAX_ITEMS = 1024;
    static final int REPLY = 0x8000_0000;
    static final int FD_FOLLOWS = 0x4000_0000;

    static final int OP_HELLO = 1;
    static final int OP_MAP = 2;
    static final int OP_UNMAP = 3;
    static final int OP_SET_MAX = 4;
    static final int OP_SHARE = 5;
    static final int OP_UNSHARE = 6;
    static final int OP_BIND_INTERDOMAIN = 7;
    static final int OP_BIND_UNBOUND = 8;
    static final int OP_NOTIFY = 9;
    static final int OP_UNMASK = 10;
    static final int OP_UNBIND = 11;

    static final int KIND_GNTTAB = 1;
    static final int KIND_GNTSHR = 2;
    static final int KIND_EVTCHN = 3;

    /** Linux errno values the real libraries leave in {@code errno} (asm-generic/errno*.h). */
    static final int EPERM = 1, ESRCH = 3, ENOMEM = 12, EINVAL = 22, ENOSPC = 28, EPROTO = 71, ENOTCONN = 107;

    private AttachWire() {
    }

    /** One decoded request; {@code items} holds {@code 4 * count} words. */
    record Request(int op, int id, int arg, int[] items) {
        int count() {
            return items.length / 4;
        }

        int word(int item, int word) {
            return items[item * 4 + word];
        }
    }

    /** Splits the stream into requests; a count past {@link #MAX_ITEMS} is a protocol violation. */
    static final class Decoder extends ByteToMessageDecoder {
        @Override
        protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
            while (in.readableBytes() >= HEADER) {
                int start = in.readerIndex();
                long count = in.getUnsignedIntLE(start + 8);
                if (count > MAX_ITEMS) {
                    throw new CorruptedFrameException("attach request with " + count + " items (expected: at most "
                            + MAX_ITEMS + ")");
                }
                if (in.readableBytes() < HEADER + count * ITEM) {
                    return;
                }
                int op = in.readIntLE();
                int id = in.readIntLE();
                in.skipBytes(4);
                int arg = in.readIntLE();
                int[] items = new int[(int) count * 4];
                for (int i = 0; i < items.length; i++) {
                    items[i] = in.readIntLE();
                }
                out.add(new Request(op, id, arg, items));
            }
        }
    }
}
