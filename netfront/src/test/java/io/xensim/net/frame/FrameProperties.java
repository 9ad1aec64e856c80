package io.xensim.net.frame;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.net.protocol.NetifExtraInfo;
import io.xensim.xenbus.Decoded;
import java.lang.foreign.MemorySegment;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Built frames parse back, verify, and survive the checksum offload paths; a guest's bytes never throw. */
class FrameProperties {
    static final MacAddress A = MacAddress.of("00:16:3e:00:00:01");
    static final MacAddress B = MacAddress.of("00:16:3e:00:00:02");

    enum Kind { TCP4, UDP4, ICMP4, TCP6, UDP6, ICMP6 }

    static FrameBuilder builder(Kind kind, byte[] payload, int vlan) {
        var b = new FrameBuilder(A, B);
        if (vlan >= 0) {
            b.vlan(vlan);
        }
        switch (kind) {
            case TCP4, UDP4, ICMP4 -> b.ipv4(Ipv4Address.of("10.0.0.1"), Ipv4Address.of("10.0.0.2")).identification(7);
            default -> b.ipv6(Ipv6Address.of("fd00::1"), Ipv6Address.of("fd00::2"));
        }
        switch (kind) {
            case TCP4, TCP6 -> b.tcp(40000, 80, 1000, 2000, TcpHeader.ACK | TcpHeader.PSH, 502)
                    .tcpOptions(new byte[] {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2});
            case UDP4, UDP6 -> b.udp(5353, 53);
            case ICMP4 -> b.icmpEcho(IcmpHeader.ICMP_ECHO, 0x1234, 1);
            case ICMP6 -> b.icmpEcho(IcmpHeader.ICMPV6_ECHO_REQUEST, 0x1234, 1);
        }
        return b.payload(payload);
    }

    @Provide
    Arbitrary<Integer> vlans() {
        return Arbitraries.oneOf(Arbitraries.just(-1), Arbitraries.integers().between(0, 0xffff));
    }

    @Property
    void builtFramesParseBackAndVerify(@ForAll Kind kind, @ForAll @Size(max = 1400) byte[] payload,
                                       @ForAll("vlans") int vlan) {
        var frame = builder(kind, payload, vlan).build();
        var parsed = FrameParser.parse(frame.data()).orElseThrow();
        assertThat(parsed.payloadLength()).isEqualTo(payload.length);
        assertThat(frame.data().asSlice(parsed.payloadOffset(), payload.length).toArray(java.lang.foreign.ValueLayout.JAVA_BYTE))
                .isEqualTo(payload);
        assertThat(ChecksumOffload.verify(frame.data())).isEqualTo(Decoded.ok(true));
        switch (kind) {
            case TCP4, TCP6 -> assertThat(parsed.transport()).isInstanceOf(TcpHeader.class);
            case UDP4, UDP6 -> assertThat(parsed.transport()).isInstanceOf(UdpHeader.class);
            default -> assertThat(parsed.transport()).isInstanceOf(IcmpHeader.class);
        }
    }

    @Property
    void aCorruptedByteFailsVerification(@ForAll Kind kind, @ForAll @Size(min = 1, max = 300) byte[] payload,
                                         @ForAll @IntRange(max = 299) int where, @ForAll @IntRange(min = 1, max = 255) int flip) {
        var frame = builder(kind, payload, -1).build();
        var p = FrameParser.parse(frame.data()).orElseThrow();
        var bytes = frame.toByteArray();
        bytes[p.payloadOffset() + where % payload.length] ^= (byte) flip;
        assertThat(ChecksumOffload.verify(MemorySegment.ofArray(bytes))).isEqualTo(Decoded.ok(false));
    }

    @Provide
    Arbitrary<Kind> offloadable() {
        return Arbitraries.of(Kind.TCP4, Kind.UDP4, Kind.TCP6, Kind.UDP6);
    }

    @Property
    void aBlankChecksumCompletesToTheFullyBuiltFrame(@ForAll("offloadable") Kind kind,
                                                     @ForAll @Size(max = 1400) byte[] payload) {
        var partial = builder(kind, payload, -1).checksumPartial().build();
        assertThat(partial.offload().checksum()).isEqualTo(Offload.Checksum.PARTIAL);
        var completed = ChecksumOffload.complete(partial).orElseThrow();
        assertThat(completed.offload()).isEqualTo(Offload.NONE);
        assertThat(completed.toByteArray()).isEqualTo(completedForm(builder(kind, payload, -1).build(), partial));
        assertThat(partial.toByteArray()).isNotEqualTo(completed.toByteArray()).as("complete copies");
    }

