package io.xensim.xenbus.store.wire;

import io.xensim.xenbus.Decoded;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * Frames a xenstore byte stream into {@link XsMessage}s, for both transports: the Unix socket (bytes arrive in
 * whatever chunks the kernel hands over) and the shared ring (a message may straddle the wrap point and arrive over
 * several ring updates).
 *
 * <p>Feed it chunks of any size; each complete message goes to the consumer as soon as its last byte arrives. It
 * buffers at most one header and one payload ({@code 16 + XENSTORE_PAYLOAD_MAX} bytes), never more. A header whose
 * {@code len} exceeds {@code XENSTORE_PAYLOAD_MAX} makes the stream malformed: nothing after it can be framed, so
 * the decoder answers {@code Malformed} from then on, and the transport must do what C xenstored does in
 * {@code handle_input()}: stop serving the connection (drop the socket; on a ring, set {@code error} to
 * {@code XENSTORE_ERROR_PROTO}). Messages completed before the bad header in the same chunk are still delivered.
 *
 * <p><b>Threading:</b> not thread-safe; one decoder per connection, fed by the transport's single reader thread.
 */
public final class XsWireDecoder {
    private final byte[] header = new byte[XsdSockmsg.LENGTH];
    private int headerUsed;
    private XsdSockmsg current;        // non-null while reading a payload
    private byte[] payload;
    private int payloadUsed;
    private String malformed;          // sticky verdict

    /** Feeds bytes from the buffer's position to its limit (the position advances to the limit). */
    public Decoded<Integer> feed(ByteBuffer chunk, Consumer<? super XsMessage> out) {
        int delivered = 0;
        while (chunk.hasRemaining() && malformed == null) {
            if (current == null) {
                int n = Math.min(chunk.remaining(), XsdSockmsg.LENGTH - headerUsed);
                chunk.get(header, headerUsed, n);
                headerUsed += n;
                if (headerUsed < XsdSockmsg.LENGTH) {
                    break;
                }
                if (!startPayload()) {
                    break;
                }
            } else {
                int n = Math.min(chunk.remaining(), payload.length - payloadUsed);
                chunk.get(payload, payloadUsed, n);
                payloadUsed += n;
            }
            if (current != null && payloadUsed == payload.length) {
                out.accept(finish());
                delivered++;
            }
        }
        chunk.position(chunk.limit());
        return malformed == null ? Decoded.ok(delivered) : Decoded.malformed(malformed);
    }

    /** Feeds a whole array. */
    public Decoded<Integer> feed(byte[] chunk, Consumer<? super XsMessage> out) {
        return feed(ByteBuffer.wrap(chunk), out);
    }

    /** Feeds {@code length} bytes of an array from {@code offset}. */
    public Decoded<Integer> feed(byte[] chunk, int offset, int length, Consumer<? super XsMessage> out) {
        return feed(ByteBuffer.wrap(chunk, offset, length), out);
    }

    /** Feeds the bytes of a memory segment (e.g. a span of the ring copied out, or a heap segment). */
    public Decoded<Integer> feed(MemorySegment chunk, Consumer<? super XsMessage> out) {
        return feed(chunk.asByteBuffer(), out);
    }

    /** True once a header announced an over-long payload; the verdict never clears except by {@link #reset()}. */
    public boolean isMalformed() {
        return malformed != null;
    }

    /** Bytes held for a message not yet complete (0 between messages); never above 16 + 4096. */
    public int bufferedBytes() {
        return current == null ? headerUsed : XsdSockmsg.LENGTH + payloadUsed;
    }

    /** Drops any partial message and a malformed verdict (ring reconnection: "drops partial packets"). */
    public void reset() {
        headerUsed = 0;
        current = null;
        payload = null;
        payloadUsed = 0;
        malformed = null;
    }

    private boolean startPayload() {
        switch (XsdSockmsg.decode(MemorySegment.ofArray(header))) {
            case Decoded.Ok<XsdSockmsg>(var h) -> {
                current = h;
                payload = new byte[h.len()];
                payloadUsed = 0;
                return true;
            }
            case Decoded.Malformed<XsdSockmsg>(var reason) -> {
                malformed = reason;
                return false;
            }
        }
    }

    private XsMessage finish() {
        var m = new XsMessage(current.type(), current.reqId(), current.txId(), payload);
        current = null;
        payload = null;
        payloadUsed = 0;
        headerUsed = 0;
        return m;
    }
}
