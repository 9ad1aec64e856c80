package io.xensim.net.protocol;

import static io.xensim.xenbus.memory.TestSlots.encodeOver;
import static io.xensim.xenbus.memory.TestSlots.segment;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

class NetifExtraInfoProperties {
    @Provide
    Arbitrary<NetifExtraInfo> extras() {
        var flags = Arbitraries.integers().between(0, 0xff);
        var addr = Arbitraries.longs().between(0, (1L << 48) - 1);
        Arbitrary<NetifExtraInfo> gso = Combinators.combine(flags, Arbitraries.integers().between(1, 0xffff),
                        Arbitraries.of(NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV4,
                                NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV6),
                        Arbitraries.integers().between(0, 0xffff))
                .as(NetifExtraInfo.Gso::new);
        Arbitrary<NetifExtraInfo> add = Combinators.combine(flags, addr).as(NetifExtraInfo.McastAdd::new);
        Arbitrary<NetifExtraInfo> del = Combinators.combine(flags, addr).as(NetifExtraInfo.McastDel::new);
        Arbitrary<NetifExtraInfo> hash = Combinators.combine(flags, Arbitraries.integers().between(0, 0xff),
                        Arbitraries.integers().between(0, 0xff), Arbitraries.integers())
                .as(NetifExtraInfo.Hash::new);
        return Arbitraries.oneOf(gso, add, del, hash);
    }

    @Property
    void roundTripsOnBothRings(@ForAll("extras") NetifExtraInfo extra,
                               @ForAll @Size(NetifRing.TX_ENTRY_LENGTH) byte[] stale) {
        byte[] rx = encodeOver(new byte[NetifExtraInfo.LENGTH], extra::encode);
        assertThat(NetifExtraInfo.decode(segment(rx))).isEqualTo(Decoded.ok(extra));
        byte[] tx = encodeOver(stale, extra::encodeTxSlot);
        assertThat(Arrays.copyOf(tx, NetifExtraInfo.LENGTH)).isEqualTo(rx);
        assertThat(Arrays.copyOfRange(tx, NetifExtraInfo.LENGTH, tx.length)).containsOnly(0);
        assertThat(NetifExtraInfo.decode(segment(tx))).isEqualTo(Decoded.ok(extra));
    }

    @Property
    void arbitraryBytesDecodeToOkExactlyForTheDefinedTypes(@ForAll @Size(NetifExtraInfo.LENGTH) byte[] bytes) {
        int type = bytes[0] & 0xff;
        int gsoSize = (bytes[2] & 0xff) | (bytes[3] & 0xff) << 8;
        int gsoType = bytes[4] & 0xff;
        boolean valid = switch (type) {
            case 1 -> gsoSize != 0 && (gsoType == 1 || gsoType == 2);
            case 2, 3, 4 -> true;
            default -> false;
        };
        var decoded = NetifExtraInfo.decode(segment(bytes));
        assertThat(decoded.isOk()).isEqualTo(valid);
        if (decoded instanceof Decoded.Ok<NetifExtraInfo>(var extra)) {
            assertThat(extra.type()).isEqualTo(type);
            assertThat(extra.flags()).isEqualTo(bytes[1] & 0xff);
        }
    }

    @Property
    void aHashExtraWithAnyPayloadReEncodesToTheSameBytes(@ForAll @Size(NetifExtraInfo.LENGTH) byte[] bytes) {
        bytes[0] = (byte) NetifExtraInfo.XEN_NETIF_EXTRA_TYPE_HASH;   // the Ok path with random payloads
        var extra = NetifExtraInfo.decode(segment(bytes)).orElseThrow();
        byte[] again = encodeOver(new byte[NetifExtraInfo.LENGTH], extra::encode);
        assertThat(again).isEqualTo(bytes);
    }
}
