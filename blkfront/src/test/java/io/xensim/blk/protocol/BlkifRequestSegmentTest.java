package io.xensim.blk.protocol;

import static io.xensim.xenbus.memory.TestSlots.encodeOverStale;
import static io.xensim.xenbus.memory.TestSlots.hex;
import static io.xensim.xenbus.memory.TestSlots.segment;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import org.junit.jupiter.api.Test;

class BlkifRequestSegmentTest {
    @Test
    void goldenVectorBothWays() {
        var seg = new BlkifRequestSegment(0x1234, 2, 5);
        byte[] golden = hex(
                "34120000",     // gref       0x1234
                "02",           // first_sect 2
                "05",           // last_sect  5
                "0000");        // padding
        assertThat(encodeOverStale(BlkifRequestSegment.LENGTH, seg::encode)).isEqualTo(golden);
        assertThat(BlkifRequestSegment.decode(segment(golden))).isEqualTo(Decoded.ok(seg));
        assertThat(seg.sectors()).isEqualTo(4);
        assertThat(seg.pageOffset()).isEqualTo(1024);
        assertThat(seg.byteLength()).isEqualTo(2048);
    }

    @Test
    void theRangeMustBeNonEmptyAndInsideThePage() {
        assertThat(BlkifRequestSegment.decode(segment(hex("01000000", "00", "07", "0000"))).orElseThrow().byteLength())
                .isEqualTo(4096);
        assertThat(BlkifRequestSegment.decode(segment(hex("01000000", "00", "08", "0000"))))
                .isEqualTo(Decoded.malformed("first_sect 0, last_sect 8 (expected: first_sect <= last_sect <= 7)"));
        assertThat(BlkifRequestSegment.decode(segment(hex("01000000", "04", "03", "0000"))).isOk()).isFalse();
        assertThat(BlkifRequestSegment.decode(segment(hex("01000000", "03", "03", "ffff"))).isOk()).isTrue();
    }
}
