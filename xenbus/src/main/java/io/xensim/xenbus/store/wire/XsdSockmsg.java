package io.xensim.xenbus.store.wire;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.MemorySegment;

/**
 * The header in front of every xenstore message in both directions ({@code struct xsd_sockmsg}, xen/io/xs_wire.h),
 * followed by {@code len} payload bytes.
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +---------------------------------------------------------------+
 * |                   type (u32, enum xsd_sockmsg_type)           |  0
 * +---------------------------------------------------------------+
 * |                   req_id (u32, echoed in the reply)           |  4
 * +---------------------------------------------------------------+
 * |                   tx_id (u32, 0 = no transaction)             |  8
 * +---------------------------------------------------------------+
 * |                   len (u32, payload bytes that follow)        | 12
 * +---------------------------------------------------------------+
 * </pre>
 * All fields are little-endian (x86_64). {@code len} may not exceed {@link #XENSTORE_PAYLOAD_MAX} in either
 * direction; C xenstored drops a client that announces more ({@code handle_input()}: "Client tried to feed us").
 */
public record XsdSockmsg(int type, int reqId, int txId, int len) {
    public static final int TYPE_OFFSET = 0, REQ_ID_OFFSET = 4, TX_ID_OFFSET = 8, LEN_OFFSET = 12;
    /** {@code sizeof(struct xsd_sockmsg)}. */
    public static final int LENGTH = 16;

    /** {@code XENSTORE_PAYLOAD_MAX}: "violating this is very bad". */
    public static final int XENSTORE_PAYLOAD_MAX = 4096;
    /** {@code XENSTORE_ABS_PATH_MAX}: "violating these just gets you an error back". */
    public static final int XENSTORE_ABS_PATH_MAX = 3072;
    /** {@code XENSTORE_REL_PATH_MAX}. */
    public static final int XENSTORE_REL_PATH_MAX = 2048;

    /** {@code XS_WATCH_PATH} ({@code enum xs_watch_type}): index of the path in a watch event payload. */
    public static final int XS_WATCH_PATH = 0;
    /** {@code XS_WATCH_TOKEN}: index of the token in a watch event payload. */
    public static final int XS_WATCH_TOKEN = 1;

    /** The header of a message. */
    public static XsdSockmsg of(XsMessage message) {
        return new XsdSockmsg(message.type(), message.reqId(), message.txId(), message.len());
    }

    /** Writes the 16 header bytes at the start of {@code dst}. */
    public void encode(MemorySegment dst) {
        dst.set(Layouts.U32, TYPE_OFFSET, type);
        dst.set(Layouts.U32, REQ_ID_OFFSET, reqId);
        dst.set(Layouts.U32, TX_ID_OFFSET, txId);
        dst.set(Layouts.U32, LEN_OFFSET, len);
    }

    /** The 16 header bytes. */
    public byte[] encode() {
        byte[] out = new byte[LENGTH];
        encode(MemorySegment.ofArray(out));
        return out;
    }

    /** {@code len} as the unsigned number it is. */
    public long lenUnsigned() {
        return Integer.toUnsignedLong(len);
    }

    /**
     * Reads a header written by a peer. Any 16 bytes are a header; only a {@code len} above
     * {@link #XENSTORE_PAYLOAD_MAX} makes it {@code Malformed} (the stream cannot be framed past it).
     */
    public static Decoded<XsdSockmsg> decode(MemorySegment src) {
        if (src.byteSize() < LENGTH) {
            return Decoded.malformed("header: " + src.byteSize() + " bytes (expected: " + LENGTH + ")");
        }
        var header = new XsdSockmsg(src.get(Layouts.U32, TYPE_OFFSET), src.get(Layouts.U32, REQ_ID_OFFSET),
                src.get(Layouts.U32, TX_ID_OFFSET), src.get(Layouts.U32, LEN_OFFSET));
        if (Integer.compareUnsigned(header.len, XENSTORE_PAYLOAD_MAX) > 0) {
            return Decoded.malformed("len: " + Integer.toUnsignedString(header.len)
                    + " (expected: <= XENSTORE_PAYLOAD_MAX " + XENSTORE_PAYLOAD_MAX + ")");
        }
        return Decoded.ok(header);
    }

    /** A whole message on the wire: header then payload. */
    public static byte[] encode(XsMessage message) {
        byte[] out = new byte[LENGTH + message.len()];
        of(message).encode(MemorySegment.ofArray(out));
        System.arraycopy(message.payload(), 0, out, LENGTH, message.len());
        return out;
    }

    /** A whole message whose payload is {@code payload} and one NUL (a one-argument request such as XS_READ). */
    public static byte[] encode(XsType type, int reqId, int txId, String payload) {
        return encode(XsMessage.of(type, reqId, txId, payload));
    }
}
