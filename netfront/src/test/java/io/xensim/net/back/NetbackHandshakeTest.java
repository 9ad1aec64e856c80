package io.xensim.net.back;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xensim.net.bridge.Bridges;
import io.xensim.xenbus.bus.BackendDevice;
import io.xensim.xenbus.bus.BusFixture;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Netback's xenbus side against a scripted frontend: connect, queue counts, hotplug gating, close, reconnect. */
class NetbackHandshakeTest {
    static final String MAC = "00:16:3e:00:00:01";
    static final String BE = "/local/domain/0/backend/vif/1/0";

    final BusFixture fx = new BusFixture();
    final Netback netback = new Netback(new Bridges(), NetbackConfig.defaults());
    ManagedDomain guest;

    @AfterEach
    void close() {
        fx.close();
    }

    void start(boolean installNetback) {
        if (installNetback) {
            fx.toolstack.await(netback.install(fx.toolstack));
        }
        guest = fx.guest(1);
        fx.toolstack.await(fx.toolstack.addDevice(DeviceConfig.vif(1, 0, 0, MAC, "xenbr0")));
        fx.hv.runUntilIdle();
    }

    String backendKey(String key) {
        return fx.toolstack.await(fx.toolstack.xs().readOptional(BE + "/" + key)).orElse(null);
    }

    Optional<String> error() {
        return fx.toolstack.await(fx.toolstack.xs().readOptional("/local/domain/0/error/backend/vif/1/0/error"));
    }

    NetbackDevice device() {
        return Netback.device(fx.toolstack, 1, 0).orElseThrow();
    }

    @ParameterizedTest(name = "{0} queue(s), split {1}")
    @CsvSource({"1,true", "1,false", "2,true", "4,false", "4,true"})
    void connectsEveryQueueLayout(int queues, boolean split) {
        start(true);
        assertEquals("2", backendKey("state"));
        var fe = new ScriptedNetfront(fx, guest, 0);
        fe.connect(queues, split);
        assertEquals("4", backendKey("state"));
        assertEquals(BackendDevice.Phase.CONNECTED, device().phase());
        assertEquals(queues, device().vif().queues().size());
        assertTrue(device().vif().carrierOk());
        assertEquals(Optional.empty(), error());
    }

    @ParameterizedTest(name = "multi-queue-num-queues {0}")
    @CsvSource({"0", "5"})
    void queueCountZeroOrAboveMaximumIsFatal(int requested) {
        start(true);
        var fe = new ScriptedNetfront(fx, guest, 0);
        var keys = fe.setUp(1, true);
        keys.put("multi-queue-num-queues", Integer.toString(requested));
        fe.publish(keys);
        assertEquals("5", backendKey("state"));
        String err = error().orElseThrow();
        assertTrue(err.startsWith("22 "), err);
        assertTrue(err.contains("guest requested " + requested + " queues, exceeding the maximum of 4"), err);
        assertFalse(device().vif().carrierOk());
    }

    /**
     * xenvif_init_queue(): no dom0 memory for a queue's staging pages fails the device with ENOMEM. With room for
     * the tx path's pages only, the rx path fails and the tx path's pages are given back: nothing leaks.
     */
    @ParameterizedTest(name = "{1} frames free")
    @CsvSource({"tx,1", "rx," + TxPath.STAGING_PAGES})
    void noDom0MemoryForStagingPagesIsFatalWithEnomem(String failingPath, int framesLeft) {
        start(true);
        var fe = new ScriptedNetfront(fx, guest, 0);
        var keys = fe.setUp(1, true);
        var dom0 = fx.hv.domain(0).orElseThrow().memory();
        var taken = new java.util.ArrayList<Long>();
        for (long gfn = dom0.allocateFrame(); gfn >= 0; gfn = dom0.allocateFrame()) {
            taken.add(gfn);
        }
        for (int i = 0; i < framesLeft; i++) {   // first fit: the last frames taken are the top, contiguous run
            dom0.freeFrames(taken.removeLast(), 1);
        }
        long inUse = dom0.allocatedFrames();
        fe.publish(keys);
        assertEquals("5", backendKey("state"));
        String err = error().orElseThrow();
        assertTrue(err.startsWith("12 "), err);
        assertTrue(err.contains(failingPath + " staging page(s): memory of dom0 exhausted"), err);
        assertFalse(device().vif().carrierOk());
        assertEquals(inUse, dom0.allocatedFrames(), "dom0 frames in use after the failed connect");
        taken.forEach(gfn -> dom0.freeFrames(gfn, 1));
    }

