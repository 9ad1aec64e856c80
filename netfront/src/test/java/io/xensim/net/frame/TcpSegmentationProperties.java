package io.xensim.net.frame;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.net.protocol.NetifExtraInfo;
import io.xensim.xenbus.Decoded;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class TcpSegmentationProperties {
    static final MacAddress A = MacAddress.of("00:16:3e:00:00:01");
    static final MacAddress B = MacAddress.of("00:16:3e:00:00:02");

    static Frame gso(boolean v6, byte[] payload, int mss, int flags, int seq, int id) {
        var b = new FrameBuilder(A, B);
        if (v6) {
            b.ipv6(Ipv6Address.of("fd00::1"), Ipv6Address.of("fd00::2"));
        } else {
            b.ipv4(Ipv4Address.of("10.0.0.1"), Ipv4Address.of("10.0.0.2")).identification(id);
        }
        return b.tcp(40000, 80, seq, 77, flags, 1000).tcpOptions(new byte[] {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2})
                .payload(payload).gso(mss).build();
    }

    @Property(tries = 300)
    void segmentsCarryThePayloadInOrderEachValidAndAtMostOneMss(
            @ForAll boolean v6, @ForAll @IntRange(max = 65_000) int size, @ForAll @IntRange(min = 1, max = 9000) int mss,
            @ForAll @IntRange(max = 255) int flags, @ForAll int seq, @ForAll @IntRange(max = 0xffff) int id,
            @ForAll long seed) {
        byte[] payload = new byte[size];
        new Random(seed).nextBytes(payload);
        var frame = gso(v6, payload, mss, flags, seq, id);
        assertThat(frame.offload().gsoType()).isEqualTo(v6 ? NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV6
                : NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV4);

        List<Frame> segments = TcpSegmentation.segment(frame).orElseThrow();

        assertThat(segments).hasSize(Math.max(1, (size + mss - 1) / mss));
        var concatenated = new ByteArrayOutputStream();
        int expectedSeq = seq;
        for (int i = 0; i < segments.size(); i++) {
            var seg = segments.get(i);
            assertThat(seg.offload()).isEqualTo(Offload.NONE);
            assertThat(ChecksumOffload.verify(seg.data())).isEqualTo(Decoded.ok(true));
            var p = FrameParser.parse(seg.data()).orElseThrow();
            assertThat(p.payloadLength()).isLessThanOrEqualTo(mss);
            assertThat(p.payloadOffset() + p.payloadLength()).isEqualTo(seg.length());
            concatenated.writeBytes(seg.data().asSlice(p.payloadOffset(), p.payloadLength())
                    .toArray(ValueLayout.JAVA_BYTE));
            var tcp = (TcpHeader) p.transport();
            assertThat(tcp.sequence()).isEqualTo(expectedSeq);
            expectedSeq += p.payloadLength();
            int expectedFlags = flags;
            if (i != segments.size() - 1) {
                expectedFlags &= ~(TcpHeader.FIN | TcpHeader.PSH);
            }
            if (i != 0) {
                expectedFlags &= ~TcpHeader.CWR;
            }
            assertThat(tcp.flags()).isEqualTo(expectedFlags);
            assertThat(tcp.headerLength()).isEqualTo(32);
            if (p.network() instanceof Ipv4Header ip) {
                assertThat(ip.identification()).isEqualTo((id + i) & 0xffff);
                assertThat(ip.totalLength()).isEqualTo(seg.length() - EthernetHeader.LENGTH);
            } else {
                assertThat(((Ipv6Header) p.network()).payloadLength())
                        .isEqualTo(seg.length() - EthernetHeader.LENGTH - Ipv6Header.LENGTH);
            }
        }
        assertThat(concatenated.toByteArray()).isEqualTo(payload);
    }

    @Test
    void a64KiBSegmentCutsIntoFortySixMtuSizedFrames() {
        byte[] payload = new byte[65_536 - 20 - 32 - 1];   // the largest IPv4 datagram: 65535 bytes
        var frame = gso(false, payload, 1448, TcpHeader.ACK | TcpHeader.PSH, 1, 100);
        assertThat(frame.length()).isEqualTo(14 + 65_535);
        var segments = TcpSegmentation.segment(frame).orElseThrow();
        assertThat(segments).hasSize(46);   // ceil(65483 / 1448)
        assertThat(segments.get(0).length()).isEqualTo(14 + 20 + 32 + 1448);   // an MTU-sized frame with timestamps
        assertThat(segments).allSatisfy(s -> assertThat(s.length()).isLessThanOrEqualTo(1514));
    }

    @Test
    void refusesAGsoTypeThatDoesNotMatchTheIpVersionAndNonTcp() {
        var v4 = gso(false, new byte[3000], 1000, TcpHeader.ACK, 0, 0);
        var mislabelled = v4.withOffload(v4.offload().withGso(NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV6, 1000));
        assertThat(TcpSegmentation.segment(mislabelled)).isInstanceOf(Decoded.Malformed.class);
        var udp = new FrameBuilder(A, B).ipv4(Ipv4Address.of("10.0.0.1"), Ipv4Address.of("10.0.0.2")).udp(1, 2)
                .payload(new byte[3000]).build();
        var udpGso = udp.withOffload(Offload.partial(34, 6).withGso(NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV4, 1000));
        assertThat(TcpSegmentation.segment(udpGso)).isInstanceOf(Decoded.Malformed.class);
        assertThat(TcpSegmentation.segment(udp)).isInstanceOf(Decoded.Malformed.class);
    }
}
