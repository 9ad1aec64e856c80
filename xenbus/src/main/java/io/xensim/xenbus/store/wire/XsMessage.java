package io.xensim.xenbus.store.wire;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * One xenstore message: the {@code xsd_sockmsg} header fields and the payload ({@code len} is the payload length).
 *
 * <p>{@code type} is the raw wire number (see {@link XsType#fromCode(int)}); {@code reqId} and {@code txId} are
 * {@code uint32_t} held in an {@code int}. Equality and hash code look at the payload's content. The payload array
 * is not copied: treat it as immutable once the message is built.
 */
public record XsMessage(int type, int reqId, int txId, byte[] payload) {
    public XsMessage {
        Objects.requireNonNull(payload, "payload");
    }

    public XsMessage(XsType type, int reqId, int txId, byte[] payload) {
        this(type.code(), reqId, txId, payload);
    }

    /** A message whose payload is the given strings, each NUL-terminated ({@link XsPayloads#strings}). */
    public static XsMessage of(XsType type, int reqId, int txId, String... strings) {
        return new XsMessage(type.code(), reqId, txId, XsPayloads.strings(strings));
    }

    /** {@code XS_ERROR} with {@code E<NAME>\0}, echoing a request's ids. */
    public static XsMessage error(int reqId, int txId, XsError error) {
        return new XsMessage(XsType.XS_ERROR.code(), reqId, txId, error.payload());
    }

    /** {@code XS_WATCH_EVENT}: {@code <epath>\0<token>\0}, with {@code req_id = tx_id = 0}. */
    public static XsMessage watchEvent(String path, String token) {
        return of(XsType.XS_WATCH_EVENT, 0, 0, path, token);
    }

    /** The payload length, {@code xsd_sockmsg.len}. */
    public int len() {
        return payload.length;
    }

    /** The named type, if the number is one. */
    public java.util.Optional<XsType> xsType() {
        return XsType.fromCode(type);
    }

    public boolean is(XsType t) {
        return type == t.code();
    }

    /** The NUL-terminated strings of the payload ({@link XsPayloads#split}). */
    public List<String> strings() {
        return XsPayloads.split(payload);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof XsMessage m && type == m.type && reqId == m.reqId && txId == m.txId
                && Arrays.equals(payload, m.payload);
    }

    @Override
    public int hashCode() {
        return ((type * 31 + reqId) * 31 + txId) * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        var sb = new StringBuilder(XsType.nameOf(type)).append(" req=").append(Integer.toUnsignedString(reqId))
                .append(" tx=").append(Integer.toUnsignedString(txId)).append(" len=").append(payload.length)
                .append(" \"");
        int shown = Math.min(payload.length, 96);
        for (int i = 0; i < shown; i++) {
            int b = payload[i] & 0xff;
            if (b == 0) {
                sb.append("\\0");
            } else if (b >= 0x20 && b < 0x7f && b != '"' && b != '\\') {
                sb.append((char) b);
            } else {
                sb.append("\\x").append(HexFormat.of().toHexDigits((byte) b));
            }
        }
        return sb.append(payload.length > shown ? "\"…" : "\"").toString();
    }
}
