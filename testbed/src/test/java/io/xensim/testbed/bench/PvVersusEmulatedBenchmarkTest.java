package io.xensim.testbed.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The benchmark's states and methods run a few times outside JMH: every frame reaches the peer and every disk
 * operation completes OK, the exit and injection counters count, and netfront takes at least 20 times fewer exits
 * per packet than the RTL8139 (exit counts are deterministic in INVOKER mode; no timing is asserted).
 */
@Timeout(120)
class PvVersusEmulatedBenchmarkTest {
    static final int INVOCATIONS = 3;
    final PvVersusEmulatedBenchmark bench = new PvVersusEmulatedBenchmark();
    final PvVersusEmulatedBenchmark.ExitCost cost = new PvVersusEmulatedBenchmark.ExitCost();

    /** The counters of {@link #INVOCATIONS} bursts through {@code nic}, after checking the peer got every frame. */
    PvVersusEmulatedBenchmark.Counters frames(String nic, int burst) {
        var net = new NetSender();
        net.nic = nic;
        net.burst = burst;
        net.start();
        var counters = new PvVersusEmulatedBenchmark.Counters();
        try {
            for (int i = 0; i < INVOCATIONS; i++) {
                assertThat(bench.frames(net, cost, counters)).isPositive();
            }
            assertThat(net.peer.received).isEqualTo((long) INVOCATIONS * burst);
            assertThat(net.peer.receivedBytes).isEqualTo(counters.bytes);
            assertThat(net.driver.counters().txPackets()).isEqualTo(counters.packets);
            assertThat(net.hv.uncaughtErrors()).as("no domain work threw while traffic ran").isEmpty();
        } finally {
            net.stop();
        }
        assertThat(counters.packets).isEqualTo((long) INVOCATIONS * burst);
        assertThat(counters.bytes).isEqualTo(counters.packets * 1500);
        assertThat(counters.modelledExitNs).isEqualTo(counters.exits * cost.perExitNs);
        return counters;
    }

    @ParameterizedTest(name = "burst of {0}")
    @ValueSource(ints = {8, 64})
    void netfrontTakesAtLeastTwentyTimesFewerExitsPerPacketThanTheRtl8139(int burst) {
        var rtl = frames("rtl8139", burst);
        var pv = frames("netfront", burst);
        // 8139too per frame: TSD write and its flush read; per TxOK interrupt: ISR read and ack, a TSD read per
        // completed descriptor. At least 3 exits and an interrupt per 4 frames, whatever the coalescing.
        assertThat(rtl.exits).isGreaterThanOrEqualTo(3 * rtl.packets);
        assertThat(rtl.injections).isGreaterThanOrEqualTo(rtl.packets / 4);
        assertThat(pv.exits).as("netfront notifies netback once a burst").isEqualTo(INVOCATIONS);
        assertThat(pv.injections).as("tx completions reach the guest as upcalls").isPositive();
        assertThat(pv.exits * 20).as("exits per packet: rtl8139 %s, netfront %s", (double) rtl.exits / rtl.packets,
                (double) pv.exits / pv.packets).isLessThanOrEqualTo(rtl.exits);
    }

    @Test
    void oneFrameAtATimeEveryFrameExitsAndInterruptsOnBothNics() {
        var rtl = frames("rtl8139", 1);
        var pv = frames("netfront", 1);
        // start_xmit: TSD write + flush read; interrupt: ISR read, ISR ack, TSD read
        assertThat(rtl.exits).isEqualTo(5 * rtl.packets);
        assertThat(rtl.injections).isEqualTo(rtl.packets);
        // netback drained the ring and re-armed req_event, so each push notifies; its tx response comes back as an
        // upcall
        assertThat(pv.exits).isEqualTo(pv.packets);
        assertThat(pv.injections).isEqualTo(pv.packets);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"ide,randread", "ide,randwrite", "blkfront,randread", "blkfront,randwrite"})
    void diskOperationsCompleteAndCountTheirExits(String disk, String op) {
        var counters = disk(disk, op, 16);
        if (disk.equals("ide")) {
            // one 4 KiB = 8 sectors, a DRQ block and an interrupt each; 256 data-port words per sector
            assertThat(counters.exits).isGreaterThanOrEqualTo(counters.ops * 8 * 256);
            assertThat(counters.injections).isEqualTo(counters.ops * 8);
        } else {
            assertThat(counters.exits).as("one notification per request at queue depth 1").isEqualTo(counters.ops);
            assertThat(counters.injections).as("one response upcall per request").isEqualTo(counters.ops);
        }
    }

    @ParameterizedTest(name = "{0} bit PIO")
    @ValueSource(ints = {16, 32})
    void widerPioHalvesTheDataPortExitsOnly(int bits) {
        var counters = disk("ide", "randread", bits);
        assertThat(counters.exits).isGreaterThanOrEqualTo(counters.ops * 8 * (512 / (bits / 8)));
    }

    @Test
    void writesReachTheImageAndReadsReturnIt() {
        var disk = new DiskGuest();
        disk.disk = "ide";
        disk.op = "randwrite";
        disk.start();
        try {
            long sector = disk.nextSector();
            disk.runOne(sector);
            assertThat(disk.image.contents().asSlice(sector * 512, DiskGuest.OP_BYTES).mismatch(disk.buffer))
                    .isEqualTo(-1);
            disk.buffer.fill((byte) 0);
            disk.write = false;
            disk.runOne(sector);
            assertThat(disk.image.contents().asSlice(sector * 512, DiskGuest.OP_BYTES).mismatch(disk.buffer))
                    .isEqualTo(-1);
            assertThat(disk.buffer.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 1)).isEqualTo((byte) 38);
        } finally {
            disk.stop();
        }
    }

    PvVersusEmulatedBenchmark.Counters disk(String kind, String op, int pioBits) {
        var disk = new DiskGuest();
        disk.disk = kind;
        disk.op = op;
        disk.pioBits = pioBits;
        disk.start();
        var counters = new PvVersusEmulatedBenchmark.Counters();
        try {
            for (int i = 0; i < INVOCATIONS; i++) {
                assertThat(bench.disk4k(disk, cost, counters)).isPositive();
            }
            assertThat(disk.hv.uncaughtErrors()).isEmpty();
        } finally {
            disk.stop();
        }
        assertThat(counters.ops).isEqualTo((long) INVOCATIONS * PvVersusEmulatedBenchmark.DISK_BATCH);
        assertThat(counters.bytes).isEqualTo(counters.ops * 4096);
        assertThat(counters.modelledExitNs).isEqualTo(counters.exits * cost.perExitNs);
        return counters;
    }
}
