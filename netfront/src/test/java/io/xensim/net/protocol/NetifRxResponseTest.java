package io.xensim.net.protocol;

import static io.xensim.xenbus.memory.TestSlots.encodeOverStale;
import static io.xensim.xenbus.memory.TestSlots.hex;
import static io.xensim.xenbus.memory.TestSlots.segment;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import org.junit.jupiter.api.Test;

class NetifRxResponseTest {
    @Test
    void goldenVectorBothWays() {
        var response = new NetifRxResponse(5, 66, NetRxFlags.NETRXF_DATA_VALIDATED | NetRxFlags.NETRXF_MORE_DATA, 1448);
        byte[] golden = hex(
                "0500",     // id     5
                "4200",     // offset 66
                "0500",     // flags  data_validated | more_data
                "a805");    // status 1448 bytes in this fragment
        assertThat(encodeOverStale(NetifRxResponse.LENGTH, response::encode)).isEqualTo(golden);
        assertThat(NetifRxResponse.decode(segment(golden))).isEqualTo(Decoded.ok(response));
        assertThat(response.has(NetRxFlags.NETRXF_MORE_DATA)).isTrue();
    }

    @Test
    void aFragmentMustEndWithinThePage() {
        assertThat(NetifRxResponse.decode(segment(hex("0000", "a00f", "0400", "6000"))).orElseThrow().status())
                .isEqualTo(96);   // 4000 + 96 = 4096: ends exactly at the page end
        byte[] over = hex("0000", "a00f", "0400", "6100");   // 4000 + 97
        assertThat(NetifRxResponse.decode(segment(over)))
                .isEqualTo(Decoded.malformed("offset + status: 4000 + 97 (expected: <= 4096)"));
        assertThat(NetifRxResponse.flags(segment(over))).isEqualTo(NetRxFlags.NETRXF_MORE_DATA);
    }

    @Test
    void anErrorStatusCarriesNoFragmentSoItsOffsetIsNotChecked() {
        assertThat(NetifRxResponse.decode(segment(hex("0700", "ffff", "0000", "ffff"))))
                .isEqualTo(Decoded.ok(new NetifRxResponse(7, 0xffff, 0, NetifStatus.NETIF_RSP_ERROR)));
    }
}
