package io.xensim.net.frame;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/** Arbitraries for the frame package's properties. */
final class Generators {
    private Generators() {
    }

    static Arbitrary<MacAddress> macs() {
        return Arbitraries.longs().between(0, 0xffff_ffff_ffffL).map(MacAddress::new);
    }

    static Arbitrary<MacAddress> unicastMacs() {
        return Arbitraries.longs().between(1, 0xffff_ffff_ffffL).map(v -> new MacAddress(v & ~0x0100_0000_0000L))
                .filter(MacAddress::isValidUnicast);
    }

    static Arbitrary<Ipv4Address> ipv4s() {
        return Arbitraries.integers().map(Ipv4Address::new);
    }

    static Arbitrary<Ipv6Address> ipv6s() {
        return Combinators.combine(Arbitraries.longs(), Arbitraries.longs()).as(Ipv6Address::new);
    }

    static Arbitrary<Integer> u16() {
        return Arbitraries.integers().between(0, 0xffff);
    }

    static Arbitrary<Integer> u8() {
        return Arbitraries.integers().between(0, 0xff);
    }
}
