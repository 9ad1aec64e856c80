package io.xensim.net.back;

import io.xensim.testkit.XenstoreDump;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xensim.net.bridge.Bridges;
import io.xensim.xenbus.bus.BusFixture;
import io.xensim.xenbus.toolstack.DeviceConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The xenstore tree of a vif, node by node with permissions, as libxl 4.17 and Linux 6.1 netback leave it. */
class NetbackTreeTest {
    private static final String MAC = "00:16:3e:00:00:01";
    private static final String FE = "/local/domain/1/device/vif/0";
    private static final String BE = "/local/domain/0/backend/vif/1/0";

    private static Netback install(BusFixture fx) {
        var netback = new Netback(new Bridges(), NetbackConfig.defaults());
        fx.toolstack.await(netback.install(fx.toolstack));
        fx.guest(1);
        return netback;
    }

    @Test
    void pvVifAfterProbeAndHotplug() {
        try (var fx = new BusFixture()) {
            var netback = install(fx);
            fx.toolstack.await(fx.toolstack.addDevice(DeviceConfig.vif(1, 0, 0, MAC, "xenbr0")));
            fx.hv.runUntilIdle();
            assertEquals(List.of(
                    FE + " = \"\" (n1,r0)",
                    FE + "/backend = \"" + BE + "\" (n1,r0)",
                    FE + "/backend-id = \"0\" (n1,r0)",
                    FE + "/state = \"1\" (n1,r0)",
                    FE + "/handle = \"0\" (n1,r0)",
                    FE + "/mac = \"" + MAC + "\" (n1,r0)",
                    FE + "/trusted = \"1\" (n1,r0)",
                    FE + "/mtu = \"1500\" (n0,r1)"), XenstoreDump.dump(fx.toolstack, FE));
            assertEquals(List.of(
                    BE + " = \"\" (n0,r1)",
                    BE + "/frontend = \"" + FE + "\" (n0,r1)",
                    BE + "/frontend-id = \"1\" (n0,r1)",
                    BE + "/online = \"1\" (n0,r1)",
                    BE + "/state = \"2\" (n0,r1)",
                    BE + "/script = \"/etc/xen/scripts/vif-bridge\" (n0,r1)",
                    BE + "/mac = \"" + MAC + "\" (n0,r1)",
                    BE + "/bridge = \"xenbr0\" (n0,r1)",
                    BE + "/handle = \"0\" (n0,r1)",
                    BE + "/type = \"vif\" (n0,r1)",
                    BE + "/hotplug-status = \"connected\" (n0,r1)",
                    BE + "/feature-sg = \"1\" (n0,r1)",
                    BE + "/feature-gso-tcpv4 = \"1\" (n0,r1)",
                    BE + "/feature-gso-tcpv6 = \"1\" (n0,r1)",
                    BE + "/feature-ipv6-csum-offload = \"1\" (n0,r1)",
                    BE + "/feature-rx-copy = \"1\" (n0,r1)",
                    BE + "/feature-rx-flip = \"0\" (n0,r1)",
                    BE + "/feature-multicast-control = \"1\" (n0,r1)",
                    BE + "/feature-dynamic-multicast-control = \"1\" (n0,r1)",
                    BE + "/feature-split-event-channels = \"1\" (n0,r1)",
                    BE + "/multi-queue-max-queues = \"4\" (n0,r1)"), XenstoreDump.dump(fx.toolstack, BE));
            String lx = "/libxl/1/device/vif/0";
            assertEquals(List.of(
                    lx + " = \"\" (n0)",
                    lx + "/frontend = \"" + FE + "\" (n0)",
                    lx + "/backend = \"" + BE + "\" (n0)",
                    lx + "/frontend-id = \"1\" (n0)",
                    lx + "/online = \"1\" (n0)",
                    lx + "/state = \"1\" (n0)",
                    lx + "/script = \"/etc/xen/scripts/vif-bridge\" (n0)",
                    lx + "/mac = \"" + MAC + "\" (n0)",
                    lx + "/bridge = \"xenbr0\" (n0)",
                    lx + "/handle = \"0\" (n0)",
                    lx + "/type = \"vif\" (n0)",
                    lx + "/hotplug-status = \"\" (n0)"), XenstoreDump.dump(fx.toolstack, lx));
            assertEquals(List.of("vif1.0"), netback.bridges().bridge("xenbr0").portNames());
        }
    }

    @Test
    void hvmNicWithEmulatedTwinUntrustedJumboMtu() {
        try (var fx = new BusFixture()) {
            var netback = install(fx);
            fx.toolstack.await(fx.toolstack.addDevice(DeviceConfig.vif(1, 0, 0, MAC, "br1", true, false, 9000)));
            fx.hv.runUntilIdle();
            var fe = XenstoreDump.dump(fx.toolstack, FE);
            assertTrue(fe.contains(FE + "/trusted = \"0\" (n1,r0)"), fe.toString());
            assertTrue(fe.contains(FE + "/mtu = \"9000\" (n0,r1)"), fe.toString());
            var be = XenstoreDump.dump(fx.toolstack, BE);
            // libxl__set_xenstore_nic: the backend's mtu only when not LIBXL_DEVICE_NIC_MTU_DEFAULT, before bridge.
            assertEquals(BE + "/mtu = \"9000\" (n0,r1)", be.get(7));
            assertEquals(BE + "/bridge = \"br1\" (n0,r1)", be.get(8));
            assertTrue(be.contains(BE + "/type = \"vif_ioemu\" (n0,r1)"), be.toString());
            assertEquals(List.of("vif1.0"), netback.bridges().bridge("br1").portNames());
        }
    }

    @Test
    void hotplugWaitsForInitWait() {
        try (var fx = new BusFixture()) {
            var bridges = new Bridges();
            // The script is known, but no netback driver runs in dom0: the backend never reaches InitWait.
            fx.toolstack.registerHotplugScript(DeviceConfig.VIF_BRIDGE_SCRIPT, new VifHotplug(fx.toolstack, bridges));
            fx.guest(1);
            fx.toolstack.await(fx.toolstack.addDevice(DeviceConfig.vif(1, 0, 0, MAC, "xenbr0")));
            fx.hv.runUntilIdle();
            assertEquals("", fx.toolstack.await(fx.toolstack.xs().readOptional(BE + "/hotplug-status")).orElseThrow());
            assertTrue(bridges.names().isEmpty());
            // Once the driver probes, InitWait runs the script.
            fx.toolstack.await(fx.toolstack.dom0().backends().register(
                    new Netback(bridges, NetbackConfig.defaults()).driver()));
            fx.hv.runUntilIdle();
            assertEquals("connected",
                    fx.toolstack.await(fx.toolstack.xs().readOptional(BE + "/hotplug-status")).orElseThrow());
            assertEquals(List.of("vif1.0"), bridges.bridge("xenbr0").portNames());
        }
    }
}
