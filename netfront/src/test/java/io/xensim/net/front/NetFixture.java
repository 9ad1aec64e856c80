package io.xensim.net.front;

import io.xensim.xenbus.bus.BusFixture;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** A guest with netfront and dom0 with a {@link ScriptedNetback}, over {@link BusFixture}. */
final class NetFixture implements AutoCloseable {
    static final String MAC = "00:16:3e:00:00:01";

    final BusFixture fx = new BusFixture();
    final ManagedDomain guest;

    NetFixture(NetfrontConfig config, ScriptedNetback.Offer offer) {
        guest = fx.guest(1);
        fx.toolstack.await(guest.frontends().register(NetfrontDrivers.frontend(config)));
        fx.toolstack.await(fx.toolstack.dom0().backends().register(ScriptedNetback.driver(offer)));
    }

    /** Adds vif 1/0 with the keys libxl writes ({@code trusted} left out when {@code trusted} is null). */
    void addVif(String trusted) {
        addVif(0, trusted);
    }

    void addVif(int devid, String trusted) {
        Map<String, String> front = new LinkedHashMap<>();
        front.put("handle", Integer.toString(devid));
        front.put("mac", MAC);
        front.put("mtu", "1500");
        if (trusted != null) {
            front.put("trusted", trusted);
        }
        Map<String, String> back = new LinkedHashMap<>();
        back.put("handle", Integer.toString(devid));
        back.put("mac", MAC);
        back.put("bridge", "xenbr0");
        back.put("type", "vif");
        fx.toolstack.await(fx.toolstack.addDevice(new DeviceConfig("vif", 1, 0, devid, front, back)));
        fx.hv.runUntilIdle();
    }

    void addVif() {
        addVif("1");
    }

    NetfrontDevice front() {
        return front(0);
    }

    NetfrontDevice front(int devid) {
        return (NetfrontDevice) guest.frontends().device("vif", 1, devid).orElseThrow().handler();
    }

    ScriptedNetback back() {
        return back(0);
    }

    ScriptedNetback back(int devid) {
        return (ScriptedNetback) fx.toolstack.dom0().backends().device("vif", 1, devid).orElseThrow().handler();
    }

    <T> T onGuest(Supplier<T> action) {
        return fx.onDomain(guest, action);
    }

    <T> T onBack(Supplier<T> action) {
        return fx.onDomain(fx.toolstack.dom0(), action);
    }

    void onBackRun(Runnable action) {
        fx.onDomainRun(fx.toolstack.dom0(), action);
    }

    /** The frontend's xenstore key (relative to its directory), read as dom0. */
    String frontKey(String key) {
        return fx.toolstack.await(fx.toolstack.xs().readOptional("/local/domain/1/device/vif/0/" + key)).orElse(null);
    }

    /** The names under the frontend directory {@code sub} ("" for the top). */
    java.util.List<String> frontDir(String sub) {
        return fx.toolstack.await(fx.toolstack.xs().directory(0, "/local/domain/1/device/vif/0" + sub));
    }

    @Override
    public void close() {
        fx.close();
    }
}
