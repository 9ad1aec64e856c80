package io.xensim.blk.back;

import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_DISCARD;
import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_FLUSH_DISKCACHE;
import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_READ;
import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_WRITE;
import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_WRITE_BARRIER;
import static io.xensim.blk.protocol.BlkifStatus.BLKIF_RSP_OKAY;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.protocol.BlkifRequest;
import io.xensim.blk.protocol.BlkifRequestDiscard;
import io.xensim.blk.protocol.BlkifRequestIndirect;
import io.xensim.blk.protocol.BlkifRequestSegment;
import io.xensim.blk.protocol.BlkifResponse;
import io.xensim.blk.protocol.BlkifRing;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/** Reads, writes, flushes and discards through a scripted frontend, checked against the image's bytes. */
class BlkbackIoTest {
    private static final int H = BlkbackFixture.XVDA;

    private static byte[] pattern(int length, int seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    /** Grants dom0 has mapped now (its xenstore server maps each guest's xenstore page too). */
    private static int mappings(BlkbackFixture f) {
        return f.fx.hv.domain(0).orElseThrow().grantOps().activeMappings();
    }

    private static byte[] imageBytes(BlkbackFixture f, long offset, int length) {
        return f.image(1).contents().asSlice(offset, length).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    @Test
    void writeThenReadBackAcrossSegments() {
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1);
            int base = mappings(f);
            front.connect(1, 0, false);
            var p1 = front.page(true, (byte) 0);
            var p2 = front.page(true, (byte) 0);
            byte[] data1 = pattern(4096, 1);
            byte[] data2 = pattern(4096, 2);
            p1.bytes().copyFrom(MemorySegment.ofArray(data1));
            p2.bytes().copyFrom(MemorySegment.ofArray(data2));
            // Sectors 2..7 of the first page and 0..3 of the second: 10 sectors from sector 100.
            var write = new BlkifRequest(BLKIF_OP_WRITE, H, 7, 100, List.of(p1.segment(2, 7), p2.segment(0, 3)));
            assertThat(front.submit(0, write)).isEqualTo(new BlkifResponse(7, BLKIF_OP_WRITE, BLKIF_RSP_OKAY));
            assertThat(imageBytes(f, 100 * 512, 6 * 512)).isEqualTo(java.util.Arrays.copyOfRange(data1, 1024, 4096));
            assertThat(imageBytes(f, 106 * 512, 4 * 512)).isEqualTo(java.util.Arrays.copyOfRange(data2, 0, 2048));

            var r = front.page(false, (byte) 0x55);
            var read = new BlkifRequest(BLKIF_OP_READ, H, 8, 104, List.of(r.segment(1, 4)));
            assertThat(front.submit(0, read)).isEqualTo(new BlkifResponse(8, BLKIF_OP_READ, BLKIF_RSP_OKAY));
            byte[] page = ScriptedBlkfront.bytes(r.bytes());
            assertThat(java.util.Arrays.copyOfRange(page, 512, 2560)).isEqualTo(imageBytes(f, 104 * 512, 2048));
            assertThat(page[0]).isEqualTo((byte) 0x55);                 // outside the segment: untouched
            assertThat(page[2560]).isEqualTo((byte) 0x55);
            // Without persistent grants every mapping went back before its response.
            assertThat(f.device(1).rings().get(0).persistentGrants()).isZero();
            assertThat(mappings(f)).isEqualTo(base + 1); // the ring
        }
    }

