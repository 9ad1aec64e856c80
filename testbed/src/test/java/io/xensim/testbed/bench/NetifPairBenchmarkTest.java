package io.xensim.testbed.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The benchmark's states and methods, run a few times outside JMH: every frame arrives, the counters count. */
@Timeout(120)
class NetifPairBenchmarkTest {
    @ParameterizedTest(name = "{0} B, {1} queue(s), tx={2}, {3}")
    @CsvSource({"64,1,immediate,INVOKER", "1500,4,timer,INVOKER", "65535,4,immediate,INVOKER", "65535,1,timer,INVOKER",
            "64,1,timer,DEDICATED", "1500,4,immediate,DEDICATED", "65535,1,timer,DEDICATED"})
    void guestToGuestDeliversEveryFrameOfTheBatch(int size, int queues, String txPolicy, String threading) {
        var frames = new NetifPairBenchmark.Frames();
        frames.size = size;
        frames.build();
        assertThat(frames.frames).allSatisfy(f -> assertThat(f.length()).isEqualTo(size));
        var pair = new NetifPairBenchmark.Pair();
        pair.queues = queues;
        pair.txPolicy = txPolicy;
        pair.threading = threading;
        pair.start();
        var counters = new NetifPairBenchmark.Counters();
        var bench = new NetifPairBenchmark();
        try {
            for (int i = 0; i < 3; i++) {
                assertThat(bench.guestToGuest(pair, frames, counters)).isEqualTo((long) size * NetifPairBenchmark.BATCH);
            }
            assertThat(pair.received).isEqualTo(3L * NetifPairBenchmark.BATCH);
            assertThat(counters.packets).isEqualTo(3L * NetifPairBenchmark.BATCH);
            assertThat(counters.bytes).isEqualTo(3L * size * NetifPairBenchmark.BATCH);
            assertThat(counters.txWakeups).isPositive();
            assertThat(counters.txNotificationsIn).isPositive();
            assertThat(counters.notificationsOut).isPositive();
            assertThat(pair.hv.uncaughtErrors()).as("no domain work threw while traffic ran").isEmpty();
            if (queues > 1) {
                assertThat(pair.onDom0(() -> pair.queues(1).stream().filter(q -> q.tx().packets() > 0).count()))
                        .isGreaterThan(1);
            }
        } finally {
            pair.stop();
        }

        var copies = new NetifPairBenchmark.Copies();
        copies.start(frames);
        var baseline = new NetifPairBenchmark.Counters();
        try {
            assertThat(bench.copyBaseline(copies, baseline) - frames.frames[0].data().get(
                    java.lang.foreign.ValueLayout.JAVA_BYTE, 0)).isEqualTo((long) size * NetifPairBenchmark.BATCH);
            assertThat(baseline.bytes).isEqualTo((long) size * NetifPairBenchmark.BATCH);
        } finally {
            copies.stop();
        }
    }
}
