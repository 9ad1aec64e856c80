package io.xensim.xenbus.store.socket;

import io.xensim.xenbus.store.wire.XsMessage;
import java.util.List;

/**
 * Several messages written as one: {@link XsWireEncoder} puts them back to back into a single buffer, so a flush of
 * many small replies is one buffer and one {@code write(2)} rather than one per message.
 */
public record XsMessageBatch(List<XsMessage> messages) {
    public XsMessageBatch {
        messages = List.copyOf(messages);
    }
}
