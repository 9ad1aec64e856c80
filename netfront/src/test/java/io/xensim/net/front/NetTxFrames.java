package io.xensim.net.front;

import io.xensim.net.frame.MacAddress;

/** Addresses shared by the netfront tests. */
final class NetTxFrames {
    static final MacAddress PEER = MacAddress.of("00:16:3e:00:00:02");

    private NetTxFrames() {
    }
}
