package io.xensim.net.protocol;

import static io.xensim.xenbus.memory.TestSlots.encodeOverStale;
import static io.xensim.xenbus.memory.TestSlots.hex;
import static io.xensim.xenbus.memory.TestSlots.segment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.xenbus.Decoded;
import org.junit.jupiter.api.Test;

class NetifTxRequestTest {
    private static final NetifTxRequest FIRST_SLOT = new NetifTxRequest(0x12345678, 0xabc,
            NetTxFlags.NETTXF_CSUM_BLANK | NetTxFlags.NETTXF_DATA_VALIDATED | NetTxFlags.NETTXF_MORE_DATA,
            0x0102, 1514);
    private static final byte[] FIRST_SLOT_BYTES = hex(
            "78563412",     // gref   0x12345678
            "bc0a",         // offset 0x0abc
            "0700",         // flags  csum_blank | data_validated | more_data
            "0201",         // id     0x0102
            "ea05");        // size   1514 (the whole packet)

    @Test
    void goldenVectorBothWays() {
        assertThat(encodeOverStale(NetifTxRequest.LENGTH, FIRST_SLOT::encode)).isEqualTo(FIRST_SLOT_BYTES);
        assertThat(NetifTxRequest.decode(segment(FIRST_SLOT_BYTES))).isEqualTo(Decoded.ok(FIRST_SLOT));
        assertThat(FIRST_SLOT.has(NetTxFlags.NETTXF_MORE_DATA)).isTrue();
        assertThat(FIRST_SLOT.has(NetTxFlags.NETTXF_EXTRA_INFO)).isFalse();
    }

    @Test
    void anOffsetPastThePageIsMalformedButItsIdAndFlagsStayReadable() {
        byte[] bytes = hex("01000000", "0010", "0400", "0700", "0100");   // offset 4096, more_data, id 7
        assertThat(NetifTxRequest.decode(segment(bytes)))
                .isEqualTo(Decoded.malformed("offset: 4096 (expected: < 4096)"));
        assertThat(NetifTxRequest.id(segment(bytes))).isEqualTo(7);
        assertThat(NetifTxRequest.flags(segment(bytes))).isEqualTo(NetTxFlags.NETTXF_MORE_DATA);
    }

    @Test
    void theLastByteOfThePageIsAValidOffset() {
        byte[] bytes = hex("01000000", "ff0f", "0000", "0000", "0100");
        assertThat(NetifTxRequest.decode(segment(bytes)).orElseThrow().offset()).isEqualTo(4095);
        assertThat(NetifTxRequest.fitsInPage(4095, 1)).isTrue();
        assertThat(NetifTxRequest.fitsInPage(4095, 2)).isFalse();
        assertThat(NetifTxRequest.fitsInPage(0, 4096)).isTrue();
    }

    @Test
    void unknownFlagBitsAreKept() {
        byte[] bytes = hex("00000000", "0000", "f0ff", "0000", "0000");
        assertThat(NetifTxRequest.decode(segment(bytes)).orElseThrow().flags()).isEqualTo(0xfff0);
    }

    @Test
    void refusesAValueThatDoesNotFitItsField() {
        assertThatThrownBy(() -> new NetifTxRequest(0, 0, 0, 0x10000, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("id: 65536 (expected: 0..65535)");
    }
}
