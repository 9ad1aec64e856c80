package io.xensim.blk.back;

import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_DISCARD;
import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_FLUSH_DISKCACHE;
import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_READ;
import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_RESERVED_1;
import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_WRITE;
import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_WRITE_BARRIER;
import static io.xensim.blk.protocol.BlkifStatus.BLKIF_RSP_EOPNOTSUPP;
import static io.xensim.blk.protocol.BlkifStatus.BLKIF_RSP_ERROR;
import static io.xensim.blk.protocol.BlkifStatus.BLKIF_RSP_OKAY;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.protocol.BlkifRequest;
import io.xensim.blk.protocol.BlkifRequestDiscard;
import io.xensim.blk.protocol.BlkifRequestIndirect;
import io.xensim.blk.protocol.BlkifRequestSegment;
import io.xensim.blk.protocol.BlkifResponse;
import io.xensim.blk.protocol.BlkifRing;
import io.xensim.blk.protocol.BlkifRingRequest;
import io.xensim.blk.protocol.VbdName;
import io.xensim.xenbus.memory.Layouts;
import io.xensim.xenbus.toolstack.DiskConfig;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Blkback against a frontend that breaks the protocol, as Linux 6.1's blkback answers it: a bad request alone
 * fails (ERROR, or EOPNOTSUPP for an unknown operation) and the ring goes on; an overflowing producer halts the
 * ring until disconnect.
 */
class BlkbackRogueFrontendTest {
    private static final int H = BlkbackFixture.XVDA;

    /** Submits {@code bad}, expects its one answer, then checks a good write on the same ring still succeeds. */
    private static void rejectedThenRingGoesOn(ScriptedBlkfront front, BlkifRingRequest bad, BlkifResponse expected) {
        assertThat(front.submit(0, bad)).isEqualTo(expected);
        assertRingServes(front, 0);
    }

    private static void assertRingServes(ScriptedBlkfront front, int queue) {
        var page = front.page(false, (byte) 3);
        var good = new BlkifRequest(BLKIF_OP_WRITE, H, 0xbeef, 0, List.of(page.whole()));
        assertThat(front.submit(queue, good)).isEqualTo(new BlkifResponse(0xbeef, BLKIF_OP_WRITE, BLKIF_RSP_OKAY));
    }

    private static ScriptedBlkfront connected(BlkbackFixture f) {
        var front = f.guest(1);
        front.connect(1, 0, false);
        return front;
    }

    @ParameterizedTest
    @ValueSource(ints = {BLKIF_OP_RESERVED_1, 7, 8, 200, 255})
    void unknownOperationIsNotSupported(int op) {
        try (var f = new BlkbackFixture()) {
            var front = connected(f);
            byte[] slot = new byte[BlkifRing.ENTRY_LENGTH];
            slot[0] = (byte) op;
            slot[8] = 0x21;   // id
            front.pushRaw(0, slot);
            assertThat(front.responses(0)).containsExactly(new BlkifResponse(0x21, op, BLKIF_RSP_EOPNOTSUPP));
            assertRingServes(front, 0);
        }
    }

    @Test
    void badSegmentCounts() {
        try (var f = new BlkbackFixture()) {
            var front = connected(f);
            rejectedThenRingGoesOn(front, new BlkifRequest(BLKIF_OP_READ, H, 1, 0, List.of()),
                    new BlkifResponse(1, BLKIF_OP_READ, BLKIF_RSP_ERROR));
            rejectedThenRingGoesOn(front, new BlkifRequest(BLKIF_OP_WRITE, H, 2, 0, List.of()),
                    new BlkifResponse(2, BLKIF_OP_WRITE, BLKIF_RSP_ERROR));
            // nr_segments 12 in a direct slot (the record refuses to hold more than 11: write the byte).
            var page = front.page(false, (byte) 0);
            List<BlkifRequestSegment> eleven = new ArrayList<>();
            for (int i = 0; i < 11; i++) {
                eleven.add(page.whole());
            }
            byte[] slot = new byte[BlkifRing.ENTRY_LENGTH];
            new BlkifRequest(BLKIF_OP_WRITE, H, 3, 0, eleven).encode(MemorySegment.ofArray(slot));
            slot[BlkifRequest.NR_SEGMENTS_OFFSET] = 12;
            front.pushRaw(0, slot);
            assertThat(front.responses(0)).containsExactly(new BlkifResponse(3, BLKIF_OP_WRITE, BLKIF_RSP_ERROR));
            // Indirect: 0 segments, and more than this backend's 256.
            var ind = front.indirectPage(List.of(page.whole()));
            rejectedThenRingGoesOn(front, new BlkifRequestIndirect(BLKIF_OP_READ, 0, 4, 0, H, List.of()),
                    new BlkifResponse(4, BLKIF_OP_READ, BLKIF_RSP_ERROR));
            rejectedThenRingGoesOn(front, new BlkifRequestIndirect(BLKIF_OP_READ, 257, 5, 0, H, List.of(ind.ref())),
                    new BlkifResponse(5, BLKIF_OP_READ, BLKIF_RSP_ERROR));
        }
    }

