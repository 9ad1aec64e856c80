package io.xensim.xenbus.store.socket;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/** A hand-stepped executor for xenstored in single-threaded channel tests. */
final class ManualExecutor implements Executor {
    private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

    @Override
    public void execute(Runnable task) {
        tasks.add(task);
    }

    /** Runs tasks, including ones they queue, until none is left; returns how many ran. */
    int runAll() {
        int n = 0;
        for (Runnable t; (t = tasks.poll()) != null; n++) {
            t.run();
        }
        return n;
    }
}
