package io.xensim.blk.back;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.protocol.BlkifOp;
import io.xensim.blk.protocol.BlkifRequest;
import io.xensim.blk.protocol.BlkifRequestIndirect;
import io.xensim.blk.protocol.BlkifResponse;
import io.xensim.blk.protocol.BlkifRing;
import io.xensim.blk.protocol.BlkifStatus;
import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Arbitrary slot bytes from a frontend: each slot gets exactly one response, with its id and a status blkif
 * defines, nothing throws, and the ring serves a good request afterwards. Grant refs are forced far above anything
 * granted, so a random READ cannot scribble over the test's own pages (that would be the guest's own doing).
 */
class BlkbackRogueSlotsProperties {
    private static final int H = BlkbackFixture.XVDA;

    @Property(tries = 30)
    void everyArbitrarySlotIsAnsweredAloneAndTheRingGoesOn(@ForAll long seed, @ForAll boolean persistent) {
        Random rnd = new Random(seed);
        try (var f = new BlkbackFixture()) {
            var front = f.guest(1);
            front.connect(1, 0, persistent);
            for (int i = 0; i < 20; i++) {
                byte[] slot = new byte[BlkifRing.ENTRY_LENGTH];
                rnd.nextBytes(slot);
                slot[0] = (byte) rnd.nextInt(9);                     // operations around the defined ones
                if (rnd.nextBoolean()) {
                    slot[1] = (byte) rnd.nextInt(14);                // nr_segments / indirect_op / flag near the edge
                }
                var s = MemorySegment.ofArray(slot);
                for (int g = 0; g < 11; g++) {                        // direct segments' grefs
                    s.set(Layouts.U32, BlkifRequest.segOffset(g), 1_000_000 + rnd.nextInt(1000));
                }
                for (int g = 0; g < BlkifRequestIndirect.BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; g++) {
                    s.set(Layouts.U32, BlkifRequestIndirect.INDIRECT_GREFS_OFFSET + 4L * g, 2_000_000 + g);
                }
                long id = s.get(Layouts.U64, 8);
                front.pushRaw(0, slot);
                List<BlkifResponse> rs = front.responses(0);
                assertThat(rs).hasSize(1);
                assertThat(rs.get(0).id()).isEqualTo(id);
                assertThat(rs.get(0).status()).isIn(BlkifStatus.BLKIF_RSP_OKAY, BlkifStatus.BLKIF_RSP_ERROR,
                        BlkifStatus.BLKIF_RSP_EOPNOTSUPP);
                int op = Byte.toUnsignedInt(slot[0]);
                int expectedOp = op == BlkifOp.BLKIF_OP_INDIRECT ? Byte.toUnsignedInt(slot[1]) : op;
                assertThat(rs.get(0).operation()).isEqualTo(expectedOp);
            }
            var page = front.page(false, (byte) 1);
            assertThat(front.submit(0, new BlkifRequest(BlkifOp.BLKIF_OP_WRITE, H, 1, 0, List.of(page.whole())))
                    .status()).isEqualTo(BlkifStatus.BLKIF_RSP_OKAY);
            assertThat(f.read(f.backend(1) + "/state")).isEqualTo("4");
        }
    }
}
