package io.xensim.blk.back;

import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_DISCARD;
import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_FLUSH_DISKCACHE;
import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_READ;
import static io.xensim.blk.protocol.BlkifOp.BLKIF_OP_WRITE;
import static io.xensim.blk.protocol.BlkifStatus.BLKIF_RSP_OKAY;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.protocol.BlkifRequest;
import io.xensim.blk.protocol.BlkifRequestDiscard;
import io.xensim.blk.protocol.BlkifRequestIndirect;
import io.xensim.blk.protocol.BlkifRequestSegment;
import io.xensim.blk.protocol.BlkifResponse;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Random reads, writes, discards and flushes, direct and indirect, over 1..4 queues with persistent grants on or
 * off, through the scripted frontend: every response OKAY, every read equal to a byte-array model of the disk, and
 * the image equal to the model at the end.
 */
class BlkbackModelProperties {
    private static final int H = BlkbackFixture.XVDA;
    private static final int DISK = (int) BlkbackFixture.SECTORS * 512;

    @Property(tries = 25)
    void randomTrafficMatchesAModel(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int queues,
                                    @ForAll boolean persistent, @ForAll @IntRange(max = 4) int order) {
        Random rnd = new Random(seed);
        byte[] model = new byte[DISK];
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1);
            front.connect(queues, order, persistent);
            // A small pool of pages reused across requests, as blkfront's persistent pool is.
            List<ScriptedBlkfront.Page> pool = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                pool.add(front.page(false, (byte) 0));
            }
            for (int step = 0; step < 60; step++) {
                int q = rnd.nextInt(queues);
                int kind = rnd.nextInt(10);
                if (kind == 0) {
                    var flush = new BlkifRequest(BLKIF_OP_FLUSH_DISKCACHE, H, step, 0, List.of());
                    assertThat(front.submit(q, flush).status()).isEqualTo(BLKIF_RSP_OKAY);
                    continue;
                }
                if (kind == 1) {
                    long sector = rnd.nextInt((int) BlkbackFixture.SECTORS - 64);
                    int n = 1 + rnd.nextInt(64);
                    var r = front.submit(q, new BlkifRequestDiscard(0, H, step, sector, n));
                    assertThat(r).isEqualTo(new BlkifResponse(step, BLKIF_OP_DISCARD, BLKIF_RSP_OKAY));
                    Arrays.fill(model, (int) sector * 512, (int) (sector + n) * 512, (byte) 0);
                    continue;
                }
                boolean write = kind < 6;
                boolean indirect = rnd.nextBoolean();
                int nseg = 1 + rnd.nextInt(indirect ? pool.size() : BlkifRequest.BLKIF_MAX_SEGMENTS_PER_REQUEST);
                List<BlkifRequestSegment> segs = new ArrayList<>();
                // Contiguous on disk: every segment but the first starts at sector 0 of its page and every one but
                // the last ends at sector 7, as a bio split into pages is.
                int firstSect = rnd.nextInt(8);
                int lastSect = rnd.nextInt(8);
                long total = 0;
                for (int i = 0; i < nseg; i++) {
                    int first = i == 0 ? firstSect : 0;
                    int last = i == nseg - 1 ? Math.max(first, lastSect) : 7;
                    segs.add(pool.get(i).segment(first, last));
                    total += last - first + 1;
                }
                long sector = rnd.nextInt((int) (BlkbackFixture.SECTORS - total));
                int op = write ? BLKIF_OP_WRITE : BLKIF_OP_READ;
                if (write) {
                    for (int i = 0; i < nseg; i++) {
                        byte[] b = new byte[4096];
                        rnd.nextBytes(b);
                        pool.get(i).bytes().copyFrom(MemorySegment.ofArray(b));
                    }
                }
                var request = indirect
                        ? new BlkifRequestIndirect(op, nseg, step, sector, H, List.of(front.indirectPage(segs).ref()))
                        : new BlkifRequest(op, H, step, sector, segs);
                assertThat(front.submit(q, request)).isEqualTo(new BlkifResponse(step, op, BLKIF_RSP_OKAY));
                long at = sector * 512;
                for (int i = 0; i < nseg; i++) {
                    var s = segs.get(i);
                    var data = pool.get(i).bytes().asSlice(s.pageOffset(), s.byteLength());
                    if (write) {
                        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, 0, model, (int) at, s.byteLength());
                    } else {
                        assertThat(data.toArray(ValueLayout.JAVA_BYTE))
                                .isEqualTo(Arrays.copyOfRange(model, (int) at, (int) at + s.byteLength()));
                    }
                    at += s.byteLength();
                }
            }
            assertThat(f.image(1).contents().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(model);
        }
    }
}
