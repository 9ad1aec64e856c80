package io.xensim.xenbus.store;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * An executor the test drives by hand: tasks queue up and run, in order, only inside {@link #runAll()} (INVOKER
 * mode). Deterministic, no threads.
 *
 * <p><b>Threading:</b> {@link #execute} may be called from any thread; {@link #runAll()} from the test thread.
 */
public final class ManualExecutor implements Executor {
    /** A bound on the tasks one {@link #runAll()} runs, so a livelock fails the test instead of hanging it. */
    public static final int MAX_TASKS = 1_000_000;

    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

    @Override
    public synchronized void execute(Runnable task) {
        tasks.add(task);
    }

    /** Runs queued tasks, including those they queue, until none is left; returns how many ran. */
    public int runAll() {
        int n = 0;
        for (Runnable task; (task = poll()) != null; ) {
            task.run();
            if (++n > MAX_TASKS) {
                throw new IllegalStateException("tasks: more than " + MAX_TASKS + " (expected: the queue to drain)");
            }
        }
        return n;
    }

    public synchronized boolean isIdle() {
        return tasks.isEmpty();
    }

    private synchronized Runnable poll() {
        return tasks.poll();
    }
}