    @Test
    void indirectCountAboveASmallerOffer() {
        try (var f = new BlkbackFixture(BlkbackConfig.defaults().withMaxIndirectSegments(32))) {
            var front = connected(f);
            assertThat(f.read(f.backend(1) + "/feature-max-indirect-segments")).isEqualTo("32");
            var page = front.page(false, (byte) 0);
            List<BlkifRequestSegment> segs = new ArrayList<>();
            for (int i = 0; i < 33; i++) {
                segs.add(page.whole());
            }
            var ind = front.indirectPage(segs);
            rejectedThenRingGoesOn(front, new BlkifRequestIndirect(BLKIF_OP_WRITE, 33, 6, 0, H, List.of(ind.ref())),
                    new BlkifResponse(6, BLKIF_OP_WRITE, BLKIF_RSP_ERROR));
            assertThat(front.submit(0, new BlkifRequestIndirect(BLKIF_OP_WRITE, 32, 7, 0, H, List.of(ind.ref()))))
                    .isEqualTo(new BlkifResponse(7, BLKIF_OP_WRITE, BLKIF_RSP_OKAY));
        }
    }

    @Test
    void noIndirectOfferedMeansIndirectFails() {
        try (var f = new BlkbackFixture(BlkbackConfig.defaults().withMaxIndirectSegments(0))) {
            var front = connected(f);
            assertThat(f.read(f.backend(1) + "/feature-max-indirect-segments")).isNull();
            var page = front.page(false, (byte) 0);
            var ind = front.indirectPage(List.of(page.whole()));
            rejectedThenRingGoesOn(front, new BlkifRequestIndirect(BLKIF_OP_WRITE, 1, 6, 0, H, List.of(ind.ref())),
                    new BlkifResponse(6, BLKIF_OP_WRITE, BLKIF_RSP_ERROR));
        }
    }

    @Test
    void segmentBoundsDirectAndIndirect() {
        try (var f = new BlkbackFixture()) {
            var front = connected(f);
            var page = front.page(false, (byte) 0);
            rejectedThenRingGoesOn(front, new BlkifRequest(BLKIF_OP_WRITE, H, 1, 0, List.of(page.segment(0, 8))),
                    new BlkifResponse(1, BLKIF_OP_WRITE, BLKIF_RSP_ERROR));
            rejectedThenRingGoesOn(front, new BlkifRequest(BLKIF_OP_READ, H, 2, 0, List.of(page.segment(5, 4))),
                    new BlkifResponse(2, BLKIF_OP_READ, BLKIF_RSP_ERROR));
            var badLast = front.indirectPage(List.of(page.whole(), page.segment(0, 8)));
            rejectedThenRingGoesOn(front, new BlkifRequestIndirect(BLKIF_OP_WRITE, 2, 3, 0, H, List.of(badLast.ref())),
                    new BlkifResponse(3, BLKIF_OP_WRITE, BLKIF_RSP_ERROR));
            var inverted = front.indirectPage(List.of(page.segment(7, 6)));
            rejectedThenRingGoesOn(front, new BlkifRequestIndirect(BLKIF_OP_READ, 1, 4, 0, H, List.of(inverted.ref())),
                    new BlkifResponse(4, BLKIF_OP_READ, BLKIF_RSP_ERROR));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {BLKIF_OP_WRITE_BARRIER, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_OP_DISCARD, BLKIF_OP_INDIRECT_VALUE, 9})
    void indirectOperationThatIsNotAReadOrWrite(int indirectOp) {
        try (var f = new BlkbackFixture()) {
            var front = connected(f);
            var page = front.page(false, (byte) 0);
            var ind = front.indirectPage(List.of(page.whole()));
            // The response echoes indirect_op, as Linux's fail_response does.
            rejectedThenRingGoesOn(front, new BlkifRequestIndirect(indirectOp, 1, 8, 0, H, List.of(ind.ref())),
                    new BlkifResponse(8, indirectOp, BLKIF_RSP_ERROR));
        }
    }

    private static final int BLKIF_OP_INDIRECT_VALUE = 6;

    @Test
    void writesFlushesAndDiscardsToAReadOnlyDisk() {
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1, DiskConfig.of("xvda", H, "/images/dom1.img").readOnly());
            front.connect(1, 0, true);
            var page = front.page(false, (byte) 9);
            assertThat(front.submit(0, new BlkifRequest(BLKIF_OP_WRITE, H, 1, 0, List.of(page.whole()))))
                    .isEqualTo(new BlkifResponse(1, BLKIF_OP_WRITE, BLKIF_RSP_ERROR));
            assertThat(front.submit(0, new BlkifRequest(BLKIF_OP_FLUSH_DISKCACHE, H, 2, 0, List.of())))
                    .isEqualTo(new BlkifResponse(2, BLKIF_OP_FLUSH_DISKCACHE, BLKIF_RSP_ERROR));
            assertThat(front.submit(0, new BlkifRequest(BLKIF_OP_WRITE_BARRIER, H, 3, 0, List.of(page.whole()))))
                    .isEqualTo(new BlkifResponse(3, BLKIF_OP_WRITE_BARRIER, BLKIF_RSP_ERROR));
            assertThat(front.submit(0, new BlkifRequestDiscard(0, H, 4, 0, 8)))
                    .isEqualTo(new BlkifResponse(4, BLKIF_OP_DISCARD, BLKIF_RSP_ERROR));
            var ind = front.indirectPage(List.of(page.whole()));
            assertThat(front.submit(0, new BlkifRequestIndirect(BLKIF_OP_WRITE, 1, 5, 0, H, List.of(ind.ref()))))
                    .isEqualTo(new BlkifResponse(5, BLKIF_OP_WRITE, BLKIF_RSP_ERROR));
            assertThat(f.image(1).contents().asSlice(0, 4096).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                    .containsOnly((byte) 0);
            // Reads still work.
            assertThat(front.submit(0, new BlkifRequest(BLKIF_OP_READ, H, 6, 0, List.of(page.whole()))).status())
                    .isEqualTo(BLKIF_RSP_OKAY);
            assertThat(ScriptedBlkfront.bytes(page.bytes())).containsOnly((byte) 0);
        }
    }

