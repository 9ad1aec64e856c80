package io.xensim.net.back;

import io.xensim.net.bridge.Bridges;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.bus.BackendDriver;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.Toolstack;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The netback driver of one backend domain: the {@code vif} backend driver its xenbus probes devices with, the
 * domain's bridges, and the vif-bridge hotplug script that attaches each vif to its bridge. {@link #install}
 * registers both with a toolstack whose dom0 is the backend domain.
 *
 * <p>Under {@code tx=timer} with real threads ({@code ThreadingMode} SHARED or DEDICATED) this netback owns one
 * timer thread ({@link TxTimers}, started at the first window, stopped by {@link #close}) that closes each window
 * by handing the expiry to the backend domain's executor, where the ring is served. In INVOKER mode there is no
 * such thread: {@link #doWork} with the stepper's manual clock closes the windows.
 *
 * <p><b>Threading:</b> {@link #install} and {@link #close} from any thread; everything else on the backend
 * domain's executor; the timer thread only hands expiries over.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/net/xen-netback/xenbus.c ({@code netback_driver}, {@code netback_probe}).
 */
public final class Netback implements AutoCloseable {
    /** The device type. */
    public static final String TYPE = "vif";

    private final Bridges bridges;
    private final NetbackConfig config;
    private final TxTimers timers = new TxTimers();

    public Netback(Bridges bridges, NetbackConfig config) {
        this.bridges = Objects.requireNonNull(bridges, "bridges");
        this.config = Objects.requireNonNull(config, "config");
    }

    public Bridges bridges() {
        return bridges;
    }

    public NetbackConfig config() {
        return config;
    }

    public BackendDriver driver() {
        return BackendDriver.of(TYPE, device -> new NetbackDevice(device, config,
                device.domain().hypervisor().threadingMode() == ThreadingMode.INVOKER ? null : timers));
    }

    /** {@code tx=timer} windows armed on the timer thread and not yet expired or cancelled (0 in INVOKER mode). */
    public int pendingTxTimers() {
        return timers.pending();
    }

    /** Stops the timer thread; windows still open then close only by a notification or {@link #doWork}. */
    @Override
    public void close() {
        timers.close();
    }

    /** Registers the driver on dom0's backend bus and {@link VifHotplug} as {@link DeviceConfig#VIF_BRIDGE_SCRIPT}. */
    public CompletableFuture<Void> install(Toolstack toolstack) {
        toolstack.registerHotplugScript(DeviceConfig.VIF_BRIDGE_SCRIPT, new VifHotplug(toolstack, bridges));
        return toolstack.dom0().backends().register(driver());
    }

    /**
     * Periodic work of every netback device in {@code toolstack}'s dom0 (the {@code tx=timer} windows), on dom0's
     * executor; returns how many timers fired.
     */
    public static int doWork(Toolstack toolstack, long nowNs) {
        int work = 0;
        for (var d : toolstack.dom0().backends().devices().values()) {
            if (d.handler() instanceof NetbackDevice n) {
                work += n.doWork(nowNs);
            }
        }
        return work;
    }

    /** The netback device of {@code vif/<frontendDomid>/<devid>} in {@code toolstack}'s dom0, if probed. */
    public static Optional<NetbackDevice> device(Toolstack toolstack, int frontendDomid, int devid) {
        return toolstack.dom0().backends().device(TYPE, frontendDomid, devid)
                .map(d -> d.handler() instanceof NetbackDevice n ? n : null);
    }
}