    /**
     * The fully built frame as skb_checksum_help() leaves it: the same bytes, except that a checksum computing to
     * zero is stored as {@code CSUM_MANGLED_0} (0xffff, the same one's-complement value), where a TCP stack that
     * checksums in software (the builder) stores 0x0000.
     */
    private static byte[] completedForm(Frame full, Frame partial) {
        byte[] bytes = full.toByteArray();
        int at = partial.offload().csumStart() + partial.offload().csumOffset();
        if (bytes[at] == 0 && bytes[at + 1] == 0) {
            bytes[at] = (byte) 0xff;
            bytes[at + 1] = (byte) 0xff;
        }
        return bytes;
    }

    @Property
    void setupFindsTheFieldTheBuilderBlanked(@ForAll("offloadable") Kind kind, @ForAll @Size(max = 600) byte[] payload,
                                             @ForAll("vlans") int vlan) {
        var partial = builder(kind, payload, vlan).checksumPartial().build();
        var full = builder(kind, payload, vlan).build();
        // What netback does for a guest that set csum_blank: skb_checksum_setup with recalculate.
        var recalculated = ChecksumOffload.setup(Frame.copyOf(full.toByteArray()), true).orElseThrow();
        assertThat(recalculated.offload()).isEqualTo(partial.offload());
        assertThat(recalculated.toByteArray()).isEqualTo(partial.toByteArray());
        assertThat(ChecksumOffload.complete(recalculated).orElseThrow().toByteArray())
                .isEqualTo(completedForm(full, partial));
        var located = ChecksumOffload.setup(Frame.copyOf(full.toByteArray()), false).orElseThrow();
        assertThat(located.toByteArray()).isEqualTo(full.toByteArray());
    }

    @Property
    void setupRefusesIcmpAndFragments(@ForAll @Size(max = 100) byte[] payload) {
        assertThat(ChecksumOffload.setup(builder(Kind.ICMP4, payload, -1).build(), true).isOk()).isFalse();
        var fragment = builder(Kind.UDP4, payload, -1).flagsFragment(Ipv4Header.IP_MF).build();
        assertThat(ChecksumOffload.setup(fragment, true)).isInstanceOf(Decoded.Malformed.class);
    }

    @Provide
    Arbitrary<Offload> offloads() {
        var partial = Combinators.combine(Arbitraries.integers().between(0, 200), Arbitraries.integers().between(0, 200))
                .as(Offload::partial);
        var gso = Combinators.combine(partial, Arbitraries.of(NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV4,
                NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV6), Arbitraries.integers().between(1, 0xffff))
                .as(Offload::withGso);
        return Arbitraries.oneOf(Arbitraries.just(Offload.NONE), partial, gso);
    }

    /** A guest's frame is untrusted: whatever its bytes and offload metadata, every entry point returns a value. */
    @Property(tries = 2000)
    void arbitraryFramesNeverThrow(@ForAll @Size(max = 200) byte[] bytes, @ForAll("offloads") Offload offload) {
        var frame = new Frame(MemorySegment.ofArray(bytes), offload);
        assertThat(FrameParser.parse(frame.data())).isNotNull();
        assertThat(ChecksumOffload.verify(frame.data())).isNotNull();
        assertThat(ChecksumOffload.complete(frame)).isNotNull();
        assertThat(ChecksumOffload.setup(Frame.copyOf(bytes), true)).isNotNull();
        if (offload.isGso()) {
            assertThat(TcpSegmentation.segment(frame)).isNotNull();
        }
    }

    /** The same, for frames that start as valid IP packets and have one header byte mangled. */
    @Property(tries = 2000)
    void mangledHeadersNeverThrow(@ForAll Kind kind, @ForAll @Size(max = 100) byte[] payload,
                                  @ForAll @IntRange(max = 80) int where, @ForAll byte value,
                                  @ForAll("offloads") Offload offload) {
        var bytes = builder(kind, payload, -1).build().toByteArray();
        bytes[where % bytes.length] = value;
        var frame = new Frame(MemorySegment.ofArray(bytes), offload);
        assertThat(FrameParser.parse(frame.data())).isNotNull();
        assertThat(ChecksumOffload.verify(frame.data())).isNotNull();
        assertThat(ChecksumOffload.complete(frame)).isNotNull();
        assertThat(ChecksumOffload.setup(Frame.copyOf(bytes), true)).isNotNull();
        if (offload.isGso()) {
            assertThat(TcpSegmentation.segment(frame)).isNotNull();
        }
    }
}
