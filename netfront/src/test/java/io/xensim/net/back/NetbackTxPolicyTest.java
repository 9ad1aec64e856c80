package io.xensim.net.back;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.xensim.net.bridge.PortOffloads;
import io.xensim.net.protocol.NetifStatus;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The two tx policies side by side, guest 1 {@code tx=immediate}, guest 2 {@code tx=timer:100}, under the same
 * steady and bursty loads on the manual clock: the timer trades latency for wake-ups and notifications.
 */
class NetbackTxPolicyTest {
    static final long WINDOW_US = 100;

    final NetbackFixture nf = new NetbackFixture(PortOffloads.ALL,
            NetbackConfig.defaults().withTxPolicy("vif2.0", TxPolicy.timer(WINDOW_US)));
    ScriptedNetfront immediate;
    ScriptedNetfront timer;
    int id;

    @AfterEach
    void close() {
        nf.close();
    }

    void start() {
        immediate = nf.guest(1);
        timer = nf.guest(2);
        immediate.connect(1, true);
        timer.connect(1, true);
        advanceMicros(1000); // the event pending from the bind has armed guest 2's window: let it close
    }

    void advanceMicros(long us) {
        nf.fx.clock.advanceNanos(TimeUnit.MICROSECONDS.toNanos(us));
        nf.fx.onDomain(nf.fx.toolstack.dom0(), () -> Netback.doWork(nf.fx.toolstack, nf.fx.clock.nanoTime()));
    }

    void send(ScriptedNetfront fe) {
        fe.pushTx(0, NetbackTxTest.slots(fe, NetbackTxTest.udp(100).toByteArray(), 4096, 0, 0, id++ & 0xffff,
                List.of()));
    }

    TxPath tx(int domid) {
        return nf.device(domid).vif().queues().getFirst().tx();
    }

    record Snapshot(long wakeups, long in, long out, long packets) {
        static Snapshot of(TxPath t) {
            return new Snapshot(t.wakeups(), t.notificationsIn(), t.notificationsOut(), t.packets());
        }

        Snapshot since(Snapshot before) {
            return new Snapshot(wakeups - before.wakeups, in - before.in, out - before.out, packets - before.packets);
        }
    }

    @Test
    void steadyLoadOnePacketEveryHalfWindow() {
        start();
        var i0 = Snapshot.of(tx(1));
        var t0 = Snapshot.of(tx(2));
        for (int n = 0; n < 10; n++) {
            advanceMicros(WINDOW_US / 2);
            send(immediate);
            send(timer);
            immediate.takeTxResponses(0);
            timer.takeTxResponses(0);
        }
        advanceMicros(WINDOW_US / 2); // the last window closes
        var i = Snapshot.of(tx(1)).since(i0);
        var t = Snapshot.of(tx(2)).since(t0);
        assertEquals(new Snapshot(10, 10, 10, 10), i, "immediate: a wake-up and a notification each way per packet");
        // timer: the first packet of each pair arms the window, the second is pushed silently, both go at expiry.
        assertEquals(new Snapshot(5, 5, 5, 10), t);
        assertEquals(2.0, (double) t.packets() / t.wakeups());
        assertEquals(0, tx(1).latency().maxNs());
        assertEquals(TimeUnit.MICROSECONDS.toNanos(WINDOW_US), tx(2).latency().maxNs());
        assertEquals(10, tx(2).latency().counts()[7], tx(2).latency().toString()); // [64, 128) µs
    }

    @Test
    void burstyLoadEightPacketsBackToBack() {
        start();
        var i0 = Snapshot.of(tx(1));
        var t0 = Snapshot.of(tx(2));
        for (int burst = 0; burst < 4; burst++) {
            for (int n = 0; n < 8; n++) {
                send(immediate);
                send(timer);
            }
            advanceMicros(1000);
            assertTrue(immediate.takeTxResponses(0).stream().allMatch(r -> r.status() == NetifStatus.NETIF_RSP_OKAY));
            assertEquals(8, timer.takeTxResponses(0).size());
        }
        var i = Snapshot.of(tx(1)).since(i0);
        var t = Snapshot.of(tx(2)).since(t0);
        assertEquals(32, i.packets());
        assertEquals(32, t.packets());
        assertEquals(new Snapshot(32, 32, 4, 32), i, "immediate: served per push; the frontend reaps once per burst");
        assertEquals(new Snapshot(4, 4, 4, 32), t, "timer: one wake-up per burst");
        assertTrue(tx(2).latency().meanNs() > tx(1).latency().meanNs());
    }

    @Test
    void aNotificationWhileTheWindowIsOpenFlushesAtOnce() {
        start();
        send(timer);
        assertTrue(tx(2).timerArmed());
        assertEquals(List.of(), timer.takeTxResponses(0));
        // A frontend that notifies anyway (its own policy) gets everything served now, as QEMU flushes.
        nf.fx.onDomainRun(timer.guest, () -> timer.guest.domain().eventChannels().send(timer.queues.getFirst().txPort));
        assertEquals(1, timer.takeTxResponses(0).size());
        assertTrue(!tx(2).timerArmed());
    }

    @Test
    void policyText() {
        assertEquals(TxPolicy.immediate(), TxPolicy.parse("immediate"));
        assertEquals(TxPolicy.timer(150), TxPolicy.parse("timer"));
        assertEquals(TxPolicy.timer(500), TxPolicy.parse("timer:500"));
        assertEquals("tx=timer:500us", TxPolicy.timer(500).toString());
        assertThrows(IllegalArgumentException.class, () -> TxPolicy.parse("timer:x"));
        assertThrows(IllegalArgumentException.class, () -> TxPolicy.timer(0));
    }
}