    @Test
    void rangesPastTheEndOrWrapping() {
        try (var f = new BlkbackFixture()) {
            var front = connected(f);
            var page = front.page(false, (byte) 0);
            long last = BlkbackFixture.SECTORS - 1;
            rejectedThenRingGoesOn(front, new BlkifRequest(BLKIF_OP_READ, H, 1, last, List.of(page.segment(0, 1))),
                    new BlkifResponse(1, BLKIF_OP_READ, BLKIF_RSP_ERROR));
            assertThat(front.submit(0, new BlkifRequest(BLKIF_OP_READ, H, 2, last, List.of(page.segment(0, 0))))
                    .status()).isEqualTo(BLKIF_RSP_OKAY);
            rejectedThenRingGoesOn(front, new BlkifRequest(BLKIF_OP_WRITE, H, 3, -1L, List.of(page.segment(0, 0))),
                    new BlkifResponse(3, BLKIF_OP_WRITE, BLKIF_RSP_ERROR));
            rejectedThenRingGoesOn(front, new BlkifRequestDiscard(0, H, 4, 8, -4L),
                    new BlkifResponse(4, BLKIF_OP_DISCARD, BLKIF_RSP_ERROR));
            rejectedThenRingGoesOn(front, new BlkifRequestDiscard(0, H, 5, BlkbackFixture.SECTORS, 1),
                    new BlkifResponse(5, BLKIF_OP_DISCARD, BLKIF_RSP_ERROR));
            rejectedThenRingGoesOn(front, new BlkifRequestDiscard(0, H, 6, Long.MIN_VALUE, Long.MIN_VALUE),
                    new BlkifResponse(6, BLKIF_OP_DISCARD, BLKIF_RSP_ERROR));
        }
    }