    @Test
    void flushAndBarrierWithAndWithoutData() {
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1);
            front.connect(1, 0, true);
            var flush = new BlkifRequest(BLKIF_OP_FLUSH_DISKCACHE, H, 1, 0, List.of());
            assertThat(front.submit(0, flush).status()).isEqualTo(BLKIF_RSP_OKAY);
            var p = front.page(false, (byte) 0x5a);
            var fua = new BlkifRequest(BLKIF_OP_FLUSH_DISKCACHE, H, 2, 8, List.of(p.whole()));
            assertThat(front.submit(0, fua)).isEqualTo(new BlkifResponse(2, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_RSP_OKAY));
            assertThat(imageBytes(f, 8 * 512, 4096)).containsOnly((byte) 0x5a);
            var barrier = new BlkifRequest(BLKIF_OP_WRITE_BARRIER, H, 3, 16, List.of(p.segment(0, 0)));
            assertThat(front.submit(0, barrier)).isEqualTo(new BlkifResponse(3, BLKIF_OP_WRITE_BARRIER, BLKIF_RSP_OKAY));
            assertThat(imageBytes(f, 16 * 512, 512)).containsOnly((byte) 0x5a);
        }
    }

    @Test
    void discardZeroesTheRange() {
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1);
            front.connect(1, 0, true);
            f.image(1).contents().fill((byte) 0x77);
            var discard = new BlkifRequestDiscard(0, H, 9, 16, 24);
            assertThat(front.submit(0, discard)).isEqualTo(new BlkifResponse(9, BLKIF_OP_DISCARD, BLKIF_RSP_OKAY));
            assertThat(imageBytes(f, 16 * 512, 24 * 512)).containsOnly((byte) 0);
            assertThat(imageBytes(f, 15 * 512, 512)).containsOnly((byte) 0x77);
            assertThat(imageBytes(f, 40 * 512, 512)).containsOnly((byte) 0x77);
            // BLKIF_DISCARD_SECURE without discard-secure: an ordinary discard.
            var secure = new BlkifRequestDiscard(BlkifRequestDiscard.BLKIF_DISCARD_SECURE, H, 10, 100, 1);
            assertThat(front.submit(0, secure).status()).isEqualTo(BLKIF_RSP_OKAY);
            assertThat(imageBytes(f, 100 * 512, 512)).containsOnly((byte) 0);
        }
    }

    @Test
    void persistentGrantsAreMappedOnceAndKeptUntilDisconnect() {
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1);
            int base = mappings(f);
            front.connect(1, 0, true);
            var ring = f.device(1).rings().get(0);
            assertThat(f.device(1).persistentGrants()).isTrue();
            var a = front.page(false, (byte) 1);
            var b = front.page(false, (byte) 2);
            for (int i = 0; i < 10; i++) {
                var op = i % 2 == 0 ? BLKIF_OP_WRITE : BLKIF_OP_READ;
                assertThat(front.submit(0, new BlkifRequest(op, H, i, 8L * i, List.of(a.whole(), b.whole())))
                        .status()).isEqualTo(BLKIF_RSP_OKAY);
            }
            assertThat(ring.mapOps()).isEqualTo(2);
            assertThat(ring.persistentGrants()).isEqualTo(2);
            assertThat(mappings(f)).isEqualTo(base + 3);
            front.setState(5);  // Closing: blkback disconnects and unmaps them
            assertThat(mappings(f)).isEqualTo(base);
        }
    }

    @Test
    void persistentGrantsBeyondTheMaximumAreMappedPerRequest() {
        try (var f = new BlkbackFixture(BlkbackConfig.defaults().withMaxPersistentGrants(1))) {
            var front = f.guest(1);
            front.connect(1, 0, true);
            var a = front.page(false, (byte) 1);
            var b = front.page(false, (byte) 2);
            for (int i = 0; i < 3; i++) {
                front.submit(0, new BlkifRequest(BLKIF_OP_WRITE, H, i, 0, List.of(a.whole(), b.whole())));
            }
            var ring = f.device(1).rings().get(0);
            assertThat(ring.persistentGrants()).isEqualTo(1);
            assertThat(ring.mapOps()).isEqualTo(1 + 3);
        }
    }

    @ParameterizedTest
    @MethodSource("indirectSizes")
    void indirectRequestsOfManySegments(int nseg, boolean persistent) {
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1);
            front.connect(1, 0, persistent);
            List<ScriptedBlkfront.Page> pages = new ArrayList<>();
            List<BlkifRequestSegment> segs = new ArrayList<>();
            for (int i = 0; i < nseg; i++) {
                var p = front.page(false, (byte) 0);
                p.bytes().copyFrom(MemorySegment.ofArray(pattern(4096, 100 + i)));
                pages.add(p);
                segs.add(p.whole());
            }
            List<Integer> indirect = new ArrayList<>();
            for (int from = 0; from < nseg; from += BlkifRequestIndirect.SEGS_PER_INDIRECT_FRAME) {
                indirect.add(front.indirectPage(segs.subList(from,
                        Math.min(nseg, from + BlkifRequestIndirect.SEGS_PER_INDIRECT_FRAME))).ref());
            }
            var write = new BlkifRequestIndirect(BLKIF_OP_WRITE, nseg, 42, 0, H, indirect);
            assertThat(front.submit(0, write)).isEqualTo(new BlkifResponse(42, BLKIF_OP_WRITE, BLKIF_RSP_OKAY));
            for (int i = 0; i < nseg; i++) {
                assertThat(imageBytes(f, i * 4096L, 4096)).isEqualTo(pattern(4096, 100 + i));
            }
            pages.forEach(p -> p.bytes().fill((byte) 0));
            var read = new BlkifRequestIndirect(BLKIF_OP_READ, nseg, 43, 0, H, indirect);
            assertThat(front.submit(0, read)).isEqualTo(new BlkifResponse(43, BLKIF_OP_READ, BLKIF_RSP_OKAY));
            for (int i = 0; i < nseg; i++) {
                assertThat(ScriptedBlkfront.bytes(pages.get(i).bytes())).isEqualTo(pattern(4096, 100 + i));
            }
        }
    }

    static Stream<Arguments> indirectSizes() {
        return Stream.of(Arguments.of(1, false), Arguments.of(12, true), Arguments.of(32, false),
                Arguments.of(256, true), Arguments.of(256, false));
    }

    @ParameterizedTest(name = "order {0}, {1} queue(s)")
    @MethodSource("ringShapes")
    void everyRingOrderAndQueueCountServesAFullRingPerQueue(int order, int queues) {
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1);
            front.connect(queues, order, true);
            var device = f.device(1);
            assertThat(device.rings()).hasSize(queues);
            int size = BlkifRing.ringSize(order);
            assertThat(device.rings()).allSatisfy(r -> assertThat(r.size()).isEqualTo(size));
            for (int q = 0; q < queues; q++) {
                var page = front.page(false, (byte) (q + 1));
                int qq = q;
                var reqs = IntStream.range(0, size).mapToObj(i -> new BlkifRequest(BLKIF_OP_WRITE, H, i,
                        (long) qq * 8, List.of(page.whole()))).toArray(BlkifRequest[]::new);
                front.push(q, reqs);
                var rs = front.responses(q);
                assertThat(rs).hasSize(size).allSatisfy(r -> assertThat(r.status()).isEqualTo(BLKIF_RSP_OKAY));
                assertThat(rs.stream().map(BlkifResponse::id).toList())
                        .isEqualTo(IntStream.range(0, size).mapToObj(i -> (long) i).toList());
                assertThat(imageBytes(f, q * 4096L, 4096)).containsOnly((byte) (q + 1));
                // A second round wraps the ring indices.
                front.push(q, reqs);
                assertThat(front.responses(q)).hasSize(size);
            }
        }
    }

    static Stream<Arguments> ringShapes() {
        return IntStream.rangeClosed(0, 4).boxed()
                .flatMap(order -> IntStream.rangeClosed(1, 4).mapToObj(q -> Arguments.of(order, q)));
    }
}
