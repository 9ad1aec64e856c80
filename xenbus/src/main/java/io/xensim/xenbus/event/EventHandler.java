package io.xensim.xenbus.event;

/** The upcall a domain binds to one of its ports; runs on that domain's executor, never on the sender's. */
@FunctionalInterface
public interface EventHandler {
    void onEvent(int port);
}
