package io.xensim.net.frame;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import java.lang.foreign.MemorySegment;
import java.util.function.BiConsumer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/** decode(encode(h)) == h for every header codec, and arbitrary bytes decode to a value, never an exception. */
class HeaderCodecProperties {

    private static MemorySegment encoded(int length, BiConsumer<MemorySegment, Long> encode) {
        var s = MemorySegment.ofArray(new byte[length]);
        encode.accept(s, 0L);
        return s;
    }

    @Provide
    Arbitrary<EthernetHeader> ethernet() {
        var tci = Arbitraries.oneOf(Arbitraries.just(EthernetHeader.NO_VLAN), Generators.u16());
        var type = Generators.u16().filter(t -> t != EthernetHeader.ETH_P_8021Q);
        return Combinators.combine(Generators.macs(), Generators.macs(), tci, type).as(EthernetHeader::new);
    }

    @Property
    void ethernetRoundTrips(@ForAll("ethernet") EthernetHeader h) {
        var s = encoded(h.length(), (seg, off) -> h.encode(seg, off));
        assertThat(EthernetHeader.decode(s)).isEqualTo(Decoded.ok(h));
    }

    @Provide
    Arbitrary<ArpPacket> arp() {
        return Combinators.combine(Generators.u16(), Generators.macs(), Generators.ipv4s(), Generators.macs(),
                Generators.ipv4s()).as(ArpPacket::new);
    }

    @Property
    void arpRoundTrips(@ForAll("arp") ArpPacket a) {
        assertThat(ArpPacket.decode(encoded(ArpPacket.LENGTH, a::encode), 0)).isEqualTo(Decoded.ok(a));
    }

    @Provide
    Arbitrary<Ipv4Header> ipv4() {
        var fixed = Combinators.combine(Generators.u8(), Arbitraries.integers().between(20, 0xffff), Generators.u16(),
                Generators.u16(), Generators.u8(), Generators.u8(), Generators.u16());
        return Combinators.combine(fixed.as((dscp, total, id, ff, ttl, proto, check) ->
                        new int[] {dscp, total, id, ff, ttl, proto, check}), Generators.ipv4s(), Generators.ipv4s())
                .as((f, src, dst) -> new Ipv4Header(20, f[0], f[1], f[2], f[3], f[4], f[5], f[6], src, dst));
    }

    @Property
    void ipv4RoundTrips(@ForAll("ipv4") Ipv4Header h) {
        var s = MemorySegment.ofArray(new byte[h.totalLength()]);
        h.encode(s, 0);
        assertThat(Ipv4Header.decode(s, 0)).isEqualTo(Decoded.ok(h));
    }

    @Provide
    Arbitrary<Ipv6Header> ipv6() {
        return Combinators.combine(Generators.u8(), Arbitraries.integers().between(0, 0xfffff),
                Arbitraries.integers().between(0, 2000), Generators.u8(), Generators.u8(), Generators.ipv6s(),
                Generators.ipv6s()).as(Ipv6Header::new);
    }

    @Property
    void ipv6RoundTrips(@ForAll("ipv6") Ipv6Header h) {
        var s = MemorySegment.ofArray(new byte[Ipv6Header.LENGTH + h.payloadLength()]);
        h.encode(s, 0);
        assertThat(Ipv6Header.decode(s, 0)).isEqualTo(Decoded.ok(h));
    }

    @Provide
    Arbitrary<TcpHeader> tcp() {
        var len = Arbitraries.integers().between(5, 15).map(n -> n * 4);
        return Combinators.combine(Generators.u16(), Generators.u16(), Arbitraries.integers(), Arbitraries.integers(),
                len, Generators.u8(), Generators.u16(), Generators.u16()).as((sp, dp, seq, ack, hl, fl, win, ck) ->
                new TcpHeader(sp, dp, seq, ack, hl, fl, win, ck, (sp * 31 + dp) & 0xffff));
    }

