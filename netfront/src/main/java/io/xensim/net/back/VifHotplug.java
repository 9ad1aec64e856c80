package io.xensim.net.back;

import io.xensim.net.bridge.Bridge;
import io.xensim.net.bridge.Bridges;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.HotplugScript;
import io.xensim.xenbus.toolstack.Toolstack;
import java.util.concurrent.CompletableFuture;

/**
 * The simulated {@code /etc/xen/scripts/vif-bridge}: {@code online} adds the vif to the bridge its backend's
 * {@code bridge} key names ({@code xenbr0} if absent), after which the toolstack writes
 * {@code hotplug-status = connected}; {@code offline} removes it. Lives here rather than in the toolstack because
 * it needs the vif and the bridges, which the generic toolstack ({@link HotplugScript}) knows nothing about.
 *
 * <p><b>Threading:</b> called on dom0's executor, the thread of dom0's bridges and backends.
 *
 * <p><b>Reference:</b> tools/hotplug/Linux/vif-bridge ({@code online}: {@code add_to_bridge}; {@code offline}:
 * {@code remove_from_bridge}) and xen-hotplug-common.sh.
 */
public final class VifHotplug implements HotplugScript {
    private final Toolstack toolstack;
    private final Bridges bridges;

    public VifHotplug(Toolstack toolstack, Bridges bridges) {
        this.toolstack = toolstack;
        this.bridges = bridges;
    }

    @Override
    public CompletableFuture<Void> online(DeviceConfig device) {
        var netback = Netback.device(toolstack, device.frontendDomid(), device.devid());
        if (netback.isEmpty()) {
            return CompletableFuture.failedFuture(new IllegalStateException("vif" + device.frontendDomid() + "."
                    + device.devid() + " does not exist"));
        }
        String name = device.backendKeys().getOrDefault("bridge", Bridge.DEFAULT_NAME);
        netback.get().vif().attach(bridges.bridge(name));
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> offline(DeviceConfig device) {
        String name = device.backendKeys().getOrDefault("bridge", Bridge.DEFAULT_NAME);
        bridges.find(name).ifPresent(b -> b.removePort("vif" + device.frontendDomid() + "." + device.devid()));
        return CompletableFuture.completedFuture(null);
    }
}
