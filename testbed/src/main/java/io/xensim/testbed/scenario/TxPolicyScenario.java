package io.xensim.testbed.scenario;

import io.xensim.net.back.Netback;
import io.xensim.net.back.NetbackConfig;
import io.xensim.net.back.TxPath;
import io.xensim.net.back.TxPolicy;
import io.xensim.net.bridge.Bridges;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.FrameBuilder;
import io.xensim.net.front.NetfrontConfig;
import io.xensim.net.front.NetfrontDevice;
import io.xensim.net.front.NetfrontDrivers;
import io.xensim.net.guest.GuestNetInterface.SendResult;
import io.xensim.testbed.scenario.ScenarioResult.Check;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ManualClock;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.bus.XenbusState;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import io.xensim.xenbus.toolstack.Toolstack;
import io.xensim.xenbus.toolstack.ToolstackConfig;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Netback's two transmit policies side by side under one steady load: guest 1's vif serves its tx ring on each
 * notification ({@code tx=immediate}), guest 2's batches for a {@value #WINDOW_US} µs window ({@code tx=timer}).
 * Both guests run the real netfront and send one UDP frame every {@value #GAP_US} µs; the vifs' tx counters give
 * wake-ups and notifications per packet, and the latency TxPath measures: from the notification that woke
 * netback to the packet's service.
 *
 * <p><b>Threading:</b> INVOKER mode on a manual clock; the scenario's thread steps every domain, and moves the
 * clock itself (windows close at {@link Netback#doWork}), so the numbers are the same on every run.
 */
final class TxPolicyScenario implements Scenario {
    static final long WINDOW_US = 100;
    static final long GAP_US = WINDOW_US / 2;
    static final int PACKETS = 20;
    static final long TICK_US = 5;
    private static final String HEADER =
            "VIF     POLICY           PACKETS  WAKEUPS  WAKE/PKT  NOTIF-IN  NOTIF-OUT  MEAN-LAT  MAX-LAT";
    private static final int MAX_STEPS = 1_000_000;

    @Override
    public String name() {
        return "tx-policy";
    }

    @Override
    public String summary() {
        return "netback tx=immediate versus tx=timer:" + WINDOW_US + ": wake-ups and notifications per packet, "
                + "and latency";
    }

    /** One vif's tx numbers. */
    record TxNumbers(long packets, long wakeups, long notificationsIn, long notificationsOut, double meanLatencyUs,
            double maxLatencyUs) {
        static TxNumbers of(TxPath tx, TxNumbers before) {
            return new TxNumbers(tx.packets() - before.packets, tx.wakeups() - before.wakeups,
                    tx.notificationsIn() - before.notificationsIn, tx.notificationsOut() - before.notificationsOut,
                    tx.latency().meanNs() / 1000.0, tx.latency().maxNs() / 1000.0);
        }

        static TxNumbers zero() {
            return new TxNumbers(0, 0, 0, 0, 0, 0);
        }

        String line(String vif, TxPolicy policy) {
            return String.format("%-7s %-16s %7d %8d %10.2f %8d %9d %10.1f %9.1f", vif, policy, packets, wakeups,
                    (double) wakeups / packets, notificationsIn, notificationsOut, meanLatencyUs, maxLatencyUs);
        }
    }

    @Override
    public ScenarioResult run(PrintWriter out) {
        return new Run().run(out);
    }

    /** What the numbers must show: {@code i} for the immediate vif, {@code t} for the timer vif. */
    static List<Check> checks(TxNumbers i, TxNumbers t) {
        List<Check> checks = new ArrayList<>();
        checks.add(new Check("every packet served on both vifs", i.packets() == PACKETS && t.packets() == PACKETS,
                i.packets() + " and " + t.packets() + " of " + PACKETS));
        checks.add(new Check("immediate: one wake-up and one notification in per packet",
                i.wakeups() == PACKETS && i.notificationsIn() == PACKETS,
                i.wakeups() + " wake-ups, " + i.notificationsIn() + " notifications in"));
        checks.add(new Check("timer: fewer wake-ups and notifications than packets", t.wakeups() < PACKETS
                && t.notificationsIn() < PACKETS && t.notificationsOut() < i.notificationsOut(),
                t.wakeups() + " wake-ups, " + t.notificationsIn() + " in, " + t.notificationsOut() + " out"));
        checks.add(new Check("timer: higher latency, at most one window", t.meanLatencyUs() > i.meanLatencyUs()
                && t.maxLatencyUs() <= WINDOW_US, String.format("mean %.1f us vs %.1f us, max %.1f us",
                t.meanLatencyUs(), i.meanLatencyUs(), t.maxLatencyUs())));
        return checks;
    }

    static String finding(TxNumbers t) {
        return String.format("With a packet every %d us, tx=immediate wakes netback and notifies once per packet "
                + "and serves with no added latency; tx=timer:%d batches the ring for a window, so netback wakes "
                + "%.2f times per packet and the frontend's notifications drop, at the cost of %.1f us mean latency "
                + "from the waking notification (at most one window). The timer only pays off when packets arrive "
                + "faster than the window.", GAP_US, WINDOW_US, (double) t.wakeups() / t.packets(), t.meanLatencyUs());
    }

    /** One run's hypervisor, clock and toolstack: a fresh one per {@link #run}, so the scenario holds no state. */
    private static final class Run {
        private final ManualClock clock = new ManualClock();
        private Hypervisor hv;
        private Toolstack toolstack;

        ScenarioResult run(PrintWriter out) {
            TxPolicy timer = TxPolicy.timer(WINDOW_US);
            NetbackConfig config = NetbackConfig.defaults().withTxPolicy("vif2.0", timer);
            try (var hypervisor = Hypervisor.builder().threadingMode(ThreadingMode.INVOKER).clock(clock).build();
                    var netback = new Netback(new Bridges(), config)) {
                hv = hypervisor;
                toolstack = Toolstack.start(hv, ToolstackConfig.defaults());
                await(netback.install(toolstack));
                List<ManagedDomain> guests = List.of(guest(1), guest(2));
                for (int domid = 1; domid <= 2; domid++) {
                    await(toolstack.addDevice(DeviceConfig.vif(domid, 0, 0, NetDemo.mac(domid).toString(),
                            NetDemo.BRIDGE, false, true, DeviceConfig.NIC_MTU_DEFAULT)));
                }
                runUntil(() -> guests.stream().allMatch(Run::connected));
                advance(10 * WINDOW_US);   // let any window the handshake's events opened close
                TxPath immediateTx = tx(1);
                TxPath timerTx = tx(2);
                TxNumbers i0 = TxNumbers.of(immediateTx, TxNumbers.zero());
                TxNumbers t0 = TxNumbers.of(timerTx, TxNumbers.zero());
                out.println("vif1.0: " + immediateTx.policy() + ", vif2.0: " + timerTx.policy() + "; each guest sends "
                        + PACKETS + " UDP frames, one every " + GAP_US + " us");
                for (int n = 0; n < PACKETS; n++) {
                    advance(GAP_US);
                    send(guests.get(0), NetDemo.mac(2), n);
                    send(guests.get(1), NetDemo.mac(1), n);
                }
                advance(10 * WINDOW_US);   // the last window closes
                TxNumbers i = TxNumbers.of(immediateTx, i0);
                TxNumbers t = TxNumbers.of(timerTx, t0);
                out.println();
                out.println(HEADER);
                out.println(i.line("vif1.0", immediateTx.policy()) + "  (latency: us from the waking notification"
                        + " to service)");
                out.println(t.line("vif2.0", timerTx.policy()));
                out.println();
                for (int domid = 1; domid <= 2; domid++) {
                    await(toolstack.removeDevice("vif", domid, 0));
                }
                await(toolstack.destroyDomain(1));
                await(toolstack.destroyDomain(2));
                toolstack.close();
                hv.runUntilIdle();
                return ScenarioResult.of(finding(t), checks(i, t));
            }
        }

        private ManagedDomain guest(int domid) {
            ManagedDomain g = await(toolstack.createDomain(DomainConfig.of(domid, "guest" + domid, 16)));
            await(g.frontends().register(NetfrontDrivers.frontend(NetfrontConfig.DEFAULT)));
            return g;
        }

        private static boolean connected(ManagedDomain guest) {
            return guest.frontends().device("vif", guest.domid(), 0).map(d -> d.state() == XenbusState.CONNECTED)
                    .orElse(false);
        }

        private TxPath tx(int domid) {
            return Netback.device(toolstack, domid, 0).orElseThrow().vif().queues().getFirst().tx();
        }

        private void send(ManagedDomain from, io.xensim.net.frame.MacAddress to, int n) {
            Frame frame = new FrameBuilder(NetDemo.mac(from.domid()), to).ipv4(from.domid() == 1 ? NetDemo.IP1
                    : NetDemo.IP2, from.domid() == 1 ? NetDemo.IP2 : NetDemo.IP1).identification(n)
                    .udp(40000, 5000).payload(new byte[64]).build();
            SendResult sent = onDomain(from, () -> front(from).send(frame));
            if (sent != SendResult.SENT) {
                throw new IllegalStateException("d" + from.domid() + " could not send: " + sent);
            }
            hv.runUntilIdle();
        }

        private static NetfrontDevice front(ManagedDomain guest) {
            return (NetfrontDevice) guest.frontends().device("vif", guest.domid(), 0).orElseThrow().handler();
        }

        /**
         * Moves the clock in {@value #TICK_US} µs ticks; at each, netback closes the windows that expired (its timer's
         * resolution) and everything runs.
         */
        private void advance(long micros) {
            for (long done = 0; done < micros; done += TICK_US) {
                clock.advanceNanos(TimeUnit.MICROSECONDS.toNanos(Math.min(TICK_US, micros - done)));
                onDomain(toolstack.dom0(), () -> Netback.doWork(toolstack, clock.nanoTime()));
                hv.runUntilIdle();
            }
        }

        private <T> T await(CompletableFuture<T> future) {
            hv.runUntil(() -> {
                if (future.isDone()) {
                    return true;
                }
                clock.advanceNanos(EchoDemo.STEP_NANOS);
                return false;
            }, MAX_STEPS);
            if (!future.isDone()) {
                throw new IllegalStateException("the scenario stalled: nothing left to run");
            }
            return future.join();
        }

        private void runUntil(Supplier<Boolean> done) {
            hv.runUntil(() -> {
                if (done.get()) {
                    return true;
                }
                clock.advanceNanos(EchoDemo.STEP_NANOS);
                return false;
            }, MAX_STEPS);
        }

        private <T> T onDomain(ManagedDomain domain, Supplier<T> action) {
            var result = new CompletableFuture<T>();
            domain.domain().executor().execute(() -> result.complete(action.get()));
            hv.runUntilIdle();
            return result.join();
        }
    }
}
