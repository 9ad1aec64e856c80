package io.xensim.xenbus.bus;

import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ManualClock;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.bus.demo.EchoBackend;
import io.xensim.xenbus.bus.demo.EchoDrivers;
import io.xensim.xenbus.bus.demo.EchoFrontend;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import io.xensim.xenbus.toolstack.Toolstack;
import io.xensim.xenbus.toolstack.ToolstackConfig;
import io.xensim.xenbus.trace.TraceEvent;
import io.xensim.xenbus.trace.TraceRecorder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The fixture for paired frontend+backend tests, as MirageOS's in-memory driver tests pair both ends: a
 * hypervisor in INVOKER mode (every domain stepped by the test, so a run is deterministic) with a manual clock,
 * a trace recorder and a toolstack (dom0 with xenstored), plus the echo drivers as the default pair. A driver's
 * test creates a guest with {@link #guest}, registers its frontend in the guest and its backend in dom0, adds a
 * device through {@link #toolstack}, then steps with {@code hv.runUntilIdle()}, {@link #onDomain} and
 * {@link #expireTimeouts}, and reads the handshake back from {@link #trace}.
 *
 * <p>{@link #close()} closes the toolstack and checks that nothing leaked ({@code Hypervisor.assertCleanedUp}: no
 * live grant, no foreign mapping, no open port, no dying domain, no uncaught error); a leak fails the test.
 * Use it in try-with-resources or close it in {@code @AfterEach}.
 *
 * <p><b>Threading:</b> INVOKER mode: everything runs on the test's thread, inside {@code runUntilIdle}.
 *
 * <p><b>Reference:</b> xenbus_probe.c and xenbus_client.c (Linux 6.1) for the handshake the buses follow.
 */
public final class BusFixture implements AutoCloseable {
    /** The xenbus step timeout of the default configuration. */
    public static final Duration TIMEOUT = Duration.ofSeconds(5);

    public final ManualClock clock = new ManualClock();
    public final TraceRecorder trace = new TraceRecorder();
    public final Hypervisor hv;
    public final Toolstack toolstack;

    /** The default toolstack, with the xenbus step timeout {@link #TIMEOUT}. */
    public BusFixture() {
        this(ToolstackConfig.defaults().withXenbus(new XenbusConfig(TIMEOUT)));
    }

    public BusFixture(ToolstackConfig config) {
        hv = Hypervisor.builder().threadingMode(ThreadingMode.INVOKER).clock(clock).tracer(trace).build();
        toolstack = Toolstack.start(hv, config);
    }

    public ManagedDomain guest(int domid) {
        return toolstack.await(toolstack.createDomain(DomainConfig.of(domid, "guest" + domid, 16)));
    }

    public void registerEcho(ManagedDomain guest) {
        toolstack.await(guest.frontends().register(EchoDrivers.frontend()));
    }

    public void registerEchoBackend() {
        toolstack.await(toolstack.dom0().backends().register(EchoDrivers.backend()));
    }

    public void addEcho(int frontendDomid, int devid) {
        toolstack.await(toolstack.addDevice(DeviceConfig.of(EchoDrivers.TYPE, frontendDomid, 0, devid)));
        hv.runUntilIdle();
    }

    public XenbusDevice front(ManagedDomain guest, int devid) {
        return guest.frontends().device(EchoDrivers.TYPE, guest.domid(), devid).orElseThrow(
                () -> new AssertionError("no frontend echo/" + devid + " in dom" + guest.domid()));
    }

    public XenbusDevice back(int frontendDomid, int devid) {
        return toolstack.dom0().backends().device(EchoDrivers.TYPE, frontendDomid, devid).orElseThrow(
                () -> new AssertionError("no backend echo/" + frontendDomid + "/" + devid));
    }

    public EchoFrontend echoFront(ManagedDomain guest, int devid) {
        return (EchoFrontend) front(guest, devid).handler();
    }

    public EchoBackend echoBack(int frontendDomid, int devid) {
        return (EchoBackend) back(frontendDomid, devid).handler();
    }

    /** Runs {@code action} on {@code guest}'s executor and returns its result once the domains are idle. */
    public <T> T onDomain(ManagedDomain domain, Supplier<T> action) {
        var result = new CompletableFuture<T>();
        domain.domain().executor().execute(() -> result.complete(action.get()));
        hv.runUntilIdle();
        return result.join();
    }

    public void onDomainRun(ManagedDomain domain, Runnable action) {
        onDomain(domain, () -> {
            action.run();
            return null;
        });
    }

    /**
     * A scripted peer's step: writes {@code keys} under {@code dir} in one transaction of {@code domain}'s xenstore
     * connection (as a driver publishes its keys), then {@code dir/state} = {@code state}, and lets the domains run.
     */
    public void publish(ManagedDomain domain, String dir, Map<String, String> keys, int state) {
        toolstack.await(domain.xs().transaction(dir, tx -> {
            CompletableFuture<Void> all = CompletableFuture.completedFuture(null);
            for (var e : keys.entrySet()) {
                all = all.thenCompose(v -> domain.xs().write(tx, dir + "/" + e.getKey(), e.getValue()));
            }
            return all;
        }));
        setState(domain, dir, state);
    }

    /** Writes {@code dir/state} = {@code state} through {@code domain}'s connection and lets the domains run. */
    public void setState(ManagedDomain domain, String dir, int state) {
        toolstack.await(domain.xs().write(dir + "/state", Integer.toString(state)));
        hv.runUntilIdle();
    }

    /** Advances the clock past the step timeout and lets the buses notice. */
    public void expireTimeouts() {
        clock.advanceNanos(TIMEOUT.toNanos() + 1);
        toolstack.checkTimeouts();
        hv.runUntilIdle();
    }

    public List<TraceEvent> states() {
        return trace.events(e -> e.kind() == TraceEvent.Kind.STATE);
    }

    /** The STATE events as "d<domid> <device> <detail up to ':'>", for order checks. */
    public List<String> stateLines() {
        return states().stream().map(e -> "d" + e.domid() + " " + e.device() + " "
                + e.detail().substring(0, e.detail().indexOf(':'))).toList();
    }

    @Override
    public void close() {
        toolstack.close();
        hv.runUntilIdle();
        hv.assertCleanedUp();
        hv.close();
    }
}
