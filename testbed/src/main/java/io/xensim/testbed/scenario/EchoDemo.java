package io.xensim.testbed.scenario;

import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ManualClock;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.bus.XenbusDevice;
import io.xensim.xenbus.bus.XenbusState;
import io.xensim.xenbus.bus.demo.EchoBackend;
import io.xensim.xenbus.bus.demo.EchoDrivers;
import io.xensim.xenbus.bus.demo.EchoFrontend;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.GuestXenstore;
import io.xensim.xenbus.toolstack.ManagedDomain;
import io.xensim.xenbus.toolstack.Toolstack;
import io.xensim.xenbus.toolstack.ToolstackConfig;
import io.xensim.xenbus.trace.TraceEvent;
import io.xensim.xenbus.trace.TraceRecorder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * {@code xensim demo --echo} (the first demo): the toolstack creates dom0 and a guest, a frontend in the guest and
 * a backend in dom0 negotiate an echo ring (one grant, one event channel) through the full xenbus handshake,
 * exchange a few requests and responses, and close; the trace is the result.
 *
 * <p>Deterministic: INVOKER mode, and a manual clock that moves {@link #STEP_NANOS} for each task a domain runs, so
 * the timeline's times count work, not wall time.
 *
 * <p><b>Threading:</b> {@link #run()} runs everything on the calling thread.
 */
public final class EchoDemo {
    /** Simulated time per domain task. */
    public static final long STEP_NANOS = 10_000;
    private static final int MAX_STEPS = 1_000_000;

    /** What the demo did: the trace, the values sent and received, and the names of the domains. */
    public record Result(List<TraceEvent> events, List<Long> sent, List<Long> received, String guestXenstore) {
    }

    private final GuestXenstore guestXenstore;
    private final String guestXenstoreName;

    public EchoDemo() {
        this(GuestXenstore.RING, "its own xenstore ring (a page of its memory granted as ref 1, and an event channel)");
    }

    public EchoDemo(GuestXenstore guestXenstore, String guestXenstoreName) {
        this.guestXenstore = guestXenstore;
        this.guestXenstoreName = guestXenstoreName;
    }

    public Result run() {
        var clock = new ManualClock();
        var trace = new TraceRecorder();
        try (var hv = Hypervisor.builder().threadingMode(ThreadingMode.INVOKER).clock(clock).tracer(trace).build()) {
            var toolstack = Toolstack.start(hv, ToolstackConfig.defaults().withGuestXenstore(guestXenstore));
            trace.clear(); // dom0's own setup is not part of the story
            ManagedDomain guest = await(hv, clock, toolstack.createDomain(DomainConfig.of(1, "guest", 64)));
            ManagedDomain dom0 = toolstack.dom0();
            await(hv, clock, dom0.backends().register(EchoDrivers.backend()));
            await(hv, clock, guest.frontends().register(EchoDrivers.frontend()));

            await(hv, clock, toolstack.addDevice(DeviceConfig.of(EchoDrivers.TYPE, guest.domid(), 0, 0)));
            runUntil(hv, clock, () -> guest.frontends().device(EchoDrivers.TYPE, 1, 0)
                    .map(d -> d.state() == XenbusState.CONNECTED).orElse(false));
            XenbusDevice front = guest.frontends().device(EchoDrivers.TYPE, 1, 0).orElseThrow(
                    () -> new IllegalStateException("the echo frontend was not probed"));
            XenbusDevice back = dom0.backends().device(EchoDrivers.TYPE, 1, 0).orElseThrow(
                    () -> new IllegalStateException("the echo backend was not probed"));
            if (front.state() != XenbusState.CONNECTED || back.state() != XenbusState.CONNECTED) {
                throw new IllegalStateException("handshake did not complete: frontend " + front.state()
                        + ", backend " + back.state());
            }
            List<Long> sent = List.of(1L, 42L, 0xC0FFEEL);
            var echo = (EchoFrontend) handlerOf(front);
            List<CompletableFuture<Long>> replies = onDomain(hv, clock, guest,
                    () -> sent.stream().map(echo::echo).toList());
            runUntil(hv, clock, () -> replies.stream().allMatch(CompletableFuture::isDone));
            List<Long> received = new ArrayList<>();
            replies.forEach(r -> received.add(r.join()));
            if (((EchoBackend) handlerOf(back)).served() != sent.size()) {
                throw new IllegalStateException("backend served " + ((EchoBackend) handlerOf(back)).served());
            }

            await(hv, clock, toolstack.removeDevice(EchoDrivers.TYPE, 1, 0));
            runUntil(hv, clock, () -> !hv.hasPendingWork());
            await(hv, clock, toolstack.destroyDomain(1));
            toolstack.close();
            hv.runUntilIdle();
            hv.assertCleanedUp();
            return new Result(trace.events(), sent, received, guestXenstoreName);
        }
    }

    private static io.xensim.xenbus.bus.XenbusDeviceHandler handlerOf(XenbusDevice device) {
        return device.handler();
    }

    private static <T> T await(Hypervisor hv, ManualClock clock, CompletableFuture<T> future) {
        runUntil(hv, clock, future::isDone);
        if (!future.isDone()) {
            throw new IllegalStateException("the demo stalled: nothing left to run");
        }
        return future.join();
    }

    private static void runUntil(Hypervisor hv, ManualClock clock, BooleanSupplier done) {
        hv.runUntil(() -> {
            if (done.getAsBoolean()) {
                return true;
            }
            clock.advanceNanos(STEP_NANOS);
            return false;
        }, MAX_STEPS);
    }

    private static <T> T onDomain(Hypervisor hv, ManualClock clock, ManagedDomain domain, Supplier<T> action) {
        var result = new CompletableFuture<T>();
        domain.domain().executor().execute(() -> result.complete(action.get()));
        return await(hv, clock, result);
    }
}
