package io.xensim.hvm;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.hvm.cmdline.BootParams;
import io.xensim.hvm.cmdline.GuestProfile;
import io.xensim.hvm.cmdline.UnplugRequest;
import io.xensim.hvm.config.DomainSpec;
import io.xensim.hvm.config.DomainSpecs;
import io.xensim.hvm.config.NicType;
import io.xensim.hvm.config.ToolstackDialect;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The two halves together, as the boot sequence will use them: a domain config's {@code extra=} is the guest's
 * command line, the config's vif type and {@code xen_platform_pci} come from the toolstack, the profile decides what
 * the command line means.
 */
class ConfigAndCommandLineTest {

    private static final String CONFIG = """
            name = "seed"
            type = "hvm"
            xen_platform_pci = %d
            extra = "%s"
            vif = [ '%s' ]
            disk = [ 'file:/srv/seed.img,hda,w' ]
            """;

    /**
     * extra, vif, dialect, profile → Xen set-up, NIC type, mask written after a good check (-1 none), netfront may
     * bind (assuming the platform check passes, which io.xensim.hvm.platform decides).
     */
    @ParameterizedTest(name = "{0} | {1} | {2} | {3}")
    @CsvSource(delimiter = '|', value = {
            "ro root=/dev/hda1                     | type=netfront | XL | rhel6.0 | false | VIF_IOEMU | 3  | false",
            "ro root=/dev/hda1 xen_pv_hvm=enable   | type=netfront | XL | rhel6.0 | true  | VIF_IOEMU | 3  | true",
            "ro root=/dev/hda1 xen_pv_hvm=enable   | type=netfront | XM | rhel6.0 | true  | VIF       | 3  | true",
            "xen_pv_hvm=enable xen_emul_unplug=ignore | type=ioemu | XL | rhel6.0 | true  | VIF_IOEMU | -1 | true",
            "ro root=/dev/xvda1                    | type=vif      | XL | linux   | true  | VIF       | 3  | true",
            "ro xen_emul_unplug=never              | type=ioemu    | XL | linux   | true  | VIF_IOEMU | -1 | false",
            "ro nopv                               | bridge=xenbr0 | XL | linux   | false | VIF_IOEMU | 3  | false",
    })
    void theConfigFeedsTheProfile(String extra, String vif, ToolstackDialect dialect, String profile,
                                  boolean xenSetup, NicType nicType, int mask, boolean netfrontMayBind) {
        DomainSpec spec = DomainSpecs.fromText("seed.cfg", CONFIG.formatted(1, extra, vif), dialect, new Random(3))
                .spec().orElseThrow();
        BootParams boot = GuestProfile.fromId(profile).orElseThrow().interpret(spec.cmdline()).orElseThrow();
        assertThat(boot.xenSetup()).isEqualTo(xenSetup);
        assertThat(spec.vifs().getFirst().type()).isEqualTo(nicType);
        assertThat(boot.unplug().maskToWrite()).isEqualTo(mask);
        int unplugged = boot.unplug().attemptsProtocol() ? boot.unplug().effective() : 0;
        // Without the Xen set-up there is no platform driver and no xenbus, whatever the unplug request says.
        assertThat(boot.xenSetup() && UnplugRequest.hasPvNicDevices(unplugged)).isEqualTo(netfrontMayBind);
        assertThat(spec.disks().getFirst().emulatedIde()).isTrue();
    }
}
