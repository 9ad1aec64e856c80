package io.xensim.hvm.rtl8139;

import io.xensim.net.bridge.BridgePort;
import io.xensim.net.bridge.PortOffloads;
import io.xensim.net.frame.Frame;
import java.util.ArrayList;
import java.util.List;

/** A plain bridge port (a dom0 interface) that keeps what the bridge hands it. */
final class RawPort implements BridgePort {
    private final String name;
    final List<byte[]> received = new ArrayList<>();

    RawPort(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public PortOffloads offloads() {
        return PortOffloads.NONE;
    }

    @Override
    public boolean transmit(Frame frame) {
        received.add(frame.toByteArray());
        return true;
    }
}
