package io.xensim.net;

import io.xensim.net.back.Netback;
import io.xensim.net.back.NetbackConfig;
import io.xensim.net.back.NetbackDevice;
import io.xensim.net.bridge.Bridge;
import io.xensim.net.bridge.Bridges;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.MacAddress;
import io.xensim.net.front.NetfrontConfig;
import io.xensim.net.front.NetfrontDevice;
import io.xensim.net.front.NetfrontDrivers;
import io.xensim.xenbus.bus.BusFixture;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The real netfront against the real netback: dom0 with {@link Netback} installed in the toolstack (driver and
 * vif-bridge hotplug), one bridge {@code xenbr0}, and two guests (domids 1 and 2), each with netfront registered and
 * vif 0 added through the toolstack as libxl adds it ({@link DeviceConfig#vif}), over {@link BusFixture} (INVOKER
 * mode, manual clock; {@link #close()} checks that no grant, mapping, port or watch is left).
 */
public final class NetPair implements AutoCloseable {
    public final BusFixture fx = new BusFixture();
    public final Netback netback;
    public final ManagedDomain guest1;
    public final ManagedDomain guest2;
    /** What each guest's netfront received, in order. */
    public final List<Frame> received1 = new ArrayList<>();
    public final List<Frame> received2 = new ArrayList<>();
    private final boolean trusted;

    public NetPair() {
        this(NetbackConfig.defaults(), NetfrontConfig.DEFAULT);
    }

    public NetPair(NetbackConfig backConfig, NetfrontConfig frontConfig) {
        this(backConfig, frontConfig, true);
    }

    /** With {@code trusted} = false the toolstack writes {@code trusted}=0 (libxl's {@code trusted = false}). */
    public NetPair(NetbackConfig backConfig, NetfrontConfig frontConfig, boolean trusted) {
        this.trusted = trusted;
        netback = new Netback(new Bridges(), backConfig);
        fx.toolstack.await(netback.install(fx.toolstack));
        guest1 = guest(1, frontConfig);
        guest2 = guest(2, frontConfig);
        addVif(1);
        addVif(2);
        fx.onDomainRun(guest1, () -> front(1).setReceiver(received1::add));
        fx.onDomainRun(guest2, () -> front(2).setReceiver(received2::add));
    }

    private ManagedDomain guest(int domid, NetfrontConfig config) {
        var g = fx.guest(domid);
        fx.toolstack.await(g.frontends().register(NetfrontDrivers.frontend(config)));
        return g;
    }

    /** {@code 00:16:3e:00:00:<domid>}: the Xen OUI, as libxl's random MACs use. */
    public static MacAddress mac(int domid) {
        return MacAddress.of(macString(domid));
    }

    static String macString(int domid) {
        return String.format("00:16:3e:00:00:%02x", domid);
    }

    /** Adds vif {@code domid}/0 on xenbr0 through the toolstack (libxl__device_nic_add) and lets it connect. */
    public void addVif(int domid) {
        fx.toolstack.await(fx.toolstack.addDevice(DeviceConfig.vif(domid, 0, 0, macString(domid), "xenbr0", false,
                trusted, DeviceConfig.NIC_MTU_DEFAULT)));
        fx.hv.runUntilIdle();
    }

    /** Removes vif {@code domid}/0 through the toolstack (online=0, backend Closing, wait for Closed). */
    public void removeVif(int domid) {
        var done = fx.toolstack.removeDevice("vif", domid, 0);
        fx.hv.runUntilIdle();
        fx.toolstack.await(done);
    }

    public ManagedDomain guest(int domid) {
        return switch (domid) {
            case 1 -> guest1;
            case 2 -> guest2;
            default -> throw new IllegalArgumentException("domid " + domid);
        };
    }

    public List<Frame> received(int domid) {
        return domid == 1 ? received1 : received2;
    }

    public NetfrontDevice front(int domid) {
        return (NetfrontDevice) guest(domid).frontends().device("vif", domid, 0).orElseThrow(
                () -> new AssertionError("no netfront vif/0 in dom" + domid)).handler();
    }

    public NetbackDevice back(int domid) {
        return Netback.device(fx.toolstack, domid, 0).orElseThrow(
                () -> new AssertionError("no netback vif/" + domid + "/0"));
    }

    public Bridge bridge() {
        return netback.bridges().bridge("xenbr0");
    }

    /** Runs {@code action} on guest {@code domid}'s executor, then steps every domain until idle. */
    public <T> T onGuest(int domid, Supplier<T> action) {
        return fx.onDomain(guest(domid), action);
    }

    public <T> T onDom0(Supplier<T> action) {
        return fx.onDomain(fx.toolstack.dom0(), action);
    }

    /** Guest {@code from} sends {@code frame}; every domain then runs until idle. */
    public io.xensim.net.guest.GuestNetInterface.SendResult send(int from, Frame frame) {
        return onGuest(from, () -> front(from).send(frame));
    }

    /** The xenstore value at {@code path}, read as dom0, or null. */
    public String read(String path) {
        return fx.toolstack.await(fx.toolstack.xs().readOptional(path)).orElse(null);
    }

    @Override
    public void close() {
        fx.close();
    }
}
