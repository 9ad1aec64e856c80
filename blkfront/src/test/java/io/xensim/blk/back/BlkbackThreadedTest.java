package io.xensim.blk.back;

import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_READ;
import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.image.MemoryImage;
import io.xensim.blk.protocol.BlkFeatures;
import io.xensim.blk.protocol.BlkifRequest;
import io.xensim.blk.protocol.BlkifRequestSegment;
import io.xensim.blk.protocol.BlkifResponse;
import io.xensim.blk.protocol.BlkifRing;
import io.xensim.blk.protocol.BlkifRingRequest;
import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.ring.FrontRing;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.DiskConfig;
import io.xensim.xenbus.toolstack.ManagedDomain;
import io.xensim.xenbus.toolstack.Toolstack;
import io.xensim.xenbus.trace.TraceEvent;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Blkback with a thread per domain (DEDICATED): a hand-driven frontend on the guest's thread keeps two rings
 * full of writes, then reads everything back; every response arrives, on the guest's thread, and the bytes
 * match. Bounded in time; nothing sleeps.
 */
@Timeout(60)
class BlkbackThreadedTest {
    private static final int PAGES = 48;
    private static final int QUEUES = 2;

    @Test
    void twoRingsOfWritesThenReadsWithRealThreads() throws Exception {
        var connected = new CountDownLatch(1);
        var image = MemoryImage.create("threaded", PAGES * 8L * QUEUES);
        try (var hv = Hypervisor.builder().threadingMode(ThreadingMode.DEDICATED).tracer(e -> {
            if (e.kind() == TraceEvent.Kind.STATE && e.domid() == 0 && e.detail().contains("-> Connected")) {
                connected.countDown();
            }
        }).build()) {
            var toolstack = Toolstack.start(hv);
            var blkback = new Blkback(BlkbackConfig.defaults(), (params, writable) ->
                    new BlkbackFixture.OpenedImage(image, writable, 512));
            toolstack.await(blkback.install(toolstack));
            ManagedDomain g = toolstack.await(toolstack.createDomain(DomainConfig.of(1, "guest1", 16)));
            toolstack.await(toolstack.addDevice(DeviceConfig.vbd(1, 0, DiskConfig.of("xvda", 51712, "/t.img"))));

            var responses = new ConcurrentLinkedQueue<BlkifResponse>();
            var done = new CountDownLatch[] {new CountDownLatch(QUEUES * PAGES)};
            List<FrontRing<BlkifRingRequest, BlkifResponse>> rings = new ArrayList<>();
            int[] ports = new int[QUEUES];
            List<MemorySegment> pages = new ArrayList<>();
            List<Integer> refs = new ArrayList<>();
            Map<String, String> keys = on(g, () -> {
                var keysOut = new java.util.LinkedHashMap<String, String>();
                keysOut.put(BlkFeatures.RING_PAGE_ORDER, "1");
                for (int q = 0; q < QUEUES; q++) {
                    long gfn = g.domain().memory().allocateFrames(2);
                    var ring = FrontRing.init(g.domain().memory().frames(gfn, 2), BlkifRing.BLKIF);
                    rings.add(ring);
                    for (int p = 0; p < 2; p++) {
                        int ref = g.domain().grantTable().grantAccess(0, gfn + p, false);
                        keysOut.put("queue-" + q + "/" + BlkFeatures.ringRef(p), Integer.toString(ref));
                    }
                    int port = g.domain().eventChannels().allocUnbound(0);
                    ports[q] = port;
                    g.domain().eventChannels().bindHandler(port, x -> {
                        assert g.domain().executor().inExecutor();
                        do {
                            while (ring.hasUnconsumedResponses()) {
                                responses.add(((Decoded.Ok<BlkifResponse>) ring.takeResponse()).value());
                                done[0].countDown();
                            }
                        } while (ring.finalCheckForResponses());
                    });
                    keysOut.put("queue-" + q + "/" + BlkFeatures.EVENT_CHANNEL, Integer.toString(port));
                }
                keysOut.put(BlkFeatures.MULTI_QUEUE_NUM_QUEUES, Integer.toString(QUEUES));
                keysOut.put(BlkFeatures.PROTOCOL, BlkFeatures.XEN_IO_PROTO_ABI_X86_64);
                keysOut.put(BlkFeatures.FEATURE_PERSISTENT, "1");
                for (int i = 0; i < QUEUES * PAGES; i++) {
                    long gfn = g.domain().memory().allocateFrame();
                    var bytes = g.domain().memory().frame(gfn);
                    bytes.fill((byte) (i + 1));
                    pages.add(bytes);
                    refs.add(g.domain().grantTable().grantAccess(0, gfn, false));
                }
                return keysOut;
            });
            String dir = "/local/domain/1/device/vbd/51712";
            toolstack.await(g.xs().transaction(dir, tx -> {
                CompletableFuture<Void> all = CompletableFuture.completedFuture(null);
                for (var e : keys.entrySet()) {
                    all = all.thenCompose(v -> g.xs().write(tx, dir + "/" + e.getKey(), e.getValue()));
                }
                return all;
            }));
            toolstack.await(g.xs().write(dir + "/state", "3"));
            assertThat(connected.await(30, TimeUnit.SECONDS)).as("blkback Connected").isTrue();

            submitAll(g, rings, ports, refs, BLKIF_OP_WRITE);
            assertThat(done[0].await(30, TimeUnit.SECONDS)).as("every write answered").isTrue();
            for (int i = 0; i < QUEUES * PAGES; i++) {
                assertThat(image.contents().asSlice(i * 4096L, 4096).toArray(ValueLayout.JAVA_BYTE))
                        .containsOnly((byte) (i + 1));
            }
            on(g, () -> {
                pages.forEach(p -> p.fill((byte) 0));
                return null;
            });
            done[0] = new CountDownLatch(QUEUES * PAGES);
            submitAll(g, rings, ports, refs, BLKIF_OP_READ);
            assertThat(done[0].await(30, TimeUnit.SECONDS)).as("every read answered").isTrue();
            assertThat(responses).hasSize(2 * QUEUES * PAGES).allSatisfy(r -> assertThat(r.status()).isZero());
            on(g, () -> {
                for (int i = 0; i < QUEUES * PAGES; i++) {
                    assertThat(pages.get(i).toArray(ValueLayout.JAVA_BYTE)).containsOnly((byte) (i + 1));
                }
                return null;
            });
            toolstack.close();
            assertThat(hv.uncaughtErrors()).isEmpty();
        } finally {
            image.close();
        }
    }

    /** One request per page, in rounds of at most a ring's worth, each pushed with a notify if asked. */
    private static void submitAll(ManagedDomain g, List<FrontRing<BlkifRingRequest, BlkifResponse>> rings, int[] ports,
            List<Integer> refs, int op) throws Exception {
        on(g, () -> {
            for (int q = 0; q < QUEUES; q++) {
                var ring = rings.get(q);
                for (int i = 0; i < PAGES; i++) {
                    int page = q * PAGES + i;
                    ring.putRequest(new BlkifRequest(op, 51712, page, page * 8L,
                            List.of(new BlkifRequestSegment(refs.get(page), 0, 7))));
                }
                if (ring.pushRequestsAndCheckNotify()) {
                    g.domain().eventChannels().send(ports[q]);
                }
            }
            return null;
        });
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
