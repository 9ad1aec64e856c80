package io.xensim.testbed.fault;

import io.xensim.testbed.scenario.DemoSteps;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ManualClock;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.bus.FrontendDriver;
import io.xensim.xenbus.event.SendFilter;
import io.xensim.xenbus.grant.MapResult;
import io.xensim.xenbus.toolstack.ManagedDomain;
import io.xensim.xenbus.toolstack.Toolstack;
import io.xensim.xenbus.toolstack.ToolstackConfig;
import io.xensim.xenbus.trace.TraceEvent;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What every fault pair stands on: an INVOKER-mode hypervisor on a manual clock, dom0 with the toolstack and its
 * xenstored, and the stepping the demos use ({@link DemoSteps}: each task a domain runs moves the clock one step).
 * The block and the network pairs build their devices on it.
 *
 * <p>Simulated time only moves while some domain has work. A wait that only a timeout ends (libxl's
 * {@code LIBXL_DESTROY_TIMEOUT} on an unplug whose frontend never answers) therefore never ends by stepping alone:
 * {@link #expireTimeouts()} is the stepper's half of libxl's timer, moving the clock past the toolstack's step
 * timeout and letting it check its waits ({@link Toolstack#checkTimeouts()}).
 *
 * <p><b>Threading:</b> the thread that built it steps every domain; domain work runs on that thread.
 */
final class FaultHost implements AutoCloseable {
    private final ManualClock clock = new ManualClock();
    /** The toolstack's and drivers' notes ({@link TraceEvent.Kind#INFO}), such as a forced unplug's. */
    private final List<String> notes = new CopyOnWriteArrayList<>();
    private final Hypervisor hv;
    private final DemoSteps steps;
    private final Toolstack toolstack;

    FaultHost() {
        hv = Hypervisor.builder().threadingMode(ThreadingMode.INVOKER).clock(clock).tracer(e -> {
            if (e.kind() == TraceEvent.Kind.INFO) {
                notes.add(e.detail());
            }
        }).build();
        steps = new DemoSteps(hv, clock);
        toolstack = Toolstack.start(hv, ToolstackConfig.defaults());
    }

    Hypervisor hypervisor() {
        return hv;
    }

    Toolstack toolstack() {
        return toolstack;
    }

    ManualClock clock() {
        return clock;
    }

    /** The INFO notes traced so far, in order (the toolstack's "removing the device anyway", for one). */
    List<String> notes() {
        return List.copyOf(notes);
    }

    /** Runs the domains until {@code future} completes; fails if nothing is left to run before that. */
    <T> T await(CompletableFuture<T> future) {
        return steps.await(future);
    }

    /** Runs every domain until nothing is left to run. */
    void run() {
        steps.runUntil(() -> !hv.hasPendingWork());
    }

    /** Runs every domain until {@code done} or nothing is left to run; whether {@code done} then holds. */
    boolean runUntil(BooleanSupplier done) {
        steps.runUntil(() -> done.getAsBoolean() || !hv.hasPendingWork());
        return done.getAsBoolean();
    }

    /** Runs {@code action} on {@code domain}'s executor and returns its result. */
    <T> T onDomain(ManagedDomain domain, Supplier<T> action) {
        return steps.onDomain(domain, action);
    }

    /**
     * Lets the toolstack's timeouts fire: moves the clock past its step timeout (libxl's 10 s), has it check its
     * waits, and runs the domains until idle.
     */
    void expireTimeouts() {
        clock.advanceNanos(toolstack.config().xenbus().stepTimeout().toNanos() + 1);
        toolstack.checkTimeouts();
        run();
    }

    /** Creates guest {@code domid} (16 MiB) through the toolstack, with {@code drivers} on its frontend bus. */
    ManagedDomain guest(int domid, FrontendDriver... drivers) {
        ManagedDomain guest = await(toolstack.createDomain(DomainConfig.of(domid, "guest" + domid, 16)));
        for (FrontendDriver driver : drivers) {
            await(guest.frontends().register(driver));
        }
        return guest;
    }

    /** The xenstore value at {@code path}, read as dom0; fails if there is none. */
    String read(String path) {
        return await(toolstack.xs().readOptional(path)).orElseThrow(
                () -> new IllegalStateException("no xenstore node " + path));
    }

    /**
     * dom0 maps page {@code ref} of guest {@code domid}, as a backend maps a shared ring, so a fault can write into
     * it; the mapping lives as long as the hypervisor. Call between steps.
     */
    MemorySegment mapFromDom0(int domid, int ref) {
        MapResult map = toolstack.dom0().domain().grantOps().mapGrantRef(domid, ref, 0);
        if (!map.ok()) {
            throw new IllegalStateException("cannot map d" + domid + " grant ref " + ref + ": status " + map.status());
        }
        return map.area();
    }

    /** {@code guest} notifies its port {@code port} once more (EVTCHNOP_send): a re-kick of the ring behind it. */
    void kick(ManagedDomain guest, int port) {
        onDomain(guest, () -> guest.domain().eventChannels().send(port));
    }

    /**
     * Runs the domains with {@code held} notifications released {@code delayNanos} of simulated time after they
     * were held, until {@code done} or nothing is left to run or release; whether {@code done} then holds.
     */
    boolean runDelayed(HeldEvents held, long delayNanos, BooleanSupplier done) {
        while (!runUntil(done) && held.waiting() > 0) {
            clock.advanceNanos(delayNanos);
            held.release();
        }
        return done.getAsBoolean();
    }

    /** Every event-channel send from now on goes through {@code filter} ({@link SendFilter#NONE}: all delivered). */
    void events(SendFilter filter) {
        hv.eventChannels().sendFilter(filter);
    }

    @Override
    public void close() {
        hv.eventChannels().sendFilter(SendFilter.NONE);
        hv.close();
    }
}
