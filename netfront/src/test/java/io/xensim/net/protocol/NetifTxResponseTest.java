package io.xensim.net.protocol;

import static io.xensim.xenbus.memory.TestSlots.encodeOverStale;
import static io.xensim.xenbus.memory.TestSlots.hex;
import static io.xensim.xenbus.memory.TestSlots.segment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.xenbus.Decoded;
import org.junit.jupiter.api.Test;

class NetifTxResponseTest {
    @Test
    void goldenVectorBothWays() {
        var response = new NetifTxResponse(0x0102, NetifStatus.NETIF_RSP_ERROR);
        byte[] golden = hex(
                "0201",     // id     0x0102
                "ffff");    // status NETIF_RSP_ERROR (-1)
        assertThat(encodeOverStale(NetifTxResponse.LENGTH, response::encode)).isEqualTo(golden);
        assertThat(NetifTxResponse.decode(segment(golden))).isEqualTo(Decoded.ok(response));
    }

    @Test
    void theStatusIsSigned() {
        assertThat(NetifTxResponse.decode(segment(hex("0000", "feff"))).orElseThrow().status())
                .isEqualTo(NetifStatus.NETIF_RSP_DROPPED);
        assertThat(NetifTxResponse.decode(segment(hex("0000", "0100"))).orElseThrow().status())
                .isEqualTo(NetifStatus.NETIF_RSP_NULL);
        assertThatThrownBy(() -> new NetifTxResponse(0, 0x8000)).isInstanceOf(IllegalArgumentException.class);
    }
}
