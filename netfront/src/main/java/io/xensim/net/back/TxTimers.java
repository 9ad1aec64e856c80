package io.xensim.net.back;

import io.xensim.xenbus.DomainExecutor;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The {@code tx=timer} windows' clock with real threads ({@code ThreadingMode} SHARED or DEDICATED): one daemon
 * scheduler thread, owned by {@link Netback} and shut down by {@link Netback#close()}, that only counts the window
 * down and then hands the expiry to the backend domain's executor; the tx path itself never runs on it. In
 * INVOKER mode netback has no {@code TxTimers} and the windows close when someone calls
 * {@link Netback#doWork}, against a manual clock.
 *
 * <p><b>Threading:</b> {@link #arm} from the backend domain's executor; the scheduler thread runs only the
 * hand-over ({@link DomainExecutor#execute}). Created lazily, so a netback in INVOKER mode starts no thread.
 *
 * <p><b>Reference:</b> QEMU hw/net/virtio-net.c ({@code virtio_net_handle_tx_timer} arms
 * {@code q->tx_timer} with {@code timer_mod}, {@code virtio_net_tx_timer} runs in the main loop).
 */
final class TxTimers {
    private ScheduledThreadPoolExecutor scheduler;
    private boolean closed;

    /** Runs {@code expiry} on {@code executor} once {@code delayNs} have passed; null after {@link #close}. */
    synchronized Future<?> arm(DomainExecutor executor, long delayNs, Runnable expiry) {
        if (closed) {
            return null;
        }
        if (scheduler == null) {
            scheduler = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "xensim-netback-txtimer");
                t.setDaemon(true);
                return t;
            });
            scheduler.setRemoveOnCancelPolicy(true); // a cancelled window leaves the queue at once
        }
        return scheduler.schedule(() -> executor.execute(expiry), delayNs, TimeUnit.NANOSECONDS);
    }

    /** Windows armed and neither expired nor cancelled. */
    synchronized int pending() {
        return scheduler == null ? 0 : scheduler.getQueue().size();
    }

    synchronized void close() {
        closed = true;
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
