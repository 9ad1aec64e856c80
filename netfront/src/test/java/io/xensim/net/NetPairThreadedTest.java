package io.xensim.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.net.back.Netback;
import io.xensim.net.back.NetbackConfig;
import io.xensim.net.back.TxPath;
import io.xensim.net.back.TxPolicy;
import io.xensim.net.bridge.Bridges;
import io.xensim.net.frame.Frame;
import io.xensim.net.front.NetfrontConfig;
import io.xensim.net.front.NetfrontDevice;
import io.xensim.net.front.NetfrontDrivers;
import io.xensim.net.guest.GuestNetInterface.LinkState;
import io.xensim.net.guest.GuestNetInterface.SendResult;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import io.xensim.xenbus.toolstack.Toolstack;
import io.xensim.xenbus.trace.TraceEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two real netfronts through netback and xenbr0 with real threads: nobody calls {@link Netback#doWork}, so under
 * {@code tx=timer} the window closes on netback's timer thread, handed to dom0's executor. SHARED mode (every
 * domain on one thread, FIFO) makes the interleaving exact: a burst is a chain of guest tasks, one packet each,
 * each queueing the next behind whatever the send queued for dom0.
 */
@Timeout(60)
class NetPairThreadedTest {
    private static final int BURSTS = 4;
    private static final int BURST = 16;
    /** Wide enough that a chain of 16 tiny tasks on one thread usually falls inside one window. */
    private static final long WINDOW_US = 100_000;

    /** Netback's tx counters of vif1.0 at one moment. */
    record Counts(long packets, long wakeups, long notificationsIn, long windows, long expiries, boolean armed) {
        Counts minus(Counts o) {
            return new Counts(packets - o.packets, wakeups - o.wakeups, notificationsIn - o.notificationsIn,
                    windows - o.windows, expiries - o.expiries, armed);
        }
    }

    /** What one burst cost netback, and how long it took from the first send until the last frame arrived. */
    record Burst(Counts counts, long elapsedNs) {
    }

    /**
     * The trade-off, asserted without trusting the machine's speed. Under {@code tx=immediate} each chained
     * packet's notification is served on its own (SHARED mode runs the tasks in FIFO order): exactly one wake-up
     * per packet. Under {@code tx=timer} the frontend does not notify while a window is open (netback leaves
     * {@code req_event} behind), so a window can only end by expiring, and the next can only open after that:
     * windows are at least the window length apart, so a burst that took {@code elapsed} cannot have opened more
     * than {@code 1 + elapsed / window} of them, however slow a loaded machine made it. A burst that took less than
     * 15 windows therefore cost fewer wake-ups than the 16 of {@code tx=immediate}.
     */
    @Test
    void underTxTimerTheTimerThreadClosesEachWindowAndABurstWakesNetbackAtMostOncePerWindowLength() throws Exception {
        List<Burst> timer = run(TxPolicy.timer(WINDOW_US));
        List<Burst> immediate = run(TxPolicy.immediate());
        long windowNs = TimeUnit.MICROSECONDS.toNanos(WINDOW_US);

        for (int b = 0; b < BURSTS; b++) {
            Counts t = timer.get(b).counts();
            long bound = 1 + timer.get(b).elapsedNs() / windowNs;
            assertThat(t.packets()).as("timer burst %d", b).isEqualTo(BURST);
            assertThat(t.windows()).as("timer burst %d: windows, at most 1 + %d ns / %d ns", b,
                    timer.get(b).elapsedNs(), windowNs).isBetween(1L, Math.min(bound, BURST));
            assertThat(t.expiries()).as("timer burst %d: every window closed by netback's timer thread", b)
                    .isEqualTo(t.windows());
            assertThat(t.wakeups()).as("timer burst %d: one wake-up per window", b).isEqualTo(t.windows());
            assertThat(t.notificationsIn()).as("timer burst %d: a window opens on a notification", b)
                    .isEqualTo(t.windows());
            assertThat(t.armed()).isFalse();
            if (bound < BURST) {
                assertThat(t.wakeups()).as("timer burst %d took %d ns: fewer wake-ups than immediate's", b,
                        timer.get(b).elapsedNs()).isLessThan(immediate.get(b).counts().wakeups());
            }

            Counts i = immediate.get(b).counts();
            assertThat(i.packets()).as("immediate burst %d", b).isEqualTo(BURST);
            assertThat(i.windows()).isZero();
            assertThat(i.wakeups()).as("immediate burst %d: one wake-up per notification, one per chained packet", b)
                    .isEqualTo(i.notificationsIn()).isEqualTo(BURST);
        }
    }

    /** A window far longer than the test: only the unplug can end it, and it must take the timer with it. */
    @Test
    void unpluggingTheVifCancelsAnArmedTxTimer() throws Exception {
        var connected = new CountDownLatch(4);
        try (var hv = Hypervisor.builder().threadingMode(ThreadingMode.SHARED).tracer(e -> {
            if (e.kind() == TraceEvent.Kind.STATE && e.detail().contains("-> Connected")) {
                connected.countDown();
            }
        }).build(); var netback = new Netback(new Bridges(),
                NetbackConfig.defaults().withTxPolicy("vif1.0", TxPolicy.timer(TimeUnit.MINUTES.toMicros(10))))) {
            var toolstack = Toolstack.start(hv);
            toolstack.await(netback.install(toolstack));
            var g1 = guest(toolstack, 1);
            guest(toolstack, 2);
            assertThat(connected.await(30, TimeUnit.SECONDS)).isTrue();
            assertThat(awaitOn(g1, () -> front(g1).linkState() == LinkState.UP)).isTrue();
            TxPath tx = on(toolstack.dom0(), () ->
                    Netback.device(toolstack, 1, 0).orElseThrow().vif().queues().getFirst().tx());
            // The connect-time kicks open a window and flush it; let that settle before the packet.
            on(toolstack.dom0(), () -> null);
            assertThat(on(g1, () -> front(g1).send(NetPairFrames.frame(1, NetPairFrames.Kind.UDP4, 100, false, 1))))
                    .isEqualTo(SendResult.SENT);
            assertThat(on(toolstack.dom0(), tx::timerArmed)).as("the packet's window is open").isTrue();
            assertThat(on(toolstack.dom0(), tx::timerPending)).isTrue();
            assertThat(netback.pendingTxTimers()).as("vif2.0 is tx=immediate").isEqualTo(1);

            assertThat(toolstack.await(toolstack.removeDevice("vif", 1, 0))).isTrue();
            assertThat(on(toolstack.dom0(), tx::timerArmed)).isFalse();
            assertThat(on(toolstack.dom0(), tx::timerPending)).as("timer_del: the window will not fire").isFalse();
            assertThat(netback.pendingTxTimers()).isZero();
            assertThat(on(toolstack.dom0(), tx::packets)).isZero();
            toolstack.close();
            assertThat(hv.uncaughtErrors()).isEmpty();
        }
    }

    private static List<Burst> run(TxPolicy policy) throws Exception {
        var connected = new CountDownLatch(4);
        try (var hv = Hypervisor.builder().threadingMode(ThreadingMode.SHARED).tracer(e -> {
            if (e.kind() == TraceEvent.Kind.STATE && e.detail().contains("-> Connected")) {
                connected.countDown();
            }
        }).build(); var netback = new Netback(new Bridges(), NetbackConfig.defaults().withTxPolicy(policy))) {
            var toolstack = Toolstack.start(hv);
            toolstack.await(netback.install(toolstack));
            var g1 = guest(toolstack, 1);
            var g2 = guest(toolstack, 2);
            assertThat(connected.await(30, TimeUnit.SECONDS)).as("both vifs Connected, both ends").isTrue();
            // netfront is Connected before netback; its link comes up once it has seen netback's Connected.
            assertThat(awaitOn(g1, () -> front(g1).linkState() == LinkState.UP)).isTrue();
            assertThat(awaitOn(g2, () -> front(g2).linkState() == LinkState.UP)).isTrue();

            var received = new ConcurrentLinkedQueue<Frame>();
            var latch = new AtomicReference<CountDownLatch>(new CountDownLatch(0));
            on(g2, () -> {
                front(g2).setReceiver(f -> {
                    received.add(f);
                    latch.get().countDown();
                });
                return null;
            });
            // The connect-time kicks may open a window: let it close before the first burst.
            assertThat(awaitOn(toolstack.dom0(), () -> !tx(toolstack).timerArmed())).isTrue();

            List<Frame> sent = new ArrayList<>();
            List<Burst> bursts = new ArrayList<>();
            for (int b = 0; b < BURSTS; b++) {
                List<Frame> burst = new ArrayList<>();
                for (int i = 0; i < BURST; i++) {
                    burst.add(NetPairFrames.frame(1, NetPairFrames.Kind.UDP4, 200 + i, false, b * BURST + i));
                }
                sent.addAll(burst);
                Counts before = on(toolstack.dom0(), () -> counts(toolstack));
                latch.set(new CountDownLatch(BURST));
                var results = new ConcurrentLinkedQueue<SendResult>();
                long start = System.nanoTime();
                g1.domain().executor().execute(() -> chain(g1, burst, 0, results));
                assertThat(latch.get().await(30, TimeUnit.SECONDS)).as("burst " + b + " delivered").isTrue();
                long elapsed = System.nanoTime() - start;
                assertThat(results).containsOnly(SendResult.SENT);
                // The last window closed when it served the burst's last packet, before that packet arrived.
                bursts.add(new Burst(on(toolstack.dom0(), () -> counts(toolstack)).minus(before), elapsed));
            }
            assertThat(received.stream().map(Frame::toByteArray).toList())
                    .containsExactlyElementsOf(sent.stream().map(Frame::toByteArray).toList());
            toolstack.close();
            assertThat(hv.uncaughtErrors()).isEmpty();
            return bursts;
        }
    }

    private static TxPath tx(Toolstack toolstack) {
        return Netback.device(toolstack, 1, 0).orElseThrow().vif().queues().getFirst().tx();
    }

    private static Counts counts(Toolstack toolstack) {
        TxPath tx = tx(toolstack);
        return new Counts(tx.packets(), tx.wakeups(), tx.notificationsIn(), tx.windows(), tx.expiries(),
                tx.timerArmed());
    }

    /** Polls {@code condition} on {@code d}'s executor until it holds, for at most 30 s. */
    private static boolean awaitOn(ManagedDomain d, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() - deadline < 0) {
            if (on(d, condition::getAsBoolean)) {
                return true;
            }
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200)); // a poll, bounded by the deadline
        }
        return false;
    }

    /** Sends {@code burst[i]} on guest 1, then queues the next send behind what this one queued. */
    private static void chain(ManagedDomain g, List<Frame> burst, int i, ConcurrentLinkedQueue<SendResult> results) {
        results.add(front(g).send(burst.get(i)));
        if (i + 1 < burst.size()) {
            g.domain().executor().execute(() -> chain(g, burst, i + 1, results));
        }
    }

    private static ManagedDomain guest(Toolstack toolstack, int domid) {
        var g = toolstack.await(toolstack.createDomain(DomainConfig.of(domid, "guest" + domid, 16)));
        toolstack.await(g.frontends().register(NetfrontDrivers.frontend(NetfrontConfig.DEFAULT)));
        toolstack.await(toolstack.addDevice(DeviceConfig.vif(domid, 0, 0, NetPair.macString(domid), "xenbr0",
                false, true, DeviceConfig.NIC_MTU_DEFAULT)));
        return g;
    }

    private static NetfrontDevice front(ManagedDomain g) {
        return (NetfrontDevice) g.frontends().device("vif", g.domid(), 0).orElseThrow().handler();
    }

    private static <T> T on(ManagedDomain d, Supplier<T> action) throws Exception {
        var result = new CompletableFuture<T>();
        d.domain().executor().execute(() -> {
            try {
                result.complete(action.get());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        return result.get(30, TimeUnit.SECONDS);
    }
}
