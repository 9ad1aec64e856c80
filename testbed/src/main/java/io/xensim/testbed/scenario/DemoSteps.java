package io.xensim.testbed.scenario;

import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ManualClock;
import io.xensim.xenbus.toolstack.ManagedDomain;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * How the demos drive an INVOKER-mode hypervisor on the caller's thread: every task a domain runs moves the manual
 * clock by {@link EchoDemo#STEP_NANOS}, so the trace's times read as a timeline and the output is the same each run.
 *
 * <p><b>Threading:</b> the caller's thread, which runs every domain's work.
 */
public final class DemoSteps {
    private static final int MAX_STEPS = 1_000_000;
    private final Hypervisor hv;
    private final ManualClock clock;

    public DemoSteps(Hypervisor hv, ManualClock clock) {
        this.hv = hv;
        this.clock = clock;
    }

    /** Runs the domains until {@code future} completes; fails if nothing is left to run before that. */
    public <T> T await(CompletableFuture<T> future) {
        runUntil(future::isDone);
        if (!future.isDone()) {
            throw new IllegalStateException("the demo stalled: nothing left to run");
        }
        return future.join();
    }

    public void runUntil(BooleanSupplier done) {
        hv.runUntil(() -> {
            if (done.getAsBoolean()) {
                return true;
            }
            clock.advanceNanos(EchoDemo.STEP_NANOS);
            return false;
        }, MAX_STEPS);
    }

    /** Runs {@code action} on {@code domain}'s executor and returns its result. */
    public <T> T onDomain(ManagedDomain domain, Supplier<T> action) {
        var result = new CompletableFuture<T>();
        domain.domain().executor().execute(() -> result.complete(action.get()));
        return await(result);
    }
}
