package io.xensim.blk.protocol;

import static io.xensim.xenbus.memory.TestSlots.encodeOverStale;
import static io.xensim.xenbus.memory.TestSlots.hex;
import static io.xensim.xenbus.memory.TestSlots.segment;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import org.junit.jupiter.api.Test;

class BlkifRequestDiscardTest {
    @Test
    void goldenVectorBothWays() {
        var discard = new BlkifRequestDiscard(BlkifRequestDiscard.BLKIF_DISCARD_SECURE, 0xca10, 77, 0x10000, 256);
        byte[] golden = hex(
                "05",                   // operation     BLKIF_OP_DISCARD
                "01",                   // flag          BLKIF_DISCARD_SECURE
                "10ca",                 // handle        0xca10 (xvdb)
                "00000000",             // padding
                "4d00000000000000",     // id            77
                "0000010000000000",     // sector_number 0x10000
                "0001000000000000");    // nr_sectors    256
        assertThat(encodeOverStale(BlkifRequestDiscard.LENGTH, discard::encode)).isEqualTo(golden);
        assertThat(BlkifRequestDiscard.decode(segment(golden))).isEqualTo(Decoded.ok(discard));
        assertThat(discard.secure()).isTrue();
        assertThat(discard.operation()).isEqualTo(BlkifOp.BLKIF_OP_DISCARD);
    }

    @Test
    void theSlotMustSayDiscard() {
        byte[] bytes = new byte[BlkifRequestDiscard.LENGTH];
        assertThat(BlkifRequestDiscard.decode(segment(bytes)))
                .isEqualTo(Decoded.malformed(
                        "operation: 0 (expected: BLKIF_OP_DISCARD for struct blkif_request_discard)"));
    }
}
