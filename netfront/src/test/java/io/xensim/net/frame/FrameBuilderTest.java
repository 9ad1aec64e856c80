package io.xensim.net.frame;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.net.protocol.NetifExtraInfo;
import io.xensim.xenbus.Decoded;
import java.lang.foreign.MemorySegment;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Golden frames, checked both ways: the builder makes these bytes, and the parser reads them back. */
class FrameBuilderTest {
    static final MacAddress A = MacAddress.of("00:16:3e:00:00:01");
    static final MacAddress B = MacAddress.of("00:16:3e:00:00:02");
    static final Ipv4Address IP_A = Ipv4Address.of("10.0.0.1");
    static final Ipv4Address IP_B = Ipv4Address.of("10.0.0.2");

    static final String ARP_REQUEST =
            "ffffffffffff" + "00163e000001" + "0806"       // broadcast <- A, ARP
            + "0001" + "0800" + "06" + "04" + "0001"       // Ethernet, IPv4, 6, 4, request
            + "00163e000001" + "0a000001"                  // sender A 10.0.0.1
            + "000000000000" + "0a000002";                 // target unknown 10.0.0.2

    static final String UDP =
            "00163e000002" + "00163e000001" + "0800"       // B <- A, IPv4
            + "45" + "00" + "0021" + "0007" + "4000"       // v4 IHL 5, tos 0, total 33, id 7, DF
            + "40" + "11" + "26c3"                         // ttl 64, UDP, header checksum (computed independently)
            + "0a000001" + "0a000002"
            + "9c41" + "0035" + "000d" + "0b89"            // 40001 -> 53, length 13, checksum (computed independently)
            + "68656c6c6f";                                // "hello"

    @Test
    void arpRequestGolden() {
        var frame = FrameBuilder.arpRequest(A, IP_A, IP_B);
        assertThat(HexFormat.of().formatHex(frame.toByteArray())).isEqualTo(ARP_REQUEST);
        var parsed = FrameParser.parse(MemorySegment.ofArray(HexFormat.of().parseHex(ARP_REQUEST))).orElseThrow();
        assertThat(parsed.ethernet()).isEqualTo(new EthernetHeader(MacAddress.BROADCAST, A, EthernetHeader.ETH_P_ARP));
        assertThat(parsed.network()).isEqualTo(new ArpPacket(ArpPacket.ARPOP_REQUEST, A, IP_A, MacAddress.ZERO, IP_B));
    }

    @Test
    void udpGolden() {
        var frame = new FrameBuilder(A, B).ipv4(IP_A, IP_B).identification(7).udp(40001, 53)
                .payload("hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).build();
        assertThat(HexFormat.of().formatHex(frame.toByteArray())).isEqualTo(UDP);
        var parsed = FrameParser.parse(MemorySegment.ofArray(HexFormat.of().parseHex(UDP))).orElseThrow();
        assertThat(parsed.network()).isEqualTo(new Ipv4Header(20, 0, 33, 7, Ipv4Header.IP_DF, 64,
                Ipv4Header.IPPROTO_UDP, 0x26c3, IP_A, IP_B));
        assertThat(parsed.transport()).isEqualTo(new UdpHeader(40001, 53, 13, 0x0b89));
        assertThat(parsed.payloadOffset()).isEqualTo(42);
        assertThat(parsed.payloadLength()).isEqualTo(5);
    }

    @Test
    void ethernetPaddingIsNotPayloadAndDoesNotDisturbChecksums() {
        var padded = new byte[60];
        System.arraycopy(HexFormat.of().parseHex(UDP), 0, padded, 0, 47);
        var parsed = FrameParser.parse(MemorySegment.ofArray(padded)).orElseThrow();
        assertThat(parsed.payloadLength()).isEqualTo(5);
        assertThat(ChecksumOffload.verify(MemorySegment.ofArray(padded))).isEqualTo(Decoded.ok(true));
    }

    @Test
    void gsoNeedsTcpAndSetsTheTypeByIpVersion() {
        var v6 = new FrameBuilder(A, B).ipv6(Ipv6Address.of("fd00::1"), Ipv6Address.of("fd00::2"))
                .tcp(1, 2, 0, 0, TcpHeader.ACK, 10).payload(new byte[4000]).gso(1440).build();
        assertThat(v6.offload()).isEqualTo(Offload.partial(14 + 40, TcpHeader.CHECKSUM_OFFSET)
                .withGso(NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV6, 1440));
        assertThatThrownBy(() -> new FrameBuilder(A, B).ipv4(IP_A, IP_B).udp(1, 2).gso(1000).build())
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new FrameBuilder(A, B).ipv4(IP_A, IP_B)
                .icmpEcho(IcmpHeader.ICMP_ECHO, 1, 1).checksumPartial().build())
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aUdpChecksumThatComputesToZeroIsSentAsAllOnes() {
        // Find a payload whose UDP checksum is 0: vary two bytes until it happens (the sum is uniform enough).
        for (int v = 0; v < 0x10000; v++) {
            var frame = new FrameBuilder(A, B).ipv4(IP_A, IP_B).udp(1, 2)
                    .payload(new byte[] {(byte) (v >>> 8), (byte) v}).build();
            var udp = (UdpHeader) FrameParser.parse(frame.data()).orElseThrow().transport();
            assertThat(udp.checksum()).isNotZero();
            if (udp.checksum() == ChecksumOffload.CSUM_MANGLED_0) {
                assertThat(ChecksumOffload.verify(frame.data())).isEqualTo(Decoded.ok(true));
                var partial = new FrameBuilder(A, B).ipv4(IP_A, IP_B).udp(1, 2)
                        .payload(new byte[] {(byte) (v >>> 8), (byte) v}).checksumPartial().build();
                assertThat(ChecksumOffload.complete(partial).orElseThrow().toByteArray())
                        .isEqualTo(frame.toByteArray());
                return;
            }
        }
        throw new AssertionError("no two-byte payload gives a zero UDP checksum");
    }
}
