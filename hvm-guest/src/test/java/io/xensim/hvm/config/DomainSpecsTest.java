package io.xensim.hvm.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DomainSpecsTest {
    private static final String FILE = "/etc/xen/rhel6.cfg";

    /** The seed's config: an HVM RHEL 6.0 guest told (xend-style) that its vif is netfront. */
    private static final String SEED = """
            name = "rhel6"
            builder = "hvm"
            memory = 1024
            vcpus = 2
            extra = "ro root=/dev/hda1 xen_pv_hvm=enable"
            vif = [ 'mac=00:16:3e:11:22:33,bridge=xenbr0,type=netfront' ]
            disk = [ 'phy:/dev/vg/rhel6,hda,w', '/srv/rhel6.iso,,hdc,cdrom' ]
            """;

    private static DomainSpecs.Outcome create(String text, ToolstackDialect dialect) {
        return DomainSpecs.fromText(FILE, text, dialect, new Random(7));
    }

    @Test
    void theSeedConfigUnderXl() {
        DomainSpecs.Outcome out = create(SEED, ToolstackDialect.XL);
        DomainSpec spec = out.spec().orElseThrow();
        assertThat(spec.name()).isEqualTo("rhel6");
        assertThat(spec.type()).isEqualTo(DomainType.HVM);
        assertThat(spec.memoryMib()).isEqualTo(1024);
        assertThat(spec.vcpus()).isEqualTo(2);
        assertThat(spec.xenPlatformPci()).isTrue();
        assertThat(spec.cmdline()).isEqualTo("ro root=/dev/hda1 xen_pv_hvm=enable");
        assertThat(spec.toolstack()).isEqualTo(ToolstackDialect.XL);
        VifSpec vif = spec.vifs().getFirst();
        assertThat(vif.type()).isEqualTo(NicType.VIF_IOEMU);
        assertThat(vif.mac()).isEqualTo("00:16:3e:11:22:33");
        assertThat(spec.disks()).extracting(DiskSpec::vdev).containsExactly("hda", "hdc");
        assertThat(out.log()).first().isEqualTo("Invalid parameter `type'.");
        assertThat(vif.requestedType()).contains("netfront");
        assertThat(DomainSpecs.typeNote(vif, ToolstackDialect.XL)).contains(out.log().get(1));
        assertThat(DomainSpecs.typeNote(vif, ToolstackDialect.XM)).isEmpty();
        assertThat(out.log().get(1)).startsWith("xensim: vif 0 says type=netfront, which is xend (xm) syntax")
                .contains("emulated rtl8139 NIC and a PV vif with the same MAC 00:16:3e:11:22:33")
                .contains("type=vif");
    }

    @Test
    void theSeedConfigUnderXendIsPvOnlyAndNeedsNoExplanation() {
        DomainSpecs.Outcome out = create(SEED, ToolstackDialect.XM);
        assertThat(out.spec().orElseThrow().vifs().getFirst().type()).isEqualTo(NicType.VIF);
        assertThat(out.log()).isEmpty();
    }

    @Test
    void defaults() {
        DomainSpec spec = create("name='d'\ntype='hvm'\n", ToolstackDialect.XL).spec().orElseThrow();
        assertThat(spec.memoryMib()).isEqualTo(DomainSpec.DEFAULT_MEMORY_MIB);
        assertThat(spec.vcpus()).isEqualTo(1);
        assertThat(spec.xenPlatformPci()).isTrue();
        assertThat(spec.cmdline()).isEmpty();
        assertThat(spec.vifs()).isEmpty();
        assertThat(spec.disks()).isEmpty();
    }

    @Test
    void theDefaultTypeIsPv() {
        assertThat(create("name='d'\n", ToolstackDialect.XL).spec().orElseThrow().type()).isEqualTo(DomainType.PV);
    }

    @Test
    void xenPlatformPciOff() {
        assertThat(create("name='d'\ntype='hvm'\nxen_platform_pci=0\n", ToolstackDialect.XL).spec().orElseThrow()
                .xenPlatformPci()).isFalse();
    }

    @Test
    void typePrefixesAndTheDeprecatedBuilder() {
        assertThat(create("name='d'\ntype='h'\n", ToolstackDialect.XL).spec().orElseThrow().type())
                .isEqualTo(DomainType.HVM);
        assertThat(create("name='d'\nbuilder='generic'\n", ToolstackDialect.XL).spec().orElseThrow().type())
                .isEqualTo(DomainType.PV);
        assertThat(create("name='d'\ntype='hvm'\nbuilder='hvm'\n", ToolstackDialect.XL).created()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "cmdline='a' | a",
            "root='/dev/xvda1' | root=/dev/xvda1",
            "extra='quiet' | quiet",
            "root='/dev/hda1'\\nextra='xen_pv_hvm=enable' | root=/dev/hda1 xen_pv_hvm=enable",
    })
    void theKernelCommandLine(String keys, String cmdline) {
        DomainSpec spec = create("name='d'\ntype='hvm'\n" + keys.replace("\\n", "\n") + "\n", ToolstackDialect.XL)
                .spec().orElseThrow();
        assertThat(spec.cmdline()).isEqualTo(cmdline);
    }

    @Test
    void cmdlineWinsOverRootAndExtraWithAWarning() {
        DomainSpecs.Outcome out = create("name='d'\ncmdline='a'\nextra='b'\n", ToolstackDialect.XL);
        assertThat(out.spec().orElseThrow().cmdline()).isEqualTo("a");
        assertThat(out.log()).containsExactly("Warning: ignoring root= and extra= in favour of cmdline=");
    }

    /** Every path that stops creation, with what xl prints. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "type='hvm'                            | Domain name must be specified.",
            "name=['a']                            | Domain name must be specified.",
            "name='d'\\ntype='bsd'                 | Invalid domain type bsd.",
            "name='d'\\nbuilder='linux'            | Invalid domain type linux.",
            "name='d'\\ntype='pv'\\nbuilder='hvm'  | Contradicting \"builder\" and \"type\" options specified.",
            "name='d'\\ndisk=['/img']              | " + FILE + ": config parsing error in disk specification: no vdev"
                    + " specified in `/img'",
            "name='d'\\nvif=['rate=x']             | " + FILE + ": config parsing error in vif: invalid rate in `x'",
            "name='d'\\nvif=['','devid=z']         | xl: failed to convert \"z\" to number",
            "name='d'\\nvif=['mtu=big']            | xl: failed to convert \"big\" to number",
            "name 'd'                              | Failed to parse config: Invalid argument",
    })
    void refusedConfigs(String text, String lastLine) {
        DomainSpecs.Outcome out = create(text.replace("\\n", "\n") + "\n", ToolstackDialect.XL);
        assertThat(out.created()).isFalse();
        assertThat(out.log()).last().isEqualTo(lastLine);
    }

    @Test
    void aParseErrorIsReportedBeforeTheExit() {
        DomainSpecs.Outcome out = create("name = 'd'\nmemory 512\n", ToolstackDialect.XL);
        assertThat(out.log()).containsExactly(
                FILE + ":2: config parsing error near `512': syntax error, unexpected NUMBER, expecting += or '='",
                "Failed to parse config: Invalid argument");
    }

    @Test
    void wrongShapesAreWarningsAndTheDefaultIsKept() {
        DomainSpecs.Outcome out = create("name='d'\ntype='hvm'\nmemory='1G'\nvcpus=[1]\nvif='bridge=xenbr0'\n",
                ToolstackDialect.XL);
        DomainSpec spec = out.spec().orElseThrow();
        assertThat(spec.memoryMib()).isEqualTo(32);
        assertThat(spec.vcpus()).isEqualTo(1);
        assertThat(spec.vifs()).isEmpty();
        assertThat(out.log()).containsExactly(
                FILE + ":3: warning: parameter `memory' is not a valid number",
                FILE + ":4: warning: parameter `vcpus' is a list but should be a single value",
                FILE + ":5: warning: parameter `vif' is a single value but should be a list");
    }

    @Test
    void badVifTokensAreWarningsAndTheGuestIsStillCreated() {
        DomainSpecs.Outcome out = create("name='d'\ntype='hvm'\nvif=['bridge=xenbr0,colour=blue,mac=00:16:3e:1',"
                + "'type=vif']\n", ToolstackDialect.XL);
        List<VifSpec> vifs = out.spec().orElseThrow().vifs();
        assertThat(vifs).extracting(VifSpec::devid).containsExactly(0, 1);
        assertThat(vifs.get(0).mac()).isEqualTo("00:16:3e:01:00:00");
        assertThat(vifs.get(1).type()).isEqualTo(NicType.VIF);
        assertThat(out.log()).containsExactly("unrecognized argument `colour=blue'", "Invalid parameter `mac'.");
    }
}
