package io.xensim.blk.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.xenbus.Decoded;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** xen-vbd-interface(7)'s names and numbers, both ways. */
class VbdNameProperties {
    @ParameterizedTest
    @CsvSource({
        "xvda, 51712", "xvdb, 51728", "xvda1, 51713", "xvdb2, 51730", "xvdp15, 51967",
        // xvdq is disk 16: the extended form.
        "xvdq, 268439552", "xvda16, 268435472", "xvdtq37, 268572709", "d536p37, 268572709",
        "d0, 51712", "d0p0, 51712", "d1p2, 51730",
        "sda, 2048", "sdb3, 2067", "sdp15, 2303",
        "hda, 768", "hdb, 832", "hdc, 5632", "hdc2, 5634", "hdd63, 5759"})
    void examplesOfTheManPage(String name, int vdev) {
        assertThat(VbdName.vdevOf(name)).isEqualTo(vdev);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "xvd", "xvdA", "xvda01", "xvda-1", "xvda256", "sdq", "sda16", "hde", "hda64",
            "vda", "d", "dp1", "d1p", "d01", "xvda\u0661", "d1048576"})
    void badNamesAreAClearError(String name) {
        assertThatThrownBy(() -> VbdName.parse(name)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("disk name: \"" + name + "\"");
    }

    @Test
    void lettersCountInBijectiveBase26() {
        assertThat(VbdName.letters(0)).isEqualTo("a");
        assertThat(VbdName.letters(25)).isEqualTo("z");
        assertThat(VbdName.letters(26)).isEqualTo("aa");
        assertThat(VbdName.letters(536)).isEqualTo("tq");
        assertThat(VbdName.parse("xvdzz").disk()).isEqualTo(26 * 26 + 25);
    }

    @Provide
    Arbitrary<VbdName> names() {
        var xvd = Combinators.combine(Arbitraries.integers().between(0, VbdName.XVD_EXTENDED_MAX_DISK),
                Arbitraries.integers().between(0, 255)).as((d, p) -> new VbdName(VbdName.Kind.XVD, d, p));
        var sd = Combinators.combine(Arbitraries.integers().between(0, 15), Arbitraries.integers().between(0, 15))
                .as((d, p) -> new VbdName(VbdName.Kind.SD, d, p));
        var hd = Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 63))
                .as((d, p) -> new VbdName(VbdName.Kind.HD, d, p));
        return Arbitraries.oneOf(xvd, sd, hd);
    }

    @Property
    void nameParsesBackAndNumberDecodesBack(@ForAll("names") VbdName name) {
        assertThat(VbdName.parse(name.name())).isEqualTo(name);
        assertThat(VbdName.decode(name.vdev())).isEqualTo(Decoded.ok(name));
    }

    @Property
    void compactXvdFormIsUsedWheneverItFits(@ForAll("names") VbdName name) {
        boolean compact = name.kind() == VbdName.Kind.XVD && name.disk() <= 15 && name.partition() <= 15;
        assertThat(name.vdev() >>> 8 == VbdName.XVD_MAJOR).isEqualTo(compact);
    }

    @Property
    void anyNumberDecodesToAValueThatEncodesBackOrIsMalformed(@ForAll @LongRange(min = -1, max = 1L << 30) long v) {
        switch (VbdName.decode(v)) {
            case Decoded.Ok<VbdName>(var name) -> assertThat(name.vdev()).isEqualTo(v);
            case Decoded.Malformed<VbdName>(var reason) -> assertThat(reason).startsWith("virtual-device: " + v);
        }
    }
}
