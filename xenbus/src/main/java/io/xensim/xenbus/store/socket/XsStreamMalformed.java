package io.xensim.xenbus.store.socket;

import java.util.Objects;

/**
 * The user event {@link XsWireFrameDecoder} fires when the byte stream can no longer be framed (a header announced
 * more than {@code XENSTORE_PAYLOAD_MAX} payload bytes). It is a value, not an exception: the peer's bytes are
 * untrusted and a bad stream is an expected outcome. {@link XenstoredChannelHandler} closes the connection on it.
 */
public record XsStreamMalformed(String reason) {
    public XsStreamMalformed {
        Objects.requireNonNull(reason, "reason");
    }
}
