package io.xensim.blk.front;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class BlkSegmentsProperties {
    @Property
    void segmentsCoverTheRangeExactlyEachInsideAPage(@ForAll @IntRange(min = 0, max = 7) int pageOffset,
            @ForAll @IntRange(min = 1, max = 4096) int nrSectors) {
        List<BlkSegments.Segment> segs = BlkSegments.split(pageOffset, nrSectors);
        assertThat(segs).hasSize((int) BlkSegments.pages(pageOffset, nrSectors));
        long covered = 0;
        for (int i = 0; i < segs.size(); i++) {
            var s = segs.get(i);
            assertThat(s.firstSect()).isBetween(0, 7);
            assertThat(s.lastSect()).isBetween(s.firstSect(), 7);
            assertThat(s.firstSect()).isEqualTo(i == 0 ? pageOffset : 0);
            if (i < segs.size() - 1) {
                assertThat(s.lastSect()).as("only the last segment may end before its page does").isEqualTo(7);
            }
            assertThat(s.bufferOffset()).isEqualTo(covered * 512);
            covered += s.sectors();
        }
        assertThat(covered).isEqualTo(nrSectors);
    }

    @Property
    void maxSectorsFillsExactlyThatManySegments(@ForAll @IntRange(min = 0, max = 7) int pageOffset,
            @ForAll @IntRange(min = 1, max = 256) int maxSegments) {
        int n = (int) BlkSegments.maxSectors(pageOffset, maxSegments);
        assertThat(BlkSegments.split(pageOffset, n)).hasSize(maxSegments);
        assertThat(BlkSegments.split(pageOffset, n + 1)).hasSize(maxSegments + 1);
    }

    /** The queue's cuts of a random range, at any limit, are contiguous, cover it exactly, and each fits. */
    @Property
    void queueCutsFitTheLimitAndCoverTheRange(@ForAll @IntRange(min = 0, max = 7) int bufferSectorOffset,
            @ForAll @LongRange(min = 0, max = 1 << 20) long sector, @ForAll @IntRange(min = 1, max = 2048) int n,
            @ForAll @IntRange(min = 11, max = 256) int maxSegments, @ForAll boolean fua) {
        MemorySegment buffer = MemorySegment.ofArray(new byte[(n + 8) * 512]).asSlice(bufferSectorOffset * 512L,
                n * 512L);
        GuestIo io = new GuestIo(fua ? GuestIo.Kind.WRITE_FUA : GuestIo.Kind.WRITE, sector, n, buffer, 0);
        BlkQueue queue = new BlkQueue();
        queue.add(io.whole());
        long next = sector;
        long offset = 0;
        while (!queue.isEmpty()) {
            Piece p = queue.fitHead(maxSegments);
            queue.poll();
            assertThat(p.sector()).isEqualTo(next);
            assertThat(p.bufferOffset()).isEqualTo(offset);
            assertThat(p.pageOffset()).isEqualTo((bufferSectorOffset + offset / 512) % 8);
            assertThat(BlkSegments.split(p.pageOffset(), (int) p.nrSectors()).size()).isLessThanOrEqualTo(maxSegments);
            next += p.nrSectors();
            offset += p.nrSectors() * 512;
        }
        assertThat(next - sector).isEqualTo(n);
    }
}
