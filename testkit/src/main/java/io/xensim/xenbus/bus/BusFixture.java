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
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** A hypervisor in INVOKER mode with a manual clock, a recorder, a toolstack and the echo drivers. */
final class BusFixture implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    final ManualClock clock = new ManualClock();
    final TraceRecorder trace = new TraceRecorder();
    final Hypervisor hv;
    final Toolstack toolstack;

    BusFixture() {
        this(ToolstackConfig.defaults().withXenbus(new XenbusConfig(TIMEOUT)));
    }

    BusFixture(ToolstackConfig config) {
        hv = Hypervisor.builder().threadingMode(ThreadingMode.INVOKER).clock(clock).tracer(trace).build();
        toolstack = Toolstack.start(hv, config);
    }

    ManagedDomain guest(int domid) {
        return toolstack.await(toolstack.createDomain(DomainConfig.of(domid, "guest" + domid, 16)));
    }

    void registerEcho(ManagedDomain guest) {
        toolstack.await(guest.frontends().register(EchoDrivers.frontend()));
    }

    void registerEchoBackend() {
        toolstack.await(toolstack.dom0().backends().register(EchoDrivers.backend()));
    }

    void addEcho(int frontendDomid, int devid) {
        toolstack.await(toolstack.addDevice(DeviceConfig.of(EchoDrivers.TYPE, frontendDomid, 0, devid)));
        hv.runUntilIdle();
    }

    XenbusDevice front(ManagedDomain guest, int devid) {
        return guest.frontends().device(EchoDrivers.TYPE, guest.domid(), devid).orElseThrow(
                () -> new AssertionError("no frontend echo/" + devid + " in dom" + guest.domid()));
    }

    XenbusDevice back(int frontendDomid, int devid) {
        return toolstack.dom0().backends().device(EchoDrivers.TYPE, frontendDomid, devid).orElseThrow(
                () -> new AssertionError("no backend echo/" + frontendDomid + "/" + devid));
    }

    EchoFrontend echoFront(ManagedDomain guest, int devid) {
        return (EchoFrontend) front(guest, devid).handler();
    }

    EchoBackend echoBack(int frontendDomid, int devid) {
        return (EchoBackend) back(frontendDomid, devid).handler();
    }

    /** Runs {@code action} on {@code guest}'s executor and returns its result once the domains are idle. */
    <T> T onDomain(ManagedDomain domain, Supplier<T> action) {
        var result = new CompletableFuture<T>();
        domain.domain().executor().execute(() -> result.complete(action.get()));
        hv.runUntilIdle();
        return result.join();
    }

    void onDomainRun(ManagedDomain domain, Runnable action) {
        onDomain(domain, () -> {
            action.run();
            return null;
        });
    }

    /** Advances the clock past the step timeout and lets the buses notice. */
    void expireTimeouts() {
        clock.advanceNanos(TIMEOUT.toNanos() + 1);
        toolstack.checkTimeouts();
        hv.runUntilIdle();
    }

    List<TraceEvent> states() {
        return trace.events(e -> e.kind() == TraceEvent.Kind.STATE);
    }

    /** The STATE events as "d<domid> <device> <detail up to ':'>", for order checks. */
    List<String> stateLines() {
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
