package io.xensim.net.bridge;

import io.xensim.net.frame.Frame;
import java.util.ArrayList;
import java.util.List;

/**
 * A port whose device keeps what the bridge transmits to it, and refuses frames while {@code full}: the guest behind
 * a port in bridge and capture tests.
 */
public final class RecordingPort implements BridgePort {
    private final String name;
    private final PortOffloads offloads;
    public final List<Frame> received = new ArrayList<>();
    boolean full;

    public RecordingPort(String name, PortOffloads offloads) {
        this.name = name;
        this.offloads = offloads;
    }

    public RecordingPort(String name) {
        this(name, PortOffloads.NONE);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public PortOffloads offloads() {
        return offloads;
    }

    @Override
    public boolean transmit(Frame frame) {
        if (full) {
            return false;
        }
        received.add(frame);
        return true;
    }

    public List<Frame> take() {
        var out = List.copyOf(received);
        received.clear();
        return out;
    }
}
