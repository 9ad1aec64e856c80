package io.xensim.xenbus;

import java.util.ArrayDeque;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one executor on which a domain's upcalls run: event-channel notifications, xenstore watch firings, and
 * every driver step of that domain. Work for a domain never runs on another domain's stack.
 *
 * <p><b>Threading:</b> {@link #execute} may be called from any thread. In {@link ThreadingMode#INVOKER} mode the
 * tasks queue up until {@link Hypervisor#runUntilIdle()} runs them on the caller's thread; otherwise they run on
 * the mode's thread(s). Tasks of one domain never run concurrently with each other, in any mode.
 * {@link #inExecutor()} tells a driver whether it is on its own domain's executor (Netty's
 * {@code inEventLoop()}), for assertions.
 *
 * <p>Destruction ({@link #shutdown}, from {@link Hypervisor#destroyDomain}): tasks not yet started are dropped, and
 * a task already running on the domain's thread is waited for (at most {@link #QUIESCE_TIMEOUT_MS} ms), so that
 * the domain's memory, grants and ports are never released under a task still using them. The wait is skipped
 * when the domain destroys itself from one of its own tasks.
 */
public final class DomainExecutor implements Executor {
    private static final ThreadLocal<DomainExecutor> CURRENT = new ThreadLocal<>();
    private static final Logger LOG = LoggerFactory.getLogger(DomainExecutor.class);

    /** How long {@link #shutdown} waits for a running task before giving up (and logging it). */
    static final long QUIESCE_TIMEOUT_MS = 5_000;

    private final String name;
    private final ExecutorService threads; // null in INVOKER mode
    private final Consumer<Throwable> onUncaught;
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>(); // INVOKER mode only; guarded by itself
    private final ReadyExecutors ready; // INVOKER mode only: where a non-empty queue is marked
    private final int index; // this executor's bit in ready
    /** Held while one of this domain's tasks runs; {@link #shutdown} takes it to wait for that task to end. */
    private final ReentrantLock running = new ReentrantLock();
    private volatile boolean shutdown;

    /** An executor on {@code threads}' thread(s). */
    DomainExecutor(String name, ExecutorService threads, Consumer<Throwable> onUncaught) {
        this(name, Objects.requireNonNull(threads, "threads"), onUncaught, null, -1);
    }

    /** An INVOKER-mode executor: its queue's non-emptiness is bit {@code index} of {@code ready}. */
    DomainExecutor(String name, Consumer<Throwable> onUncaught, ReadyExecutors ready, int index) {
        this(name, null, onUncaught, Objects.requireNonNull(ready, "ready"), index);
    }

    private DomainExecutor(String name, ExecutorService threads, Consumer<Throwable> onUncaught,
            ReadyExecutors ready, int index) {
        this.name = Objects.requireNonNull(name, "name");
        this.threads = threads;
        this.onUncaught = Objects.requireNonNull(onUncaught, "onUncaught");
        this.ready = ready;
        this.index = index;
    }

    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        if (shutdown) {
            return; // the domain is gone: its pending upcalls are dropped, as a destroyed domain's would be
        }
        if (threads == null) {
            synchronized (queue) {
                queue.addLast(task);
                if (queue.size() == 1) {
                    ready.set(index);
                }
            }
        } else {
            threads.execute(() -> runTask(task));
        }
    }

    /** True when the calling thread is running one of this domain's tasks. */
    public boolean inExecutor() {
        return CURRENT.get() == this;
    }

    public String name() {
        return name;
    }

    /** INVOKER mode: runs at most one queued task on the calling thread; false when none was queued. */
    boolean runOne() {
        Runnable task;
        synchronized (queue) {
            task = queue.pollFirst();
            if (queue.isEmpty()) {
                ready.clear(index);
            }
        }
        if (task == null) {
            return false;
        }
        runTask(task);
        return true;
    }

    boolean hasQueued() {
        synchronized (queue) {
            return !queue.isEmpty();
        }
    }

    void shutdown() {
        shutdown = true;
        synchronized (queue) {
            queue.clear();
            if (ready != null) {
                ready.clear(index);
            }
        }
        if (running.isHeldByCurrentThread()) {
            return; // destroyed from its own task: the rest of that task runs against a dying domain
        }
        // The flag is set before the lock is taken, and runTask checks it again once it holds the lock: either the
        // running task finishes before this returns, or a task about to start sees the flag and is dropped.
        try {
            if (running.tryLock(QUIESCE_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                running.unlock();
            } else {
                LOG.warn("{}: a task still runs {} ms after the domain was destroyed; releasing it anyway", name,
                        QUIESCE_TIMEOUT_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void runTask(Runnable task) {
        if (shutdown) {
            // Queued on the domain's thread before it was destroyed: dropped like the INVOKER queue's tasks, so
            // no upcall (a deferred grant revocation, an event) runs against a dead domain's released memory.
            return;
        }
        running.lock();
        try {
            if (shutdown) {
                return; // destroyed between the check above and the lock: dropped as well
            }
            DomainExecutor previous = CURRENT.get();
            CURRENT.set(this);
            try {
                task.run();
            } catch (RuntimeException | AssertionError e) {
                onUncaught.accept(e);
            } finally {
                if (previous == null) {
                    CURRENT.remove();
                } else {
                    CURRENT.set(previous);
                }
            }
        } finally {
            running.unlock();
        }
    }

    @Override
    public String toString() {
        return "DomainExecutor[" + name + "]";
    }
}
