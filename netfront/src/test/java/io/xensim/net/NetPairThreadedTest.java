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
    /** Wide enough that a chain of 16 tiny tasks on one thread falls inside one window. */
    private static final long WINDOW_US = 100_000;

    record Counts(long packets, long wakeups, long notificationsIn, long windows, long expiries, boolean armed) {
    }

    @Test
    void underTxTimerTheTimerThreadClosesEachWindowAndABurstWakesNetbackOnce() throws Exception {
        Counts timer = run(TxPolicy.timer(WINDOW_US));
        Counts immediate = run(TxPolicy.immediate());

        assertThat(timer.packets()).isEqualTo(BURSTS * BURST);
        assertThat(timer.wakeups()).as("timer: exactly one tx wake-up per window (its expiry, or a kick that flushes)")
                .isEqualTo(timer.windows());
        assertThat(timer.expiries()).as("windows closed by netback's timer thread: nobody called doWork")
                .isPositive().isLessThanOrEqualTo(timer.windows());
        assertThat(timer.notificationsIn()).as("a window opens on a notification").isGreaterThanOrEqualTo(
                timer.windows());
        assertThat(timer.armed()).isFalse();

        assertThat(immediate.packets()).isEqualTo(BURSTS * BURST);
        assertThat(immediate.windows()).isZero();
        assertThat(immediate.wakeups()).as("immediate: one wake-up per notification, at least one per chained packet")
                .isEqualTo(immediate.notificationsIn()).isGreaterThanOrEqualTo(BURSTS * BURST);
        assertThat(timer.wakeups()).isLessThan(immediate.wakeups());
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

    private static Counts run(TxPolicy policy) throws Exception {
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

            var received = new ConcurrentLinkedQueue<Frame>();
            var latch = new AtomicReference<CountDownLatch>(new CountDownLatch(0));
            on(g2, () -> {
                front(g2).setReceiver(f -> {
                    received.add(f);
                    latch.get().countDown();
                });
                return null;
            });

            List<Frame> sent = new ArrayList<>();
            for (int b = 0; b < BURSTS; b++) {
                List<Frame> burst = new ArrayList<>();
                for (int i = 0; i < BURST; i++) {
                    burst.add(NetPairFrames.frame(1, NetPairFrames.Kind.UDP4, 200 + i, false, b * BURST + i));
                }
                sent.addAll(burst);
                latch.set(new CountDownLatch(BURST));
                var results = new ConcurrentLinkedQueue<SendResult>();
                g1.domain().executor().execute(() -> chain(g1, burst, 0, results));
                assertThat(latch.get().await(30, TimeUnit.SECONDS)).as("burst " + b + " delivered").isTrue();
                assertThat(results).containsOnly(SendResult.SENT);
            }
            assertThat(received.stream().map(Frame::toByteArray).toList())
                    .containsExactlyElementsOf(sent.stream().map(Frame::toByteArray).toList());

            Counts counts = on(toolstack.dom0(), () -> {
                TxPath tx = Netback.device(toolstack, 1, 0).orElseThrow().vif().queues().getFirst().tx();
                return new Counts(tx.packets(), tx.wakeups(), tx.notificationsIn(), tx.windows(), tx.expiries(),
                        tx.timerArmed());
            });
            toolstack.close();
            assertThat(hv.uncaughtErrors()).isEmpty();
            return counts;
        }
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
