package io.xensim.xenbus.ring;

import static io.xensim.xenbus.ring.RingFixtures.NETIF_TX_ENTRY;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A frontend thread and a backend thread run {@value #REQUESTS} netif-tx-sized request/response round trips
 * through one ring, each end sleeping on a doorbell (park/unpark, standing in for the event channel) exactly when
 * ring.h's final check says so, and ringing the peer's only when the push says the peer asked.
 *
 * <p>Request slot (12 bytes): {@code seq} (u32), {@code payload} (u32, from a seeded Random), {@code crc}
 * (u32, CRC32 of the first 8 bytes). Every 9973rd request carries a corrupted crc. Response written over the
 * slot: {@code id} (u32, the seq echoed), {@code status} (s16: 0, or -1 for a bad checksum, as NETIF_RSP_ERROR).
 */
class RingStressTest {
    private static final int REQUESTS = 200_000;
    private static final int CORRUPT_EVERY = 9973;
    /** The frontend publishes at least this many requests per push (or all that remain). */
    private static final int MIN_BATCH = 32;
    private static final short RSP_OKAY = 0;
    private static final short RSP_ERROR = -1;
    private static final long SEED = 0x5EED_C0FFEEL;

    /** One end's event channel: the peer's notify unparks the owner, which parks only after a final check. */
    private static final class Doorbell {
        private volatile Thread owner;

        void ring() {
            LockSupport.unpark(owner);
        }

        void await() {
            LockSupport.park(this);
        }
    }

    private static int crc(int seq, int payload) {
        CRC32 crc = new CRC32();
        crc.update(new byte[] {
            (byte) seq, (byte) (seq >>> 8), (byte) (seq >>> 16), (byte) (seq >>> 24),
            (byte) payload, (byte) (payload >>> 8), (byte) (payload >>> 16), (byte) (payload >>> 24)});
        return (int) crc.getValue();
    }

    private static final class Frontend implements Runnable {
        final FrontRing<?, ?> ring;
        final Doorbell mine;
        final Doorbell backend;
        final int[] ids = new int[REQUESTS];
        final short[] statuses = new short[REQUESTS];
        int received;
        long notifications;
        long pushes;
        String failure;

        Frontend(FrontRing<?, ?> ring, Doorbell mine, Doorbell backend) {
            this.ring = ring;
            this.mine = mine;
            this.backend = backend;
        }

        @Override
        public void run() {
            mine.owner = Thread.currentThread();
            Random random = new Random(SEED);
            MemorySegment sring = ring.sring();
            int sent = 0;
            while (received < REQUESTS && !Thread.currentThread().isInterrupted()) {
                boolean progress = false;
                if (ring.responseProdOverflow(ring.rspProd())) {
                    failure = "rsp_prod overflow: " + ring;
                    return;
                }
                int n = ring.unconsumedResponses();
                for (int k = 0; k < n; k++) {
                    long off = ring.consumeResponse();
                    ids[received] = sring.get(Layouts.U32, off);
                    statuses[received] = sring.get(Layouts.U16, off + 4);
                    received++;
                }
                progress |= n > 0;

                int free = ring.freeRequests();
                int remaining = REQUESTS - sent;
                if (remaining > 0 && free >= Math.min(MIN_BATCH, remaining)) {
                    int count = Math.min(Math.min(free, remaining), MIN_BATCH + random.nextInt(256 - MIN_BATCH + 1));
                    for (int k = 0; k < count; k++, sent++) {
                        int payload = random.nextInt();
                        int crc = crc(sent, payload);
                        long off = ring.produceRequest();
                        sring.set(Layouts.U32, off, sent);
                        sring.set(Layouts.U32, off + 4, payload);
                        sring.set(Layouts.U32, off + 8, sent % CORRUPT_EVERY == 0 ? ~crc : crc);
                    }
                    pushes++;
                    if (ring.pushRequestsAndCheckNotify()) {
                        notifications++;
                        backend.ring();
                    }
                    progress = true;
                }
                if (!progress && !ring.finalCheckForResponses()) {
                    mine.await();
                }
            }
        }
    }

    private static final class Backend implements Runnable {
        final BackRing<?, ?> ring;
        final Doorbell mine;
        final Doorbell frontend;
        long notifications;
        long pushes;
        int badChecksums;
        String failure;

        Backend(BackRing<?, ?> ring, Doorbell mine, Doorbell frontend) {
            this.ring = ring;
            this.mine = mine;
            this.frontend = frontend;
        }

        @Override
        public void run() {
            mine.owner = Thread.currentThread();
            MemorySegment sring = ring.sring();
            try (Arena scratchArena = Arena.ofConfined()) {
                MemorySegment copy = scratchArena.allocate(NETIF_TX_ENTRY);
                int handled = 0;
                while (handled < REQUESTS && !Thread.currentThread().isInterrupted()) {
                    if (ring.requestProdOverflow(ring.reqProd())) {
                        failure = "req_prod overflow: " + ring;
                        return;
                    }
                    int n = ring.unconsumedRequests();
                    if (n > 0) {
                        for (int k = 0; k < n; k++) {
                            ring.copyRequest(ring.reqCons(), copy); // RING_COPY_REQUEST, then validate the copy
                            ring.consumeRequest();
                            int seq = copy.get(Layouts.U32, 0);
                            boolean ok = crc(seq, copy.get(Layouts.U32, 4)) == copy.get(Layouts.U32, 8);
                            badChecksums += ok ? 0 : 1;
                            long off = ring.produceResponse();
                            sring.set(Layouts.U32, off, seq);
                            sring.set(Layouts.U16, off + 4, ok ? RSP_OKAY : RSP_ERROR);
                        }
                        handled += n;
                        pushes++;
                        if (ring.pushResponsesAndCheckNotify()) {
                            notifications++;
                            frontend.ring();
                        }
                    } else if (!ring.finalCheckForRequests()) {
                        mine.await();
                    }
                }
            }
        }
    }

    @ParameterizedTest(name = "order {0}, start index {1}")
    @CsvSource({"0, 0", "3, -100000"})
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void everyRequestIsAnsweredExactlyOnceInOrderWithFewNotifications(int order, int start) throws Exception {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment area = RingFixtures.area(arena, order);
            FrontRing<?, ?> front;
            if (start == 0) {
                front = FrontRing.init(area, NETIF_TX_ENTRY);
            } else {
                RingFixtures.liveHeader(area, start); // crosses 2^32 after 100000 requests
                front = FrontRing.attach(area, NETIF_TX_ENTRY, start);
            }
            BackRing<?, ?> back = BackRing.attach(area, NETIF_TX_ENTRY, start);
            Doorbell frontBell = new Doorbell();
            Doorbell backBell = new Doorbell();
            Frontend frontend = new Frontend(front, frontBell, backBell);
            Backend backend = new Backend(back, backBell, frontBell);
            Thread frontThread = Thread.ofPlatform().name("ring-front").unstarted(frontend);
            Thread backThread = Thread.ofPlatform().name("ring-back").unstarted(backend);
            // The backend's doorbell must have its owner before the frontend's first push can ring it.
            backBell.owner = backThread;
            frontBell.owner = frontThread;
            backThread.start();
            frontThread.start();

            // Non-short-circuit &: wait for both, so neither is left running on the way out.
            boolean finished = frontThread.join(Duration.ofSeconds(100)) & backThread.join(Duration.ofSeconds(10));
            if (!finished) {
                frontThread.interrupt();
                backThread.interrupt();
                frontThread.join();
                backThread.join();
            }
            assertThat(finished).as("both ends finished: %s / %s", front, back).isTrue();

            assertThat(frontend.failure).isNull();
            assertThat(backend.failure).isNull();
            assertThat(frontend.received).isEqualTo(REQUESTS);
            for (int i = 0; i < REQUESTS; i++) {
                if (frontend.ids[i] != i) {
                    assertThat(frontend.ids[i]).as("response %d: id", i).isEqualTo(i);
                }
                short expected = i % CORRUPT_EVERY == 0 ? RSP_ERROR : RSP_OKAY;
                if (frontend.statuses[i] != expected) {
                    assertThat(frontend.statuses[i]).as("response %d: status", i).isEqualTo(expected);
                }
            }
            assertThat(backend.badChecksums).isEqualTo((REQUESTS + CORRUPT_EVERY - 1) / CORRUPT_EVERY);
            assertThat(front.rspCons()).isEqualTo(start + REQUESTS);
            assertThat(back.reqCons()).isEqualTo(start + REQUESTS);
            assertThat(front.unconsumedResponses()).isZero();
            assertThat(back.unconsumedRequests()).isZero();

            // Structural bound, not a timing one: every frontend push carries >= MIN_BATCH requests (or all that
            // remain), every backend push needs a new req_prod, and a notification needs a push.
            long maxPushes = REQUESTS / MIN_BATCH + 1;
            assertThat(frontend.pushes).isLessThanOrEqualTo(maxPushes);
            assertThat(backend.pushes).isLessThanOrEqualTo(frontend.pushes);
            long notifications = frontend.notifications + backend.notifications;
            System.out.printf("order %d, start %d: %d round trips, %d+%d pushes, %d+%d notifications (front+back)%n",
                    order, start, REQUESTS, frontend.pushes, backend.pushes, frontend.notifications,
                    backend.notifications);
            assertThat(notifications).as("the first push of each end at least").isGreaterThanOrEqualTo(2)
                    .isLessThanOrEqualTo(2 * maxPushes).isLessThan(REQUESTS / 8);
        }
    }
}
