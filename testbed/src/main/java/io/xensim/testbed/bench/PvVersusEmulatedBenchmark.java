package io.xensim.testbed.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * PV drivers against emulated devices, the comparison behind {@code xen_pv_hvm=enable}: the same frame workload
 * through an emulated RTL8139 and through netfront ({@link NetSender}), and the same 4 KiB random disk workload
 * through an emulated IDE disk over PIO and through blkfront ({@link DiskGuest}). The score is the simulator's
 * wall-clock throughput; {@link Counters} adds what a real host pays for and the simulator cannot time: the
 * guest's VM exits and the interrupts injected into it, and a modelled exit cost, exits times {@link ExitCost}.
 *
 * <p>What counts as an exit: for an emulated device every {@code in}/{@code out} the guest's driver executes (each
 * is an ioreq that Xen forwards to the device model); for a PV driver every hypercall the guest makes, which for
 * netfront and blkfront is only {@code EVTCHNOP_send} (grant entries are written in place; the grant copies and
 * maps are dom0's). Injections: the emulated device's INTx edges; for PV, the upcalls of the guest's event
 * channels (each one delivery of Xen's callback vector).
 *
 * <p>Design: INVOKER mode, so every domain's work runs on JMH's thread in {@code runUntilIdle} and the counts are
 * deterministic. One {@link #frames} invocation is a burst of {@link NetSender#burst} (64) frames the guest's stack
 * hands its NIC back to back (what a sender under load does; the RTL8139's four TX descriptors refill from its
 * interrupt handler, netfront's ring takes them all, and netback, which in INVOKER mode runs only once the guest's
 * task is done, has not re-armed {@code req_event} in between: one notification a burst, the loaded extreme; with
 * {@code -p burst=1}, the idle extreme, every frame notifies); one {@link #disk4k} invocation is {@value #DISK_BATCH} operations, one
 * at a time.
 *
 * <p><b>Threading:</b> JMH's one thread; see the states.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 1)
@Measurement(iterations = 3, time = 1)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class PvVersusEmulatedBenchmark {
    /** 4 KiB operations per {@link #disk4k} invocation. */
    static final int DISK_BATCH = 16;

    /**
     * The modelled cost of one exit. Default 2 µs, an order of magnitude, not a measurement of this machine: a
     * hardware VM exit and re-entry alone costs some hundreds to a couple of thousand cycles on the x86 CPUs Agesen,
     * Mattson, Rugina and Sheldon measured ("Software Techniques for Avoiding Hardware Virtualization Exits",
     * USENIX ATC 2012), and an emulated port access also travels to a user-space device model and back (for Xen,
     * an ioreq to QEMU in dom0 over an event channel), which costs several times the bare exit. The same cost is
     * charged for a PV guest's hypercall, which goes to Xen only: that favours the emulated side.
     */
    @State(Scope.Benchmark)
    public static class ExitCost {
        @Param({"2000"})
        public long perExitNs = 2000;
    }

    /**
     * Rates JMH reports beside the score (per second; per packet or per 4 KiB = counter / {@code packets} or
     * {@code ops}). {@code modelledExitNs} per packet is the modelled exit cost of one packet.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {
        public long packets;
        public long ops;
        public long bytes;
        public long exits;
        public long injections;
        public long modelledExitNs;

        @Setup(Level.Iteration)
        public void clear() {
            packets = 0;
            ops = 0;
            bytes = 0;
            exits = 0;
            injections = 0;
            modelledExitNs = 0;
        }
    }

    /** A burst of {@link NetSender#burst} frames from the guest to the peer; returns the exits it took. */
    @Benchmark
    public long frames(NetSender net, ExitCost cost, Counters counters) {
        long exits0 = net.exits();
        long injections0 = net.injections();
        int burst = net.burst;
        net.sendBurst(burst);
        long exits = net.exits() - exits0;
        counters.packets += burst;
        counters.bytes += (long) burst * net.size;
        counters.exits += exits;
        counters.injections += net.injections() - injections0;
        counters.modelledExitNs += exits * cost.perExitNs;
        return exits;
    }

    /** {@value #DISK_BATCH} random 4 KiB reads or writes, one at a time; returns the exits they took. */
    @Benchmark
    public long disk4k(DiskGuest disk, ExitCost cost, Counters counters) {
        long exits0 = disk.exits();
        long injections0 = disk.injections();
        for (int i = 0; i < DISK_BATCH; i++) {
            disk.runOne(disk.nextSector());
        }
        long exits = disk.exits() - exits0;
        counters.ops += DISK_BATCH;
        counters.bytes += (long) DISK_BATCH * DiskGuest.OP_BYTES;
        counters.exits += exits;
        counters.injections += disk.injections() - injections0;
        counters.modelledExitNs += exits * cost.perExitNs;
        return exits;
    }
}
