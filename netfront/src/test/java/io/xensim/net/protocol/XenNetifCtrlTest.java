package io.xensim.net.protocol;

import static io.xensim.xenbus.memory.TestSlots.encodeOverStale;
import static io.xensim.xenbus.memory.TestSlots.hex;
import static io.xensim.xenbus.memory.TestSlots.segment;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import org.junit.jupiter.api.Test;

/** Golden vectors for the control ring's request, response and grant-list entry. */
class XenNetifCtrlTest {
    @Test
    void requestGoldenVectorBothWays() {
        var request = new XenNetifCtrlRequest(1, XenNetifCtrlRequest.XEN_NETIF_CTRL_TYPE_SET_HASH_KEY, 0x20, 40, 0);
        byte[] golden = hex(
                "0100",         // id      1
                "0300",         // type    XEN_NETIF_CTRL_TYPE_SET_HASH_KEY
                "20000000",     // data[0] gref of the key page
                "28000000",     // data[1] key size 40
                "00000000");    // data[2] 0
        assertThat(encodeOverStale(XenNetifCtrlRequest.LENGTH, request::encode)).isEqualTo(golden);
        assertThat(XenNetifCtrlRequest.decode(segment(golden))).isEqualTo(Decoded.ok(request));
    }

    @Test
    void anUnknownTypeIsNotMalformedButAnsweredNotSupported() {
        assertThat(XenNetifCtrlRequest.decode(segment(hex("0200", "ffff", "00000000", "00000000", "00000000")))
                .orElseThrow().type()).isEqualTo(0xffff);
    }

    @Test
    void responseGoldenVectorBothWays() {
        var response = new XenNetifCtrlResponse(1, XenNetifCtrlRequest.XEN_NETIF_CTRL_TYPE_SET_HASH_KEY,
                XenNetifCtrlResponse.XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW, 0);
        byte[] golden = hex(
                "0100",         // id     1 (copied)
                "0300",         // type   SET_HASH_KEY (copied)
                "03000000",     // status XEN_NETIF_CTRL_STATUS_BUFFER_OVERFLOW
                "00000000");    // data   0
        assertThat(encodeOverStale(XenNetifCtrlResponse.LENGTH, response::encode)).isEqualTo(golden);
        assertThat(XenNetifCtrlResponse.decode(segment(golden))).isEqualTo(Decoded.ok(response));
    }

    @Test
    void grefGoldenVectorBothWays() {
        var gref = new XenNetifGref(0x100, XenNetifGref.XEN_NETIF_CTRLF_GREF_READONLY,
                XenNetifCtrlResponse.XEN_NETIF_CTRL_STATUS_INVALID_PARAMETER);
        byte[] golden = hex(
                "00010000",     // ref    0x100
                "0100",         // flags  XEN_NETIF_CTRLF_GREF_readonly
                "0200");        // status INVALID_PARAMETER (written by netback on DEL)
        assertThat(encodeOverStale(XenNetifGref.LENGTH, gref::encode)).isEqualTo(golden);
        assertThat(XenNetifGref.decode(segment(golden))).isEqualTo(Decoded.ok(gref));
        assertThat(NetifRing.GREFS_PER_PAGE).isEqualTo(512);
    }
}