    @Property
    void tcpRoundTrips(@ForAll("tcp") TcpHeader h) {
        var s = MemorySegment.ofArray(new byte[h.headerLength()]);
        h.encode(s, 0);
        assertThat(TcpHeader.decode(s, 0, s.byteSize())).isEqualTo(Decoded.ok(h));
    }

    @Provide
    Arbitrary<UdpHeader> udp() {
        return Combinators.combine(Generators.u16(), Generators.u16(), Arbitraries.integers().between(8, 1500),
                Generators.u16()).as(UdpHeader::new);
    }

    @Property
    void udpRoundTrips(@ForAll("udp") UdpHeader h) {
        var s = MemorySegment.ofArray(new byte[h.length()]);
        h.encode(s, 0);
        assertThat(UdpHeader.decode(s, 0, s.byteSize())).isEqualTo(Decoded.ok(h));
    }

    @Provide
    Arbitrary<IcmpHeader> icmp() {
        return Combinators.combine(Generators.u8(), Generators.u8(), Generators.u16(), Arbitraries.integers())
                .as(IcmpHeader::new);
    }

    @Property
    void icmpRoundTrips(@ForAll("icmp") IcmpHeader h) {
        assertThat(IcmpHeader.decode(encoded(IcmpHeader.LENGTH, h::encode), 0, IcmpHeader.LENGTH))
                .isEqualTo(Decoded.ok(h));
    }

    /** Every decoder on arbitrary bytes: a value, never an exception; and an Ok re-encodes to the same bytes. */
    @Property
    void arbitraryBytesDecodeWithoutThrowing(@ForAll @Size(max = 80) byte[] bytes) {
        var s = MemorySegment.ofArray(bytes);
        if (EthernetHeader.decode(s) instanceof Decoded.Ok<EthernetHeader>(var h)) {
            assertThat(reencoded(bytes, h.length(), h::encode)).isEqualTo(bytes);
        }
        if (ArpPacket.decode(s, 0) instanceof Decoded.Ok<ArpPacket>(var a)) {
            assertThat(reencoded(bytes, ArpPacket.LENGTH, a::encode)).isEqualTo(bytes);
        }
        if (Ipv4Header.decode(s, 0) instanceof Decoded.Ok<Ipv4Header>(var ip)) {
            assertThat(reencoded(bytes, Ipv4Header.LENGTH, ip::encode)).isEqualTo(bytes);
        }
        if (Ipv6Header.decode(s, 0) instanceof Decoded.Ok<Ipv6Header>(var ip)) {
            assertThat(reencoded(bytes, Ipv6Header.LENGTH, ip::encode)).isEqualTo(bytes);
        }
        if (TcpHeader.decode(s, 0, bytes.length) instanceof Decoded.Ok<TcpHeader>(var t) && (bytes[12] & 0x0f) == 0) {
            assertThat(reencoded(bytes, TcpHeader.LENGTH, t::encode)).isEqualTo(bytes);   // reserved bits are zero
        }
        if (UdpHeader.decode(s, 0, bytes.length) instanceof Decoded.Ok<UdpHeader>(var u)) {
            assertThat(reencoded(bytes, UdpHeader.LENGTH, u::encode)).isEqualTo(bytes);
        }
        if (IcmpHeader.decode(s, 0, bytes.length) instanceof Decoded.Ok<IcmpHeader>(var i)) {
            assertThat(reencoded(bytes, IcmpHeader.LENGTH, i::encode)).isEqualTo(bytes);
        }
    }

    /** Encodes over a copy of {@code bytes}: the first {@code length} bytes are the codec's, the rest untouched. */
    private static byte[] reencoded(byte[] bytes, int length, BiConsumer<MemorySegment, Long> encode) {
        var copy = bytes.clone();
        java.util.Arrays.fill(copy, 0, Math.min(length, copy.length), (byte) 0x5a);
        encode.accept(MemorySegment.ofArray(copy), 0L);
        return copy;
    }
}
