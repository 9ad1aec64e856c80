package io.xensim.xenbus.store.socket;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The owner of a hand-stepped xenstored while it serves a socket. In {@link io.xensim.xenbus.ThreadingMode#INVOKER}
 * mode a host's xenstored runs on dom0's executor, and that executor's tasks run only when the thread driving the
 * host steps the hypervisor. A socket client's request is queued there by the socket's event loop
 * ({@link io.xensim.xenbus.store.server.XsConnection#receive}); the event loop then calls {@link #wakeup()}
 * ({@link XenstoredSocketOptions#onHandOff}), and the owner, parked in {@link #run(Duration)}, takes one
 * {@code step} (the host's "run until idle"), which answers the request, fires the watches it triggers (to socket
 * clients and to the guests' drivers alike) and runs whatever the domains do in reaction. So xenstored's state is
 * only ever touched by the owner's thread, exactly as when the owner drives the host for its own reasons.
 *
 * <p>A wake-up that arrives while a step runs is kept and causes one more step, so no hand-off is ever left queued
 * while the owner sleeps. {@link #requestStop()} (a signal handler, a test) ends {@link #run} after the step in
 * progress, if any.
 *
 * <p><b>Threading:</b> {@link #wakeup()}, {@link #requestStop()} and {@link #stopRequested()} from any thread, never
 * blocking; {@link #run} and {@code step} on the owner's thread only.
 *
 * <p><b>Reference:</b> C xenstored's main loop ({@code main()} in xenstored_core.c: {@code poll()} on the socket
 * and the rings, then handle each connection with input, all on one thread). Here the event loop does the polling,
 * the wait for a wake-up stands for {@code poll()} returning, and the step is the handling.
 */
public final class XenstoredStepper {
    /** Why {@link #run} returned. */
    public enum Stopped {
        /** {@link #requestStop()} was called. */
        REQUESTED,
        /** The duration ran out. */
        ELAPSED
    }

    private static final Duration NEVER = Duration.ofNanos(Long.MAX_VALUE / 2);

    private final Runnable step;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // Guarded by lock.
    private boolean work;
    private boolean stop;

    /** {@code step} runs every piece of queued work of the domains (e.g. the host's {@code runUntilIdle}). */
    public XenstoredStepper(Runnable step) {
        this.step = Objects.requireNonNull(step, "step");
    }

    /** Someone queued work for the owner: it steps as soon as it can. */
    public void wakeup() {
        lock.lock();
        try {
            work = true;
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Ends {@link #run} (now, or as soon as the step in progress ends). Idempotent. */
    public void requestStop() {
        lock.lock();
        try {
            stop = true;
            changed.signal();
        } finally {
            lock.unlock();
        }
    }

    public boolean stopRequested() {
        lock.lock();
        try {
            return stop;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Steps once (work may have been queued before this stepper existed), then once per wake-up, until a stop is
     * requested or {@code max} has elapsed on the wall clock. A {@code max} too long to count in nanoseconds (such
     * as {@link java.time.temporal.ChronoUnit#FOREVER}) means until a stop is requested.
     *
     * @throws InterruptedException if the owner's thread is interrupted while it waits
     */
    public Stopped run(Duration max) throws InterruptedException {
        long deadline = deadline(Objects.requireNonNull(max, "max"));
        while (true) {
            step.run();
            lock.lock();
            try {
                while (!work && !stop) {
                    if (deadline == Long.MAX_VALUE) {
                        changed.await();
                    } else {
                        long left = deadline - System.nanoTime();
                        if (left <= 0) {
                            return Stopped.ELAPSED;
                        }
                        changed.awaitNanos(left);
                    }
                }
                if (stop) {
                    return Stopped.REQUESTED;
                }
                work = false;   // cleared before the step: a hand-off during the step wakes us again
            } finally {
                lock.unlock();
            }
        }
    }

    /** {@code System.nanoTime()} at which {@code max} has elapsed, or {@link Long#MAX_VALUE} for "never". */
    private static long deadline(Duration max) {
        if (max.isNegative()) {
            throw new IllegalArgumentException("max: " + max + " (expected: not negative)");
        }
        // Past ~146 years (half of nanoTime's range, so the sum cannot overflow) is "never".
        if (max.compareTo(NEVER) >= 0) {
            return Long.MAX_VALUE;
        }
        return System.nanoTime() + max.toNanos();
    }
}