    @Test
    void absentQueueCountIsOneQueue() {
        start(true);
        var fe = new ScriptedNetfront(fx, guest, 0);
        var keys = fe.setUp(1, false);
        keys.remove("multi-queue-num-queues");
        fe.publish(keys);
        assertEquals("4", backendKey("state"));
        assertEquals(1, device().vif().queues().size());
    }

    @Test
    void withoutRequestRxCopyTheDeviceFails() {
        start(true);
        var fe = new ScriptedNetfront(fx, guest, 0);
        var keys = fe.setUp(1, true);
        keys.remove("request-rx-copy");
        fe.publish(keys);
        assertEquals("5", backendKey("state"));
        assertTrue(error().orElseThrow().startsWith("95 "), error().orElseThrow());
    }

    @Test
    void connectedOnlyOnceHotplugStatusIsExactlyConnected() {
        var script = new CompletableFuture<Void>();
        fx.toolstack.registerHotplugScript(DeviceConfig.VIF_BRIDGE_SCRIPT, d -> script);
        fx.toolstack.await(fx.toolstack.dom0().backends().register(netback.driver()));
        start(false);
        var fe = new ScriptedNetfront(fx, guest, 0);
        fe.connect(1, true);
        assertEquals("2", backendKey("state"));
        assertEquals(BackendDevice.Phase.CONNECTING, device().phase());
        fx.toolstack.await(fx.toolstack.xs().write(BE + "/hotplug-status", "connected\n"));
        fx.hv.runUntilIdle();
        assertEquals("2", backendKey("state"));
        fx.onDomainRun(fx.toolstack.dom0(), () -> script.complete(null));
        assertEquals("connected", backendKey("hotplug-status"));
        assertEquals("4", backendKey("state"));
    }

    @Test
    void frontendCloseThenReinitialiseGetsAFreshInitWait() {
        start(true);
        var fe = new ScriptedNetfront(fx, guest, 0);
        fe.connect(2, true);
        assertEquals("4", backendKey("state"));
        fe.setState(5);
        assertEquals("5", backendKey("state"));
        assertFalse(device().vif().carrierOk());
        fe.setState(6);
        assertEquals("6", backendKey("state"));
        assertEquals(0, device().device().heldResources());
        fe.setState(1);
        assertEquals("2", backendKey("state"));
        var again = new ScriptedNetfront(fx, guest, 0);
        again.connect(1, false);
        assertEquals("4", backendKey("state"));
        assertEquals(2, device().connectionCount());
        assertTrue(device().vif().carrierOk());
    }

    @Test
    void toolstackRemovalClosesAndDetachesFromTheBridge() {
        start(true);
        var fe = new ScriptedNetfront(fx, guest, 0);
        fe.connect(1, true);
        var removed = fx.toolstack.removeDevice("vif", 1, 0);
        fx.hv.runUntilIdle();
        assertEquals("0", backendKey("online"));
        assertEquals("5", backendKey("state"));
        fe.setState(6);
        assertTrue(fx.toolstack.await(removed));
        assertEquals(null, backendKey("state"));
        assertEquals(Optional.empty(), fx.toolstack.await(fx.toolstack.xs().readOptional("/libxl/1/device/vif/0")));
        assertTrue(netback.bridges().bridge("xenbr0").portNames().isEmpty());
    }
}
