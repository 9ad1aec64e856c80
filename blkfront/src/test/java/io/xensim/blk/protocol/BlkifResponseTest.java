package io.xensim.blk.protocol;

import static io.xensim.xenbus.memory.TestSlots.encodeOverStale;
import static io.xensim.xenbus.memory.TestSlots.hex;
import static io.xensim.xenbus.memory.TestSlots.segment;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import org.junit.jupiter.api.Test;

class BlkifResponseTest {
    @Test
    void goldenVectorBothWays() {
        var response = new BlkifResponse(0x0102030405060708L, BlkifOp.BLKIF_OP_WRITE_BARRIER,
                BlkifStatus.BLKIF_RSP_EOPNOTSUPP);
        byte[] golden = hex(
                "0807060504030201",     // id        copied from the request
                "02",                   // operation BLKIF_OP_WRITE_BARRIER
                "00",                   // padding
                "feff",                 // status    BLKIF_RSP_EOPNOTSUPP (-2)
                "00000000");            // tail padding
        assertThat(encodeOverStale(BlkifResponse.LENGTH, response::encode)).isEqualTo(golden);
        assertThat(BlkifResponse.decode(segment(golden))).isEqualTo(Decoded.ok(response));
    }

    @Test
    void paddingIsIgnoredOnDecode() {
        assertThat(BlkifResponse.decode(segment(hex("0100000000000000", "00", "ff", "0000", "ffffffff"))))
                .isEqualTo(Decoded.ok(new BlkifResponse(1, BlkifOp.BLKIF_OP_READ, BlkifStatus.BLKIF_RSP_OKAY)));
    }
}
