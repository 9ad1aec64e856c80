package io.xensim.net.protocol;

import static io.xensim.net.protocol.NetifExtraInfo.XEN_NETIF_EXTRA_FLAG_MORE;
import static io.xensim.net.protocol.NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV4;
import static io.xensim.xenbus.memory.TestSlots.encodeOverStale;
import static io.xensim.xenbus.memory.TestSlots.hex;
import static io.xensim.xenbus.memory.TestSlots.segment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.xenbus.Decoded;
import org.junit.jupiter.api.Test;

class NetifExtraInfoTest {
    private static final NetifExtraInfo GSO =
            new NetifExtraInfo.Gso(XEN_NETIF_EXTRA_FLAG_MORE, 1448, XEN_NETIF_GSO_TYPE_TCPV4, 0);
    private static final byte[] GSO_BYTES = hex(
            "01",       // type            XEN_NETIF_EXTRA_TYPE_GSO
            "01",       // flags           XEN_NETIF_EXTRA_FLAG_MORE
            "a805",     // u.gso.size      1448 (MSS)
            "01",       // u.gso.type      XEN_NETIF_GSO_TYPE_TCPV4
            "00",       // u.gso.pad
            "0000");    // u.gso.features

    @Test
    void gsoGoldenVectorBothWaysOnRxAndTx() {
        assertThat(encodeOverStale(NetifExtraInfo.LENGTH, GSO::encode)).isEqualTo(GSO_BYTES);
        assertThat(encodeOverStale(NetifRing.TX_ENTRY_LENGTH, GSO::encodeTxSlot))
                .isEqualTo(hex("01", "01", "a805", "01", "00", "0000", "00000000"));   // + 4 bytes tx padding
        assertThat(NetifExtraInfo.decode(segment(GSO_BYTES))).isEqualTo(Decoded.ok(GSO));
        assertThat(GSO.more()).isTrue();
    }

    @Test
    void mcastGoldenVectorsBothWays() {
        var add = new NetifExtraInfo.McastAdd(0, 0x01005e0000fbL);
        byte[] addBytes = hex(
                "02",               // type         XEN_NETIF_EXTRA_TYPE_MCAST_ADD
                "00",               // flags
                "01005e0000fb");    // u.mcast.addr 01:00:5e:00:00:fb (mDNS), addr[0] first
        assertThat(encodeOverStale(NetifExtraInfo.LENGTH, add::encode)).isEqualTo(addBytes);
        assertThat(NetifExtraInfo.decode(segment(addBytes))).isEqualTo(Decoded.ok(add));

        var del = new NetifExtraInfo.McastDel(0, 0x333300000001L);
        byte[] delBytes = hex("03", "00", "333300000001");   // MCAST_DEL 33:33:00:00:00:01
        assertThat(encodeOverStale(NetifExtraInfo.LENGTH, del::encode)).isEqualTo(delBytes);
        assertThat(NetifExtraInfo.decode(segment(delBytes))).isEqualTo(Decoded.ok(del));
    }

    @Test
    void hashGoldenVectorBothWays() {
        var hash = new NetifExtraInfo.Hash(0, XenNetifCtrlHash._XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP,
                XenNetifCtrlHash.XEN_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ, 0x12345678);
        byte[] bytes = hex(
                "04",           // type             XEN_NETIF_EXTRA_TYPE_HASH
                "00",           // flags
                "01",           // u.hash.type      _XEN_NETIF_CTRL_HASH_TYPE_IPV4_TCP (a bit number)
                "01",           // u.hash.algorithm TOEPLITZ
                "78563412");    // u.hash.value     0x12345678, LSB first
        assertThat(encodeOverStale(NetifExtraInfo.LENGTH, hash::encode)).isEqualTo(bytes);
        assertThat(NetifExtraInfo.decode(segment(bytes))).isEqualTo(Decoded.ok(hash));
    }

    @Test
    void malformedExtrasKeepTheirTypeAndFlagsReadable() {
        byte[] none = hex("00", "01", "000000000000");
        assertThat(NetifExtraInfo.decode(segment(none)))
                .isEqualTo(Decoded.malformed("type: 0 (expected: 1..4, XEN_NETIF_EXTRA_TYPE_GSO..HASH)"));
        assertThat(NetifExtraInfo.type(segment(none))).isZero();
        assertThat(NetifExtraInfo.flags(segment(none))).isEqualTo(XEN_NETIF_EXTRA_FLAG_MORE);
        assertThat(NetifExtraInfo.decode(segment(hex("05", "00", "000000000000"))).isOk()).isFalse();
    }

    @Test
    void aGsoExtraNeedsAnMssAndATcpType() {
        assertThat(NetifExtraInfo.decode(segment(hex("01", "00", "0000", "01", "00", "0000"))))
                .isEqualTo(Decoded.malformed("u.gso.size: 0 (expected: > 0, the MSS)"));
        assertThat(NetifExtraInfo.decode(segment(hex("01", "00", "a805", "00", "00", "0000"))))
                .isEqualTo(Decoded.malformed("u.gso.type: 0 (expected: XEN_NETIF_GSO_TYPE_TCPV4 (1) or "
                        + "XEN_NETIF_GSO_TYPE_TCPV6 (2))"));
        assertThat(NetifExtraInfo.decode(segment(hex("01", "00", "a805", "02", "ff", "0000"))))   // pad ignored
                .isEqualTo(Decoded.ok(new NetifExtraInfo.Gso(0, 1448, NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV6, 0)));
    }

    @Test
    void refusesAnAddressWiderThan48Bits() {
        assertThatThrownBy(() -> new NetifExtraInfo.McastAdd(0, 1L << 48))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("48 bits");
    }
}