    @Test
    void misalignedRequestOnA4kDisk() {
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1, DiskConfig.of("xvda", H, "/images/dom1-4k.img"));
            front.connect(1, 0, true);
            assertThat(f.read(f.backend(1) + "/sector-size")).isEqualTo("4096");
            var page = front.page(false, (byte) 0);
            assertThat(front.submit(0, new BlkifRequest(BLKIF_OP_WRITE, H, 1, 1, List.of(page.whole()))))
                    .isEqualTo(new BlkifResponse(1, BLKIF_OP_WRITE, BLKIF_RSP_ERROR));
            assertThat(front.submit(0, new BlkifRequest(BLKIF_OP_WRITE, H, 2, 8, List.of(page.segment(0, 3)))))
                    .isEqualTo(new BlkifResponse(2, BLKIF_OP_WRITE, BLKIF_RSP_ERROR));
            assertThat(front.submit(0, new BlkifRequest(BLKIF_OP_WRITE, H, 3, 8, List.of(page.whole()))))
                    .isEqualTo(new BlkifResponse(3, BLKIF_OP_WRITE, BLKIF_RSP_OKAY));
        }
    }

    @Test
    void badGrants() {
        try (var f = new BlkbackFixture()) {
            var front = connected(f);
            // A ref the frontend never granted.
            rejectedThenRingGoesOn(front, new BlkifRequest(BLKIF_OP_WRITE, H, 1, 0,
                    List.of(new BlkifRequestSegment(4000, 0, 7))), new BlkifResponse(1, BLKIF_OP_WRITE, BLKIF_RSP_ERROR));
            // A read into a page granted read-only: the backend must map it writable, and cannot.
            var ro = front.page(true, (byte) 0x11);
            rejectedThenRingGoesOn(front, new BlkifRequest(BLKIF_OP_READ, H, 2, 0, List.of(ro.whole())),
                    new BlkifResponse(2, BLKIF_OP_READ, BLKIF_RSP_ERROR));
            assertThat(ScriptedBlkfront.bytes(ro.bytes())).containsOnly((byte) 0x11);
            // The second of two segments is bad: nothing of the first is written either (all grants map first).
            var good = front.page(false, (byte) 0x22);
            rejectedThenRingGoesOn(front, new BlkifRequest(BLKIF_OP_WRITE, H, 3, 64,
                    List.of(good.whole(), new BlkifRequestSegment(4001, 0, 7))),
                    new BlkifResponse(3, BLKIF_OP_WRITE, BLKIF_RSP_ERROR));
            assertThat(f.image(1).contents().asSlice(64 * 512, 4096).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                    .containsOnly((byte) 0);
            // A bad indirect page.
            rejectedThenRingGoesOn(front, new BlkifRequestIndirect(BLKIF_OP_READ, 1, 4, 0, H, List.of(4002)),
                    new BlkifResponse(4, BLKIF_OP_READ, BLKIF_RSP_ERROR));
            // Nothing stays mapped for a failed request.
            assertThat(f.device(1).rings().get(0).persistentGrants()).isZero();
        }
    }

    @Test
    void producerOverflowHaltsThatRingUntilDisconnect() {
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1);
            front.connect(2, 0, true);
            assertRingServes(front, 0);
            int size = BlkifRing.ringSize(0);
            // req_prod a ring and more ahead of the responses: "bogus ring requests".
            int rspProd = front.queues.get(0).ring.rspProd();
            front.setReqProd(0, rspProd + size + 1);
            assertThat(front.responses(0)).isEmpty();
            var ring0 = f.device(1).rings().get(0);
            assertThat(ring0.phase()).isEqualTo(BlkbackRing.Phase.HALTED);
            assertThat(f.fx.trace.events(e -> e.detail().startsWith("Frontend provided bogus ring requests"))).hasSize(1);
            // Put req_prod back with one good request in its slot: the halted ring answers nothing more.
            var page = front.page(false, (byte) 1);
            byte[] slot = new byte[BlkifRing.ENTRY_LENGTH];
            new BlkifRequest(BLKIF_OP_WRITE, H, 9, 0, List.of(page.whole())).encode(MemorySegment.ofArray(slot));
            front.fx.onDomainRun(front.guest, () -> {
                var s = front.queues.get(0).ring.sring();
                long off = front.queues.get(0).ring.slotOffset(rspProd);
                MemorySegment.copy(MemorySegment.ofArray(slot), 0, s, off, slot.length);
                s.set(Layouts.U32, 0, rspProd + 1);
                front.guest.domain().eventChannels().send(front.queues.get(0).port);
            });
            assertThat(front.queues.get(0).ring.rspProd()).isEqualTo(rspProd);
            // The other ring is unaffected, and the device stays connected.
            assertRingServes(front, 1);
            assertThat(f.read(f.backend(1) + "/state")).isEqualTo("4");
        }
    }

    @Test
    void aHaltedRingServesAgainAfterReconnect() {
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1);
            front.connect(1, 0, false);
            front.setReqProd(0, 1000);
            assertThat(f.device(1).rings().get(0).phase()).isEqualTo(BlkbackRing.Phase.HALTED);
            front.setState(5);
            front.setState(6);
            assertThat(f.read(f.backend(1) + "/state")).isEqualTo("6");
            front.setState(1);
            assertThat(f.read(f.backend(1) + "/state")).isEqualTo("2");
            var again = new ScriptedBlkfront(f.fx, front.guest, front.devid);
            again.connect(1, 0, false);
            assertThat(f.read(f.backend(1) + "/state")).isEqualTo("4");
            assertRingServes(again, 0);
        }
    }
}
