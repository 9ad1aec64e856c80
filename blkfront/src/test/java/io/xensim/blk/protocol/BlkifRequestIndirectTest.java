package io.xensim.blk.protocol;

import static io.xensim.xenbus.memory.TestSlots.encodeOverStale;
import static io.xensim.xenbus.memory.TestSlots.hex;
import static io.xensim.xenbus.memory.TestSlots.segment;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import java.util.List;
import org.junit.jupiter.api.Test;

class BlkifRequestIndirectTest {
    static final BlkifRequestIndirect READ_600 = new BlkifRequestIndirect(BlkifOp.BLKIF_OP_READ, 600, 0xabcdefL,
            4096, 0xca00, List.of(0x21, 0x22));
    static final byte[] READ_600_BYTES = hex(
            "06",                   // operation      BLKIF_OP_INDIRECT
            "00",                   // indirect_op    BLKIF_OP_READ
            "5802",                 // nr_segments    600 (u16 here)
            "00000000",             // padding
            "efcdab0000000000",     // id             0xabcdef
            "0010000000000000",     // sector_number  4096
            "00ca",                 // handle         0xca00
            "0000",                 // padding
            "21000000", "22000000", // indirect_grefs[0..1]: ceil(600 / 512) = 2 pages
            "00000000".repeat(6),   // indirect_grefs[2..7] unused, zero
            "00000000");            // tail padding to 64

    @Test
    void goldenVectorBothWays() {
        assertThat(READ_600_BYTES).hasSize(BlkifRequestIndirect.LENGTH);
        assertThat(encodeOverStale(BlkifRequestIndirect.LENGTH, READ_600::encode)).isEqualTo(READ_600_BYTES);
        assertThat(BlkifRequestIndirect.decode(segment(READ_600_BYTES))).isEqualTo(Decoded.ok(READ_600));
        assertThat(BlkifRingRequest.decode(segment(READ_600_BYTES))).isEqualTo(Decoded.ok(READ_600));
    }

    @Test
    void indirectPageArithmetic() {
        assertThat(BlkifRequestIndirect.indirectPages(1)).isEqualTo(1);
        assertThat(BlkifRequestIndirect.indirectPages(512)).isEqualTo(1);
        assertThat(BlkifRequestIndirect.indirectPages(513)).isEqualTo(2);
        assertThat(BlkifRequestIndirect.indirectPages(4096)).isEqualTo(8);
        assertThat(BlkifRequestIndirect.segmentPage(511)).isZero();
        assertThat(BlkifRequestIndirect.segmentPage(512)).isEqualTo(1);
        assertThat(BlkifRequestIndirect.segmentPageOffset(513)).isEqualTo(8);
        assertThat(BlkifRequestIndirect.segmentPageOffset(511)).isEqualTo(4088);
    }

    @Test
    void onlyReadAndWriteGoIndirectWithOneTo4096Segments() {
        byte[] flush = READ_600_BYTES.clone();
        flush[BlkifRequestIndirect.INDIRECT_OP_OFFSET] = (byte) BlkifOp.BLKIF_OP_FLUSH_DISKCACHE;
        assertThat(BlkifRingRequest.decode(segment(flush)))
                .isEqualTo(Decoded.malformed("indirect_op: 3 (expected: BLKIF_OP_READ or BLKIF_OP_WRITE)"));
        byte[] none = READ_600_BYTES.clone();
        none[2] = 0;
        none[3] = 0;
        assertThat(BlkifRingRequest.decode(segment(none)))
                .isEqualTo(Decoded.malformed("nr_segments: 0 (expected: 1..4096 for BLKIF_OP_INDIRECT)"));
        byte[] tooMany = READ_600_BYTES.clone();
        tooMany[2] = 0x01;   // 4097
        tooMany[3] = 0x10;
        assertThat(BlkifRingRequest.decode(segment(tooMany)).isOk()).isFalse();
        byte[] max = READ_600_BYTES.clone();
        max[2] = 0x00;       // 4096: all eight grefs are read
        max[3] = 0x10;
        assertThat(BlkifRequestIndirect.decode(segment(max)).orElseThrow().indirectGrefs())
                .containsExactly(0x21, 0x22, 0, 0, 0, 0, 0, 0);
    }
}
