package io.xensim.testbed.bench;

import io.xensim.net.back.Netback;
import io.xensim.net.back.NetbackConfig;
import io.xensim.net.back.NetbackQueue;
import io.xensim.net.back.TxPolicy;
import io.xensim.net.bridge.Bridges;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.FrameBuilder;
import io.xensim.net.frame.Ipv4Address;
import io.xensim.net.frame.MacAddress;
import io.xensim.net.frame.TcpHeader;
import io.xensim.net.front.NetfrontConfig;
import io.xensim.net.front.NetfrontDevice;
import io.xensim.net.front.NetfrontDrivers;
import io.xensim.net.guest.GuestNetInterface.SendResult;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ManualClock;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import io.xensim.xenbus.toolstack.Toolstack;
import io.xensim.xenbus.toolstack.ToolstackConfig;
import io.xensim.xenbus.trace.TraceEvent;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Guest to guest through the whole PV network path: netfront in guest 1 builds tx requests over granted pages,
 * netback in dom0 grant-copies them out, the learning bridge {@code xenbr0} forwards each frame to the other vif,
 * netback grant-copies it into the pages guest 2's netfront posted, and netfront hands it to the guest. Frame sizes
 * 64 B, 1500 B and a 64 KiB TCP GSO send ({@code XEN_NETIF_MAX_TX_SIZE} bytes), 1 or 4 queues, netback's
 * {@code tx=immediate} or {@code tx=timer} (150 µs window of the hypervisor's manual clock).
 *
 * <p>Design: the hypervisor runs in INVOKER mode, so every domain's work runs on JMH's thread inside
 * {@code runUntilIdle}: the score is the CPU cost of the simulated path, with no thread hand-offs. One invocation
 * sends {@value #BATCH} frames from guest 1 and steps the domains until guest 2 has received all of them (for
 * {@code tx=timer}, the manual clock is advanced by one window and netback's timer work run between steps), in
 * chunks of at most {@link #XENVIF_RX_QUEUE_BYTES} (8 frames at 64 KiB, the whole batch otherwise).
 * With {@code threading=DEDICATED} each domain has its own thread and the system clock; JMH's thread hands each
 * chunk to guest 1 and waits until guest 2 has it, and netback's timer thread closes the {@code tx=timer} windows:
 * the score then includes the window's latency, the counters show the wake-ups it saves.
 *
 * <p>The baseline {@link #copyBaseline} makes the same two copies of the same bytes with
 * {@link MemorySegment#copy}: guest page to a dom0 buffer (the tx grant copy), dom0 buffer to a guest page (the rx
 * grant copy). {@link Counters} (JMH {@code @AuxCounters(OPERATIONS)}, so rates per second) gives packets and
 * bytes for both, and for the netif path netback's tx wake-ups, notifications received from guest 1, and
 * notifications sent (tx responses to guest 1, rx to guest 2): divide by {@code packets} for the per-packet figure.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class NetifPairBenchmark {
    /** Frames per invocation. */
    static final int BATCH = 64;
    /** Distinct frames (distinct TCP ports, so distinct flows across 4 queues). */
    static final int FLOWS = 16;
    static final MacAddress MAC1 = MacAddress.of("00:16:3e:00:00:01");
    static final MacAddress MAC2 = MacAddress.of("00:16:3e:00:00:02");
    static final int MAX_FRAME = 0xffff;
    /**
     * Linux netback's {@code XENVIF_RX_QUEUE_BYTES} (half an rx ring of pages): what a vif queues for its guest
     * before it drops. Linux then stops the vif's netdev queue and the qdisc holds further packets; xensim's bridge
     * has no qdisc, so the sender paces itself: it waits for the frames already sent once this many bytes are out.
     */
    static final int XENVIF_RX_QUEUE_BYTES = 128 * 4096;

    /** The rates JMH reports beside the score (per second; per packet = counter / packets). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {
        public long packets;
        public long bytes;
        public long txWakeups;
        public long txNotificationsIn;
        public long notificationsOut;

        @Setup(Level.Iteration)
        public void clear() {
            packets = 0;
            bytes = 0;
            txWakeups = 0;
            txNotificationsIn = 0;
            notificationsOut = 0;
        }
    }

    /** The frames of one size, as guest 1 hands them to its NIC. */
    @State(Scope.Benchmark)
    public static class Frames {
        @Param({"64", "1500", "65535"})
        public int size;
        Frame[] frames;
        /** Frames sent before the sender waits for them to arrive: what netback's rx queue holds. */
        int chunk;

        @Setup(Level.Trial)
        public void build() {
            frames = frames(size);
            chunk = Math.max(1, Math.min(BATCH, XENVIF_RX_QUEUE_BYTES / size));
        }
    }

    /** Two guests with netfront, dom0 with netback and xenbr0, connected. */
    @State(Scope.Thread)
    public static class Pair {
        @Param({"1", "4"})
        public int queues;
        @Param({"immediate", "timer"})
        public String txPolicy;
        /**
         * INVOKER: every domain on JMH's thread, a manual clock. DEDICATED: each domain on its own thread, the
         * system clock, and netback's own timer thread closing the {@code tx=timer} windows; JMH's thread only hands
         * the sends to guest 1 and waits for guest 2.
         */
        @Param({"INVOKER", "DEDICATED"})
        public String threading = "INVOKER";

        ManualClock clock;
        Hypervisor hv;
        Toolstack toolstack;
        ManagedDomain guest1;
        ManagedDomain guest2;
        NetfrontDevice front1;
        NetfrontDevice front2;
        ThreadingMode mode;
        Netback netback;
        /** Written by guest 2's executor only; read by JMH's thread. */
        volatile long received;
        volatile long receivedBytes;
        /** Threaded: completed by guest 2 once {@link #received} reaches {@link #target}. */
        volatile long target;
        volatile CompletableFuture<Void> arrived = new CompletableFuture<>();
        TxPolicy policy;

        @Setup(Level.Trial)
        public void start() {
            policy = TxPolicy.parse(txPolicy);
            mode = ThreadingMode.valueOf(threading);
            var connected = new CountDownLatch(4); // both ends of both vifs
            if (mode == ThreadingMode.INVOKER) {
                clock = new ManualClock();
                hv = Hypervisor.builder().threadingMode(mode).clock(clock).build();
            } else {
                hv = Hypervisor.builder().threadingMode(mode).tracer(e -> {
                    if (e.kind() == TraceEvent.Kind.STATE && e.detail().contains("-> Connected")) {
                        connected.countDown();
                    }
                }).build();
            }
            toolstack = Toolstack.start(hv, ToolstackConfig.defaults());
            netback = new Netback(new Bridges(), NetbackConfig.defaults().withTxPolicy(policy));
            toolstack.await(netback.install(toolstack));
            guest1 = guest(1);
            guest2 = guest(2);
            if (mode != ThreadingMode.INVOKER) {
                awaitTrue(connected, "both vifs Connected");
            }
            front1 = front(guest1);
            front2 = front(guest2);
            var done = new CompletableFuture<Void>();
            guest2.domain().executor().execute(() -> {
                front2.setReceiver(f -> {
                    received++;
                    receivedBytes += f.length();
                    if (received >= target) {
                        arrived.complete(null);
                    }
                });
                done.complete(null);
            });
            if (mode == ThreadingMode.INVOKER) {
                hv.runUntilIdle();
            }
            await(done);
            if (front1.queueCount() != queues || front2.queueCount() != queues) {
                throw new IllegalStateException("queues: " + front1.queueCount() + "/" + front2.queueCount()
                        + " (expected: " + queues + ")");
            }
        }

        private ManagedDomain guest(int domid) {
            var g = toolstack.await(toolstack.createDomain(DomainConfig.of(domid, "guest" + domid, 64)));
            toolstack.await(g.frontends().register(NetfrontDrivers.frontend(
                    NetfrontConfig.DEFAULT.withMaxQueues(queues))));
            toolstack.await(toolstack.addDevice(DeviceConfig.vif(domid, 0, 0,
                    String.format("00:16:3e:00:00:%02x", domid), "xenbr0")));
            if (mode == ThreadingMode.INVOKER) {
                hv.runUntilIdle();
            }
            return g;
        }

        private static void awaitTrue(CountDownLatch latch, String what) {
            try {
                if (!latch.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("timed out waiting for: " + what);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        static <T> T await(CompletableFuture<T> f) {
            try {
                return f.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        /** Runs {@code action} on dom0's executor (netback's counters are confined to it) and waits for it. */
        <T> T onDom0(java.util.function.Supplier<T> action) {
            if (mode == ThreadingMode.INVOKER) {
                return action.get();
            }
            var result = new CompletableFuture<T>();
            toolstack.dom0().domain().executor().execute(() -> {
                try {
                    result.complete(action.get());
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
            return await(result);
        }

        private static NetfrontDevice front(ManagedDomain g) {
            return (NetfrontDevice) g.frontends().device("vif", g.domid(), 0).orElseThrow(
                    () -> new IllegalStateException("no vif/0 in dom" + g.domid())).handler();
        }

        /** Netback's queues of vif1.0 (tx side) and vif2.0 (rx side). */
        List<NetbackQueue> queues(int domid) {
            return Netback.device(toolstack, domid, 0).orElseThrow().vif().queues();
        }

        @TearDown(Level.Trial)
        public void stop() {
            toolstack.close();
            netback.close();
            if (mode == ThreadingMode.INVOKER) {
                hv.runUntilIdle();
                hv.assertCleanedUp();
            }
            // DEDICATED: not checked here. A guest task already running when the toolstack destroys the guest can
            // still race the release of its memory (DomainExecutor drops only the tasks not yet started).
            hv.close();
        }
    }

    /** Sends {@link #BATCH} frames from guest 1 and steps until guest 2 has them all; returns the bytes received. */
    @Benchmark
    public long guestToGuest(Pair pair, Frames frames, Counters counters) {
        long[] before = pair.onDom0(() -> netbackCounters(pair));
        long bytesBefore = pair.receivedBytes;
        Frame[] fs = frames.frames;
        int chunk = frames.chunk;
        for (int sent = 0; sent < BATCH; sent += chunk) {
            int from = sent;
            int n = Math.min(chunk, BATCH - sent);
            long target = pair.received + n;
            var arrived = new CompletableFuture<Void>();
            pair.target = target;
            pair.arrived = arrived;
            pair.guest1.domain().executor().execute(() -> {
                for (int i = from; i < from + n; i++) {
                    SendResult r = pair.front1.send(fs[i % fs.length]);
                    if (r != SendResult.SENT && r != SendResult.QUEUED) {
                        throw new IllegalStateException("send: " + r);
                    }
                }
            });
            if (pair.mode != ThreadingMode.INVOKER) {
                Pair.await(arrived); // tx=timer: netback's timer thread closes the windows
                continue;
            }
            pair.hv.runUntilIdle();
            int rounds = 0;
            while (pair.received < target) {
                if (pair.policy.mode() != TxPolicy.Mode.TIMER || ++rounds > 1_000) {
                    throw new IllegalStateException("received " + (pair.received - target + n) + " of " + n);
                }
                pair.clock.advanceNanos(pair.policy.windowNs());
                pair.toolstack.dom0().domain().executor().execute(() -> Netback.doWork(pair.toolstack,
                        pair.clock.nanoTime()));
                pair.hv.runUntilIdle();
            }
        }
        long[] after = pair.onDom0(() -> netbackCounters(pair));
        long wakeups = after[0] - before[0];
        long notifyIn = after[1] - before[1];
        long notifyOut = after[2] - before[2];
        long bytes = pair.receivedBytes - bytesBefore;
        counters.packets += BATCH;
        counters.bytes += bytes;
        counters.txWakeups += wakeups;
        counters.txNotificationsIn += notifyIn;
        counters.notificationsOut += notifyOut;
        return bytes;
    }

    /** Netback's tx wake-ups and notifications in of vif1.0, and notifications out of both vifs, on dom0. */
    private static long[] netbackCounters(Pair pair) {
        long wakeups = 0;
        long notifyIn = 0;
        long notifyOut = 0;
        for (NetbackQueue q : pair.queues(1)) {
            wakeups += q.tx().wakeups();
            notifyIn += q.tx().notificationsIn();
            notifyOut += q.tx().notificationsOut();
        }
        for (NetbackQueue q : pair.queues(2)) {
            notifyOut += q.rx().notificationsOut();
        }
        return new long[] {wakeups, notifyIn, notifyOut};
    }

    /** The same bytes, two copies each: guest page to dom0 buffer, dom0 buffer to the other guest's page. */
    @State(Scope.Thread)
    public static class Copies {
        Arena arena;
        MemorySegment[] sources;
        MemorySegment staging;
        MemorySegment destination;

        @Setup(Level.Trial)
        public void start(Frames frames) {
            arena = Arena.ofConfined();
            sources = new MemorySegment[frames.frames.length];
            for (int i = 0; i < sources.length; i++) {
                sources[i] = arena.allocate(frames.frames[i].length(), 4096);
                MemorySegment.copy(frames.frames[i].data(), 0, sources[i], 0, frames.frames[i].length());
            }
            staging = arena.allocate(MAX_FRAME, 4096);
            destination = arena.allocate(MAX_FRAME, 4096);
        }

        @TearDown(Level.Trial)
        public void stop() {
            arena.close();
        }
    }

    @Benchmark
    public long copyBaseline(Copies copies, Counters counters) {
        long bytes = 0;
        MemorySegment[] src = copies.sources;
        for (int i = 0; i < BATCH; i++) {
            MemorySegment s = src[i % src.length];
            long n = s.byteSize();
            MemorySegment.copy(s, 0, copies.staging, 0, n);
            MemorySegment.copy(copies.staging, 0, copies.destination, 0, n);
            bytes += n;
        }
        counters.packets += BATCH;
        counters.bytes += bytes;
        return bytes + copies.destination.get(ValueLayout.JAVA_BYTE, 0);
    }

    /**
     * {@link #FLOWS} TCP frames of {@code size} bytes from guest 1 to guest 2, each its own flow; a 64 KiB one is a
     * GSO send with MSS 1448 and a blank checksum, the others carry complete checksums.
     */
    static Frame[] frames(int size) {
        var random = new Random(size);
        Frame[] out = new Frame[FLOWS];
        int headers = 14 + 20 + 20;
        for (int i = 0; i < FLOWS; i++) {
            byte[] payload = new byte[size - headers];
            random.nextBytes(payload);
            var b = new FrameBuilder(MAC1, MAC2).ipv4(Ipv4Address.of("10.0.0.1"), Ipv4Address.of("10.0.0.2"))
                    .tcp(40000 + i, 5001, i * 1000, 1, TcpHeader.ACK, 65535).payload(payload);
            if (size > 1514) {
                b.gso(1448);
            }
            out[i] = b.build();
        }
        return out;
    }
}
