package io.xensim.net.bridge;

import io.xensim.net.frame.Frame;

/**
 * Something that watches frames go by on a bridge or a port without changing them: a pcap capture
 * ({@link io.xensim.net.pcap.PcapWriter}), a test's recorder. Like a packet socket in Linux, it sees the frame as it
 * is at that point, GSO frames and blank checksums included.
 *
 * <p><b>Threading:</b> called on the bridge's executor (the backend domain's). It must not write to the frame's
 * bytes, keep them past the call without copying, or throw: a tap's own failure is its own business.
 */
@FunctionalInterface
public interface FrameTap {
    void onFrame(Frame frame);
}
