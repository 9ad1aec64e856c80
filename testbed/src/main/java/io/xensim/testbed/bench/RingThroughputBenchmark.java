package io.xensim.testbed.bench;

import io.xensim.net.protocol.NetifRing;
import io.xensim.net.protocol.NetifTxRequest;
import io.xensim.net.protocol.NetifTxResponse;
import io.xensim.xenbus.memory.Layouts;
import io.xensim.xenbus.ring.BackRing;
import io.xensim.xenbus.ring.FrontRing;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.jctools.queues.SpscArrayQueue;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Request/response round trips of 12-byte netif tx entries between two threads: xensim's {@link FrontRing} /
 * {@link BackRing} over one native page (256 slots), against a pair of JCTools {@link SpscArrayQueue}s and a pair
 * of Agrona {@link OneToOneRingBuffer}s, in the same run.
 *
 * <p>Design: each benchmark method is the frontend, on JMH's thread; the backend is a dedicated thread started
 * per trial. This is the shape of the real thing (a guest vCPU and a backend kthread) and, unlike a JMH
 * {@code @Group} of a producer and a consumer, it lets one invocation mean "{@value #BATCH} responses received",
 * so the score is round trips per second rather than attempts by either side. The pipeline is never drained
 * between invocations: requests stay outstanding across them, as under sustained load.
 *
 * <p>All three variants run the same workload: at most {@value #RING_SIZE} requests outstanding, the frontend
 * tops up whenever at least {@value #TOP_UP} slots are free (the ring is kept at least 7/8 full), the backend
 * reads every field of each request and writes a 4-byte netif_tx_response ({@code id}, {@code status}) back,
 * and the frontend checks every response's id. Every idle thread first backs off the same way ({@link Backoff}):
 * {@code SPINS} spin-wait polls (default 2048, a few tens of microseconds, in the spirit of Linux's
 * {@code net.core.busy_poll}), then yielding polls, so that on an oversubscribed machine a peer waiting for the
 * core gets it. The baselines, which have no wakeup protocol, keep yielding; the Xen ring, after {@code YIELDS}
 * yielding polls (default 64), does ring.h's final check and parks ({@code -Dxensim.bench.spins=N} and
 * {@code -Dxensim.bench.yields=N} in {@code -jvmArgsAppend} change both). Its "event channel" is
 * {@link LockSupport#unpark}, sent only when the push says the peer asked. The backend re-arms with the stock
 * {@code req_event = req_cons + 1}; the frontend, which has nothing to do until {@value #TOP_UP} slots are free,
 * asks to be woken only then ({@link FrontRing#finalCheckForResponses(int)}). {@link XenNotifications} counts
 * the events per iteration (JMH prints the sum over the measured iterations).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(1)
@Fork(value = 1, jvmArgsAppend = {
        "--enable-native-access=ALL-UNNAMED",
        // Agrona 2.x's UnsafeBuffer reaches jdk.internal.misc on JDK 25.
        "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED"})
public class RingThroughputBenchmark {
    /** Round trips counted per invocation. */
    static final int BATCH = 1024;
    /** {@code RING_SIZE} of a one-page netif tx ring: the outstanding limit of every variant. */
    static final int RING_SIZE = 256;
    /** {@code sizeof(struct netif_tx_request)}. */
    static final int ENTRY = 12;
    /** Top up when at least this many slots are free. */
    static final int TOP_UP = 32;
    /** Polls of the peer's producer index before re-arming the event and parking (Xen ring only). */
    static final int SPINS = Integer.getInteger("xensim.bench.spins", 2048);
    /** Then polls with {@link Thread#yield()} between them, so a peer waiting for this core can run. */
    static final int YIELDS = Integer.getInteger("xensim.bench.yields", 64);

    /**
     * The idle strategy all variants share until the Xen ring would sleep: {@link #SPINS} spin-waits, then
     * yields (Agrona's BackoffIdleStrategy without its park phase, which needs no wakeup).
     */
    static final class Backoff {
        private int idle;

        void reset() {
            idle = 0;
        }

        /** One idle poll; returns false once {@link #SPINS} + {@link #YIELDS} polls have found nothing. */
        boolean idle() {
            int n = idle++;
            if (n < SPINS) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
            return n < SPINS + YIELDS;
        }
    }

    private static final short NETIF_RSP_OKAY = 0;
    private static final short NETIF_RSP_ERROR = -1;

    // ---------------------------------------------------------------------------------------------------------
    // xensim FrontRing / BackRing

    @State(Scope.Thread)
    public static class XenRing {
        Arena arena;
        FrontRing<NetifTxRequest, NetifTxResponse> front;
        BackRing<NetifTxRequest, NetifTxResponse> back;
        Thread frontThread;
        Thread backThread;
        volatile boolean running;
        /** Back-to-front events, written only by the backend thread. */
        volatile long responseNotifications;
        /** Front-to-back events, on the frontend (JMH) thread. */
        long requestNotifications;
        int nextId;
        int expectedId;
        final Backoff backoff = new Backoff();

        @Setup(Level.Trial)
        public void start() {
            arena = Arena.ofShared();
            MemorySegment page = arena.allocate(Layouts.XEN_PAGE_SIZE, Layouts.XEN_PAGE_SIZE);
            front = FrontRing.init(page, NetifRing.TX);
            back = BackRing.init(page, NetifRing.TX);
            if (front.size() != RING_SIZE) {
                throw new AssertionError(front);
            }
            frontThread = Thread.currentThread();
            running = true;
            backThread = Thread.ofPlatform().name("xen-ring-back").daemon().start(this::backend);
        }

        /** netback's loop in miniature: consume, answer over the slot, push, and sleep after the final check. */
        private void backend() {
            BackRing<?, ?> ring = back;
            MemorySegment sring = ring.sring();
            long notifications = 0;
            Backoff backoff = new Backoff();
            while (true) {
                int n = ring.unconsumedRequests();
                if (n > 0) {
                    backoff.reset();
                    for (int k = 0; k < n; k++) {
                        long off = ring.consumeRequest();
                        int gref = sring.get(Layouts.U32, off);
                        short offset = sring.get(Layouts.U16, off + 4);
                        short flags = sring.get(Layouts.U16, off + 6);
                        short id = sring.get(Layouts.U16, off + 8);
                        short size = sring.get(Layouts.U16, off + 10);
                        long rsp = ring.produceResponse();
                        sring.set(Layouts.U16, rsp, id);
                        sring.set(Layouts.U16, rsp + 2, status(gref, offset, flags, size));
                    }
                    if (ring.pushResponsesAndCheckNotify()) {
                        responseNotifications = ++notifications;
                        LockSupport.unpark(frontThread);
                    }
                    continue;
                }
                if (backoff.idle()) {
                    continue;
                }
                backoff.reset();
                if (!ring.finalCheckForRequests()) {
                    if (!running) {
                        return;
                    }
                    LockSupport.park(this);
                }
            }
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            running = false;
            LockSupport.unpark(backThread);
            backThread.join();
            arena.close();
        }
    }

    /** Event-channel sends per iteration, and the round trips they served. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class XenNotifications {
        /** Frontend to backend ({@code RING_PUSH_REQUESTS_AND_CHECK_NOTIFY} said notify). */
        public long requestNotifications;
        /** Backend to frontend ({@code RING_PUSH_RESPONSES_AND_CHECK_NOTIFY} said notify). */
        public long responseNotifications;
        public long roundTrips;
        long requestBase;
        long responseBase;

        @Setup(Level.Iteration)
        public void reset(XenRing ring) {
            requestBase = ring.requestNotifications;
            responseBase = ring.responseNotifications;
            requestNotifications = 0;
            responseNotifications = 0;
            roundTrips = 0;
        }
    }

    /** A grant reference per request, unlike its id in the low 16 bits, so an unanswered slot cannot pass. */
    static int gref(int id) {
        return ~id & 0x7fff_ffff;
    }

    static short status(int gref, short offset, short flags, short size) {
        return (gref | offset | flags) >= 0 && size != 0 ? NETIF_RSP_OKAY : NETIF_RSP_ERROR;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int xenRing(XenRing s, XenNotifications counters) {
        FrontRing<?, ?> ring = s.front;
        MemorySegment sring = ring.sring();
        int done = 0;
        int sum = 0;
        while (done < BATCH) {
            int n = Math.min(ring.unconsumedResponses(), BATCH - done);
            for (int k = 0; k < n; k++) {
                long off = ring.consumeResponse();
                short id = sring.get(Layouts.U16, off);
                short status = sring.get(Layouts.U16, off + 2);
                if (id != (short) s.expectedId++ || status != NETIF_RSP_OKAY) {
                    throw new AssertionError("response id " + id + " status " + status + ", expected id "
                            + (short) (s.expectedId - 1));
                }
                sum += id;
            }
            done += n;
            int free = ring.freeRequests();
            if (free >= TOP_UP) {
                for (int k = 0; k < free; k++) {
                    int id = s.nextId++;
                    long off = ring.produceRequest();
                    sring.set(Layouts.U32, off, gref(id));                // gref
                    sring.set(Layouts.U16, off + 4, (short) 0);           // offset
                    sring.set(Layouts.U16, off + 6, (short) 0);           // flags
                    sring.set(Layouts.U16, off + 8, (short) id);          // id
                    sring.set(Layouts.U16, off + 10, (short) 1514);       // size
                }
                if (ring.pushRequestsAndCheckNotify()) {
                    s.requestNotifications++;
                    LockSupport.unpark(s.backThread);
                }
            } else if (n == 0) {
                if (s.backoff.idle()) {
                    continue;
                }
                // Sleep until the responses that make a top-up worth it are waiting (ring.h's batching final check).
                if (!ring.finalCheckForResponses(TOP_UP - free)) {
                    LockSupport.park(s);
                }
                s.backoff.reset();
                continue;
            }
            s.backoff.reset();
        }
        counters.roundTrips += BATCH;
        counters.requestNotifications = s.requestNotifications - counters.requestBase;
        counters.responseNotifications = s.responseNotifications - counters.responseBase;
        return sum;
    }

    // ---------------------------------------------------------------------------------------------------------
    // JCTools: SpscArrayQueue requests out, SpscArrayQueue responses back

    /** A request slot that the backend overwrites with its response, like a ring slot (a union of both). */
    static final class Slot {
        int gref;
        short offset;
        short flags;
        short id;
        short size;
        short status;
    }

    @State(Scope.Thread)
    public static class JcToolsPair {
        SpscArrayQueue<Slot> requests;
        SpscArrayQueue<Slot> responses;
        Slot[] slots;
        Thread backThread;
        volatile boolean running;
        int nextId;
        int expectedId;
        int outstanding;
        final Backoff backoff = new Backoff();

        @Setup(Level.Trial)
        public void start() {
            requests = new SpscArrayQueue<>(RING_SIZE);
            responses = new SpscArrayQueue<>(RING_SIZE);
            slots = new Slot[RING_SIZE];
            for (int i = 0; i < RING_SIZE; i++) {
                slots[i] = new Slot();
            }
            running = true;
            backThread = Thread.ofPlatform().name("jctools-back").daemon().start(this::backend);
        }

        private void backend() {
            SpscArrayQueue<Slot> in = requests;
            SpscArrayQueue<Slot> out = responses;
            Backoff backoff = new Backoff();
            while (true) {
                Slot slot = in.relaxedPoll();
                if (slot == null) {
                    if (!running) {
                        return;
                    }
                    backoff.idle();
                    continue;
                }
                backoff.reset();
                short id = slot.id;
                slot.status = status(slot.gref, slot.offset, slot.flags, slot.size);
                slot.id = id;
                while (!out.relaxedOffer(slot)) {
                    Thread.onSpinWait();
                }
            }
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            running = false;
            backThread.join();
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int jctoolsSpscPair(JcToolsPair s) {
        int done = 0;
        int sum = 0;
        while (done < BATCH) {
            int n = 0;
            Slot rsp;
            while (done + n < BATCH && (rsp = s.responses.relaxedPoll()) != null) {
                if (rsp.id != (short) s.expectedId++ || rsp.status != NETIF_RSP_OKAY) {
                    throw new AssertionError("response id " + rsp.id + " status " + rsp.status + ", expected id "
                            + (short) (s.expectedId - 1));
                }
                sum += rsp.id;
                n++;
            }
            done += n;
            s.outstanding -= n;
            int free = RING_SIZE - s.outstanding;
            if (free >= TOP_UP) {
                for (int k = 0; k < free; k++) {
                    int id = s.nextId++;
                    Slot slot = s.slots[id & (RING_SIZE - 1)]; // its previous request was answered and consumed
                    slot.gref = gref(id);
                    slot.offset = 0;
                    slot.flags = 0;
                    slot.id = (short) id;
                    slot.size = 1514;
                    if (!s.requests.relaxedOffer(slot)) {
                        throw new AssertionError("request queue full with " + s.outstanding + " outstanding");
                    }
                    s.outstanding++;
                }
            } else if (n == 0) {
                s.backoff.idle();
                continue;
            }
            s.backoff.reset();
        }
        return sum;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Agrona: OneToOneRingBuffer requests out, OneToOneRingBuffer responses back

    static final int MSG_TYPE = 1;

    @State(Scope.Thread)
    public static class AgronaPair implements MessageHandler {
        RingBuffer requests;
        RingBuffer responses;
        Thread backThread;
        volatile boolean running;
        int nextId;
        int expectedId;
        int outstanding;
        final Backoff backoff = new Backoff();
        int sum;

        @Setup(Level.Trial)
        public void start() {
            // A request record is 8 + 12 bytes, 24 aligned. Agrona frees a read batch's space only when read()
            // returns, and the backend answers from inside read(), so up to 256 answered-but-unreleased records
            // sit beside 256 new ones: 512 records, 12288 bytes; capacities are powers of two.
            requests = new OneToOneRingBuffer(new UnsafeBuffer(
                    ByteBuffer.allocateDirect(16384 + RingBufferDescriptor.TRAILER_LENGTH)));
            // A response record is 8 + 4 bytes, 16 aligned; at most 256 are ever unreleased.
            responses = new OneToOneRingBuffer(new UnsafeBuffer(
                    ByteBuffer.allocateDirect(8192 + RingBufferDescriptor.TRAILER_LENGTH)));
            running = true;
            backThread = Thread.ofPlatform().name("agrona-back").daemon().start(this::backend);
        }

        private void backend() {
            RingBuffer in = requests;
            RingBuffer out = responses;
            MessageHandler answer = (type, buffer, index, length) -> {
                int gref = buffer.getInt(index);
                short offset = buffer.getShort(index + 4);
                short flags = buffer.getShort(index + 6);
                short id = buffer.getShort(index + 8);
                short size = buffer.getShort(index + 10);
                int claimed;
                while ((claimed = out.tryClaim(MSG_TYPE, 4)) < 0) {
                    Thread.onSpinWait();
                }
                MutableDirectBuffer rsp = out.buffer();
                rsp.putShort(claimed, id);
                rsp.putShort(claimed + 2, status(gref, offset, flags, size));
                out.commit(claimed);
            };
            Backoff backoff = new Backoff();
            while (true) {
                if (in.read(answer, RING_SIZE) == 0) {
                    if (!running) {
                        return;
                    }
                    backoff.idle();
                } else {
                    backoff.reset();
                }
            }
        }

        /** The frontend's response handler. */
        @Override
        public void onMessage(int msgTypeId, MutableDirectBuffer buffer, int index, int length) {
            short id = buffer.getShort(index);
            short status = buffer.getShort(index + 2);
            if (id != (short) expectedId++ || status != NETIF_RSP_OKAY) {
                throw new AssertionError("response id " + id + " status " + status + ", expected id "
                        + (short) (expectedId - 1));
            }
            sum += id;
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException {
            running = false;
            backThread.join();
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int agronaOneToOnePair(AgronaPair s) {
        int done = 0;
        while (done < BATCH) {
            int n = s.responses.read(s, BATCH - done);
            done += n;
            s.outstanding -= n;
            int free = RING_SIZE - s.outstanding;
            if (free >= TOP_UP) {
                MutableDirectBuffer buffer = s.requests.buffer();
                for (int k = 0; k < free; k++) {
                    int id = s.nextId++;
                    int index = s.requests.tryClaim(MSG_TYPE, ENTRY);
                    if (index < 0) {
                        throw new AssertionError("request ring full with " + s.outstanding + " outstanding");
                    }
                    buffer.putInt(index, gref(id));
                    buffer.putShort(index + 4, (short) 0);
                    buffer.putShort(index + 6, (short) 0);
                    buffer.putShort(index + 8, (short) id);
                    buffer.putShort(index + 10, (short) 1514);
                    s.requests.commit(index);
                    s.outstanding++;
                }
            } else if (n == 0) {
                s.backoff.idle();
                continue;
            }
            s.backoff.reset();
        }
        return s.sum;
    }
}
