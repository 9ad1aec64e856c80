package io.xensim.net.protocol;

import static io.xensim.xenbus.memory.TestSlots.encodeOverStale;
import static io.xensim.xenbus.memory.TestSlots.hex;
import static io.xensim.xenbus.memory.TestSlots.segment;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import org.junit.jupiter.api.Test;

class NetifRxRequestTest {
    private static final NetifRxRequest REQUEST = new NetifRxRequest(0x0203, 0x0a0b0c0d);

    @Test
    void goldenVectorBothWays() {
        byte[] golden = hex(
                "0302",         // id   0x0203
                "0000",         // pad  (zero)
                "0d0c0b0a");    // gref 0x0a0b0c0d
        assertThat(encodeOverStale(NetifRxRequest.LENGTH, REQUEST::encode)).isEqualTo(golden);
        assertThat(NetifRxRequest.decode(segment(golden))).isEqualTo(Decoded.ok(REQUEST));
    }

    @Test
    void padIsIgnoredOnDecode() {
        assertThat(NetifRxRequest.decode(segment(hex("0302", "beef", "0d0c0b0a")))).isEqualTo(Decoded.ok(REQUEST));
    }
}
