package io.xensim.hvm.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class SpecProperties {

    record Nic(int[] mac, String bridge, boolean pvOnly, int mtu, int devid) {
        String spec(List<Integer> order) {
            List<String> tokens = List.of(
                    String.format("mac=%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
                            mac[5]),
                    "bridge=" + bridge, "type=" + (pvOnly ? "vif" : "ioemu"), "mtu=" + mtu, "devid=" + devid);
            List<String> ordered = new ArrayList<>();
            for (int i : order) {
                ordered.add(tokens.get(i));
            }
            return String.join(", ", ordered);
        }
    }

    @Provide
    Arbitrary<Nic> nics() {
        Arbitrary<int[]> mac = Arbitraries.integers().between(0, 255).array(int[].class).ofSize(6)
                .filter(m -> m[0] + m[1] + m[2] + m[3] + m[4] + m[5] != 0);
        return Combinators.combine(mac, Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(8),
                Arbitraries.of(true, false), Arbitraries.integers().between(68, 65535),
                Arbitraries.integers().between(0, 1000)).as(Nic::new);
    }

    @Provide
    Arbitrary<List<Integer>> orders() {
        return Arbitraries.just(List.of(0, 1, 2, 3, 4)).map(l -> {
            List<Integer> copy = new ArrayList<>(l);
            return copy;
        }).flatMap(l -> Arbitraries.shuffle(l));
    }

    @Property
    void everyVifKeyIsReadInAnyOrder(@ForAll("nics") Nic nic, @ForAll("orders") List<Integer> order) {
        VifSpecParser.Result r = VifSpecParser.parse("f", nic.spec(order), 0, DomainType.HVM, ToolstackDialect.XL,
                new Random(0));
        assertThat(r.log()).isEmpty();
        VifSpec v = r.vif().orElseThrow();
        assertThat(v.mac()).isEqualTo(String.format("%02x:%02x:%02x:%02x:%02x:%02x", nic.mac[0], nic.mac[1],
                nic.mac[2], nic.mac[3], nic.mac[4], nic.mac[5]));
        assertThat(v.bridge()).isEqualTo(nic.bridge);
        assertThat(v.type()).isEqualTo(nic.pvOnly ? NicType.VIF : NicType.VIF_IOEMU);
        assertThat(v.mtu()).isEqualTo(nic.mtu);
        assertThat(v.devid()).isEqualTo(nic.devid);
    }

    @Property
    void anyVifStringGivesAVifOrAFatalMessageNeverAnException(@ForAll("vifish") String spec) {
        VifSpecParser.Result r = VifSpecParser.parse("f", spec, 0, DomainType.HVM, ToolstackDialect.XL,
                new Random(0));
        assertThat(r.vif().isPresent()).isNotEqualTo(r.fatal().isPresent());
    }

    @Provide
    Arbitrary<String> vifish() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withChars("mac=:0fz,bridgetypvifoem@/sMbKB1").ofMaxLength(30),
                Arbitraries.of("mac=", "rate=", "mtu=", "devid=", "type=", "bridge=", "trusted", ",")
                        .list().ofMaxSize(6).map(l -> String.join("", l)));
    }

    record Disk(String target, String format, String vdev, boolean readOnly, boolean cdrom) {
    }

    @Provide
    Arbitrary<Disk> disks() {
        return Combinators.combine(
                Arbitraries.strings().withChars("abc/._-0").ofMinLength(1).ofMaxLength(12).map(s -> "/" + s),
                Arbitraries.of("raw", "qcow", "qcow2", "vhd", "qed"),
                Arbitraries.of("hda", "hdb", "xvda", "xvdb", "sda", "xvdz9"),
                Arbitraries.of(true, false), Arbitraries.of(true, false)).as(Disk::new);
    }

    @Property
    void keyValueDiskSpecsParseInAnyOrder(@ForAll("disks") Disk d, @ForAll Random random) {
        List<String> params = new ArrayList<>(List.of("format=" + d.format, "vdev=" + d.vdev,
                "access=" + (d.readOnly ? "ro" : "rw")));
        if (d.cdrom) {
            params.add("devtype=cdrom");
        }
        Collections.shuffle(params, random);
        params.add("target=" + d.target); // target= eats the rest, so it comes last
        DiskSpec spec = DiskSpecParser.parse("f", String.join(",", params)).orElseThrow();
        assertThat(spec.target()).contains(d.target);
        assertThat(spec.format().name()).isEqualToIgnoringCase(d.format);
        assertThat(spec.vdev()).isEqualTo(d.vdev);
        assertThat(spec.readwrite()).isEqualTo(!d.readOnly && !d.cdrom);
        assertThat(spec.cdrom()).isEqualTo(d.cdrom);
    }

    @Property
    void positionalAndKeyValueFormsAgree(@ForAll("disks") Disk d) {
        String positional = d.target + "," + d.format + "," + d.vdev + "," + (d.readOnly ? "r" : "w")
                + (d.cdrom ? ",cdrom" : "");
        String named = "format=" + d.format + ",vdev=" + d.vdev + ",access=" + (d.readOnly ? "r" : "w")
                + (d.cdrom ? ",cdrom" : "") + ",target=" + d.target;
        assertThat(DiskSpecParser.parse("f", positional)).isEqualTo(DiskSpecParser.parse("f", named));
    }

    @Property
    void anyDiskStringParsesOrIsMalformedWithLibxlutilsPrefix(@ForAll("diskish") String spec) {
        Decoded<DiskSpec> d = DiskSpecParser.parse("f", spec);
        if (d instanceof Decoded.Malformed<DiskSpec>(String reason)) {
            assertThat(reason).startsWith("f: config parsing error in disk specification: ")
                    .endsWith(" in `" + spec + "'");
        }
    }

    @Provide
    Arbitrary<String> diskish() {
        return Arbitraries.strings().withChars("/a:=, \tphyrwcdomxv-0").ofMaxLength(30);
    }
}
