package io.xensim.blk.front;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.protocol.BlkifRequest;
import io.xensim.blk.protocol.BlkifRequestIndirect;
import io.xensim.blk.protocol.BlkifRingRequest;
import io.xensim.xenbus.trace.TraceEvent;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Each request blkfront puts on a ring is one RING trace line of the guest saying what the backend then reads from
 * the slot: operation, id, sector, and the segments' {@code first_sect..last_sect} (for an indirect request, those
 * in its indirect pages, and the pages' grefs).
 */
class BlkfrontRingTraceTest {
    private static List<String> ringLines(BlkFixture f) {
        return f.fx.trace.events(e -> e.kind() == TraceEvent.Kind.RING && e.domid() == 1).stream()
                .map(TraceEvent::detail).toList();
    }

    private static List<BlkifRingRequest> seen(BlkFixture f) {
        return f.script.seen.stream().map(ScriptedBlkback.Seen::request).toList();
    }

    @Test
    void everyRequestOnTheRingIsTracedAsTheBackendReadsIt() {
        try (var f = new BlkFixture()) {
            f.addVbd();
            f.fx.trace.clear();
            f.script.seen.clear();
            // 20 sectors from sector 3 of a page: 5 + 8 + 7 sectors, one direct request.
            MemorySegment unaligned = MemorySegment.ofArray(new byte[32 * 512]).asSlice(3 * 512, 20 * 512);
            assertThat(f.submit(d -> d.write(3, unaligned))).isCompletedWithValue(BlkStatus.OK);
            // 300 sectors = 37.5 pages: an indirect request of 32 full pages, then a direct one of 5.5.
            assertThat(f.submit(d -> d.write(1000, BlkFixture.pattern(300, 1)))).isCompletedWithValue(BlkStatus.OK);
            assertThat(f.submit(d -> d.discard(64, 16))).isCompletedWithValue(BlkStatus.OK);
            assertThat(f.submit(BlkfrontDevice::flush)).isCompletedWithValue(BlkStatus.OK);

            List<BlkifRingRequest> seen = seen(f);
            assertThat(seen).hasSize(5);
            var first = (BlkifRequest) seen.get(0);
            var indirect = (BlkifRequestIndirect) seen.get(1);
            var rest = (BlkifRequest) seen.get(2);
            List<String> lines = ringLines(f);
            assertThat(lines).hasSize(5);
            assertThat(lines.get(0)).endsWith(": BLKIF_OP_WRITE id " + first.id()
                    + " sector 3, 3 segments first_sect..last_sect 3..7 0..7 0..6");
            assertThat(lines.get(1)).endsWith(": BLKIF_OP_INDIRECT (BLKIF_OP_WRITE) id " + indirect.id()
                    + " sector 1000, 32 segments first_sect..last_sect 32x 0..7 in 1 indirect page(s), gref "
                    + indirect.indirectGrefs().get(0));
            assertThat(lines.get(2)).endsWith(": BLKIF_OP_WRITE id " + rest.id()
                    + " sector 1256, 6 segments first_sect..last_sect 5x 0..7 0..3");
            assertThat(lines.get(3)).endsWith(": BLKIF_OP_DISCARD id " + seen.get(3).id() + " sector 64, 16 sectors");
            assertThat(lines.get(4)).endsWith(": BLKIF_OP_FLUSH_DISKCACHE id " + seen.get(4).id() + " sector 0");
            assertThat(lines).allMatch(l -> l.startsWith("ring "));
        }
    }

    @Test
    void withoutIndirectBothSlotsOfASplitRequestAreTraced() {
        try (var f = new BlkFixture(BlkfrontConfig.DEFAULT, ScriptedBlkback.Offer.LINUX.withMaxIndirectSegments(0))) {
            f.addVbd();
            f.fx.trace.clear();
            f.script.seen.clear();
            assertThat(f.submit(d -> d.write(40, BlkFixture.pattern(120, 2)))).isCompletedWithValue(BlkStatus.OK);
            List<BlkifRingRequest> seen = seen(f);
            assertThat(seen).hasSize(2);
            assertThat(ringLines(f)).satisfiesExactly(
                    l -> assertThat(l).endsWith(": BLKIF_OP_WRITE id " + seen.get(0).id()
                            + " sector 40, 11 segments first_sect..last_sect 11x 0..7"),
                    l -> assertThat(l).endsWith(": BLKIF_OP_WRITE id " + seen.get(1).id()
                            + " sector 128, 4 segments first_sect..last_sect 4x 0..7"));
        }
    }
}
