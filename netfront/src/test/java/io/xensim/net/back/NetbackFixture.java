package io.xensim.net.back;

import io.xensim.net.bridge.Bridge;
import io.xensim.net.bridge.BridgePort;
import io.xensim.net.bridge.Bridges;
import io.xensim.net.bridge.PortOffloads;
import io.xensim.net.frame.Frame;
import io.xensim.xenbus.bus.BusFixture;
import io.xensim.xenbus.toolstack.DeviceConfig;
import java.util.ArrayList;
import java.util.List;

/** A BusFixture with netback installed, guests each with one vif and a scripted frontend, and a capture port. */
final class NetbackFixture implements AutoCloseable {
    final BusFixture fx = new BusFixture();
    final Netback netback;
    final CapturePort capture;

    /** A port on the bridge that keeps what it is sent. */
    static final class CapturePort implements BridgePort {
        final List<Frame> received = new ArrayList<>();
        final PortOffloads offloads;

        CapturePort(PortOffloads offloads) {
            this.offloads = offloads;
        }

        @Override
        public String name() {
            return "capture0";
        }

        @Override
        public PortOffloads offloads() {
            return offloads;
        }

        @Override
        public boolean transmit(Frame frame) {
            received.add(frame);
            return true;
        }
    }

    NetbackFixture() {
        this(PortOffloads.ALL);
    }

    NetbackFixture(PortOffloads captureOffloads) {
        this(captureOffloads, NetbackConfig.defaults());
    }

    NetbackFixture(PortOffloads captureOffloads, NetbackConfig config) {
        netback = new Netback(new Bridges(), config);
        fx.toolstack.await(netback.install(fx.toolstack));
        capture = new CapturePort(captureOffloads);
        fx.onDomainRun(fx.toolstack.dom0(), () -> bridge().addPort(capture));
    }

    Bridge bridge() {
        return netback.bridges().bridge("xenbr0");
    }

    /** A guest {@code domid} with vif 0 ({@code 00:16:3e:00:00:<domid>}), its frontend not yet connected. */
    ScriptedNetfront guest(int domid) {
        var g = fx.guest(domid);
        fx.toolstack.await(fx.toolstack.addDevice(DeviceConfig.vif(domid, 0, 0,
                String.format("00:16:3e:00:00:%02x", domid), "xenbr0")));
        fx.hv.runUntilIdle();
        return new ScriptedNetfront(fx, g, 0);
    }

    NetbackDevice device(int domid) {
        return Netback.device(fx.toolstack, domid, 0).orElseThrow();
    }

    /** Hands {@code frame} to the bridge as if the capture port's device had received it. */
    void inject(Frame frame) {
        fx.onDomainRun(fx.toolstack.dom0(), () -> bridge().receive(capture, frame, fx.clock.nanoTime()));
    }

    @Override
    public void close() {
        fx.close();
    }
}
