package io.xensim.xenbus.store.client;

/** Receives {@code XS_WATCH_EVENT}s of one watch, on the client's callback executor. */
@FunctionalInterface
public interface XsWatchListener {
    /**
     * {@code path} changed (relative if the watch was registered with a relative path); {@code token} is the
     * watch's token. Events may be spurious: re-read the state.
     */
    void onWatch(String path, String token);
}
