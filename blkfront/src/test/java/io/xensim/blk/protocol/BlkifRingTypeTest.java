package io.xensim.blk.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The blkif ring type carries the slot size of blkif.h's DEFINE_RING_TYPES. */
class BlkifRingTypeTest {
    @Test
    void entrySizeIsTheUnionOfRequestAndResponse() {
        assertThat(BlkifRing.BLKIF.entrySize()).isEqualTo(BlkifRing.ENTRY_LENGTH).isEqualTo(112);
        for (int order = 0; order <= BlkifRing.MAX_RING_PAGE_ORDER; order++) {
            assertThat(BlkifRing.BLKIF.size(order)).isEqualTo(BlkifRing.ringSize(order));
        }
    }
}
