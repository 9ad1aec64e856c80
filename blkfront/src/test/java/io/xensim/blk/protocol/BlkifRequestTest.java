package io.xensim.blk.protocol;

import static io.xensim.xenbus.memory.TestSlots.encodeOverStale;
import static io.xensim.xenbus.memory.TestSlots.hex;
import static io.xensim.xenbus.memory.TestSlots.segment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.xenbus.Decoded;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class BlkifRequestTest {
    static final BlkifRequest WRITE = new BlkifRequest(BlkifOp.BLKIF_OP_WRITE, 0xca00, 0x0102030405060708L, 2048,
            List.of(new BlkifRequestSegment(0x11, 0, 7), new BlkifRequestSegment(0x12, 2, 3)));
    static final byte[] WRITE_BYTES = hex(
            "01",                   // operation     BLKIF_OP_WRITE
            "02",                   // nr_segments   2
            "00ca",                 // handle        0xca00 (xvda: 202 << 8)
            "00000000",             // padding
            "0807060504030201",     // id            0x0102030405060708
            "0008000000000000",     // sector_number 2048
            "11000000", "00", "07", "0000",     // seg[0] gref 0x11, sectors 0..7 (the whole page)
            "12000000", "02", "03", "0000",     // seg[1] gref 0x12, sectors 2..3
            "0000000000000000".repeat(9));      // seg[2..10] unused, zero

    @Test
    void goldenVectorBothWays() {
        assertThat(WRITE_BYTES).hasSize(BlkifRequest.LENGTH);
        assertThat(encodeOverStale(BlkifRequest.LENGTH, WRITE::encode)).isEqualTo(WRITE_BYTES);
        assertThat(BlkifRequest.decode(segment(WRITE_BYTES))).isEqualTo(Decoded.ok(WRITE));
        assertThat(BlkifRingRequest.decode(segment(WRITE_BYTES))).isEqualTo(Decoded.ok(WRITE));
        assertThat(WRITE.totalSectors()).isEqualTo(10);
    }

    @Test
    void readAndWriteNeedOneToElevenSegments() {
        byte[] none = WRITE_BYTES.clone();
        none[BlkifRequest.NR_SEGMENTS_OFFSET] = 0;
        assertThat(BlkifRequest.decode(segment(none)))
                .isEqualTo(Decoded.malformed("nr_segments: 0 (expected: 1..11 for BLKIF_OP_WRITE)"));
        byte[] twelve = WRITE_BYTES.clone();
        twelve[BlkifRequest.NR_SEGMENTS_OFFSET] = 12;
        assertThat(BlkifRequest.decode(segment(twelve)))
                .isEqualTo(Decoded.malformed("nr_segments: 12 (expected: 1..11 for BLKIF_OP_WRITE)"));
    }

    @Test
    void aFlushMayCarryNoSegment() {
        var flush = new BlkifRequest(BlkifOp.BLKIF_OP_FLUSH_DISKCACHE, 0xca00, 9, 0, List.of());
        byte[] bytes = encodeOverStale(BlkifRequest.LENGTH, flush::encode);
        assertThat(bytes).isEqualTo(hex("03", "00", "00ca", "00000000", "0900000000000000", "0000000000000000",
                "0000000000000000".repeat(11)));
        assertThat(BlkifRingRequest.decode(segment(bytes))).isEqualTo(Decoded.ok(flush));
    }

    @Test
    void aBadSegmentNamesItsIndex() {
        byte[] bytes = WRITE_BYTES.clone();
        bytes[BlkifRequest.segOffset(1) + BlkifRequestSegment.LAST_SECT_OFFSET] = 8;
        assertThat(BlkifRequest.decode(segment(bytes))).isEqualTo(Decoded.malformed(
                "seg[1]: first_sect 2, last_sect 8 (expected: first_sect <= last_sect <= 7)"));
        // Segments past nr_segments are not looked at.
        byte[] unused = WRITE_BYTES.clone();
        unused[BlkifRequest.segOffset(5) + BlkifRequestSegment.LAST_SECT_OFFSET] = (byte) 0xff;
        assertThat(BlkifRequest.decode(segment(unused))).isEqualTo(Decoded.ok(WRITE));
    }

    @Test
    void theConstructorOnlyRefusesWhatCannotBeEncoded() {
        var readWithoutData = new BlkifRequest(BlkifOp.BLKIF_OP_READ, 0, 1, 0, List.of());   // encodable, invalid
        byte[] bytes = encodeOverStale(BlkifRequest.LENGTH, readWithoutData::encode);
        assertThat(BlkifRequest.decode(segment(bytes)).isOk()).isFalse();
        assertThatThrownBy(() -> new BlkifRequest(BlkifOp.BLKIF_OP_READ, 0, 1, 0,
                Collections.nCopies(12, new BlkifRequestSegment(1, 0, 7))))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("segments: 12 (expected: 0..11)");
        assertThat(BlkifRequest.segOffset(10)).isEqualTo(104);
    }
}
