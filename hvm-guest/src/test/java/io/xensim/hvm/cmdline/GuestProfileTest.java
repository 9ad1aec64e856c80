package io.xensim.hvm.cmdline;

import static io.xensim.hvm.cmdline.UnplugRequest.DEFAULT_MASK;
import static io.xensim.hvm.cmdline.UnplugRequest.NO_WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GuestProfileTest {

    private static BootParams boot(GuestProfile profile, String line) {
        return profile.interpret(KernelCommandLine.parse(line).orElseThrow());
    }

    /**
     * The table of command lines x profiles: does the kernel run its Xen set-up, which mask does it write (-1: none),
     * does it try the unplug ports at all, and what does it log ('/'-separated).
     */
    @ParameterizedTest(name = "{0} | {1}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            // the seed's default kernel: nothing without xen_pv_hvm=enable
            "rhel6.0 | ro root=/dev/hda1                      | false | 3  | true  | -",
            "rhel6.0 | ro xen_pv_hvm=enable                   | true  | 3  | true  | Enabling Xen PV-on-HVM",
            "rhel6.0 | xen_pv_hvm=enabled                     | true  | 3  | true  | Enabling Xen PV-on-HVM",
            "rhel6.0 | xen_pv_hvm=yes                         | false | 3  | true  | -",
            "rhel6.0 | xen_pv_hvm=Enable                      | false | 3  | true  | -",
            "rhel6.0 | xen_pv_hvm                             | false | 3  | true  | -",
            "rhel6.0 | -- xen_pv_hvm=enable                   | false | 3  | true  | -",
            "rhel6.0 | xen_pv_hvm=enable xen_emul_unplug=nics | true  | 2  | true  | Enabling Xen PV-on-HVM",
            "rhel6.0 | xen_pv_hvm=enable xen_emul_unplug=all  | true  | 7  | true  | Enabling Xen PV-on-HVM",
            "rhel6.0 | xen_pv_hvm=enable xen_emul_unplug=ignore | true | -1 | true | Enabling Xen PV-on-HVM",
            "rhel6.0 | xen_pv_hvm=enable xen_emul_unplug=ig   | true  | -1 | true  | Enabling Xen PV-on-HVM",
            "rhel6.0 | xen_pv_hvm=enable xen_emul_unplug=never | true | 3 | true | Enabling Xen PV-on-HVM/"
                    + "unrecognised option 'never' in module parameter 'xen_emul_unplug'",
            "rhel6.0 | xen_emul_unplug=unnecessary            | false | 3  | true  | "
                    + "unrecognised option 'unnecessary' in module parameter 'xen_emul_unplug'",
            "rhel6.0 | nopv                                   | false | 3  | true  | -",
            // upstream 6.1: on by default
            "linux   | ro root=/dev/xvda1                     | true  | 3  | true  | -",
            "linux   | xen_pv_hvm=enable                      | true  | 3  | true  | -",
            "linux   | nopv                                   | false | 3  | true  | -",
            "linux   | xen_nopv                               | false | 3  | true  | "
                    + "\"xen_nopv\" is deprecated, please use \"nopv\" instead",
            "linux   | xen_emul_unplug=never                  | true  | -1 | false | -",
            "linux   | xen_emul_unplug=unnecessary            | true  | -1 | true  | -",
            "linux   | xen_emul_unplug=ignore                 | true  | 3  | true  | "
                    + "unrecognised option 'ignore' in parameter 'xen_emul_unplug'",
            "linux   | xen_emul_unplug=ide-disks              | true  | 1  | true  | -",
            "linux   | xen_emul_unplug=aux-ide-disks          | true  | 4  | true  | -",
            "linux   | xen_emul_unplug=nics,ide               | true  | 3  | true  | -",
            "linux   | xen_emul_unplug=n                      | true  | 2  | true  | -",
            "linux   | xen_emul_unplug=                       | true  | 7  | true  | -",
            "linux   | xen_emul_unplug=nics,                  | true  | 7  | true  | -",
            "linux   | xen_emul_unplug=nics,bogus,ide-disks   | true  | 3  | true  | "
                    + "unrecognised option 'bogus,ide-disks' in parameter 'xen_emul_unplug'",
            "linux   | xen_emul_unplug=nics xen_emul_unplug=ide-disks | true | 3 | true | -",
            "linux   | xen-emul-unplug=nics                   | true  | 2  | true  | -",
            "linux   | xen_emul_unplug                        | true  | 3  | true  | -",
    })
    void commandLineMeanings(String profile, String line, boolean xenSetup, int mask, boolean attempts,
                             String log) {
        BootParams params = boot(GuestProfile.fromId(profile).orElseThrow(), line);
        assertThat(params.xenSetup()).as("xen set-up").isEqualTo(xenSetup);
        assertThat(params.unplug().maskToWrite()).as("mask written").isEqualTo(mask);
        assertThat(params.unplug().attemptsProtocol()).as("reads the magic").isEqualTo(attempts);
        assertThat(params.log()).isEqualTo(log == null ? List.of() : Arrays.asList(log.split("/")));
        assertThat(params.boots()).isTrue();
    }

    @Test
    void interpretingAStringReportsAnUnclosedQuote() {
        assertThat(GuestProfile.LINUX.interpret("ro \"xen_emul_unplug=never")).isInstanceOfSatisfying(
                io.xensim.xenbus.Decoded.Malformed.class, m -> assertThat(m.reason()).contains("position 3"));
        assertThat(GuestProfile.LINUX.interpret("nopv").orElseThrow().xenSetup()).isFalse();
    }

    @Test
    void theDefaultProfileIsTheSeedsRhel6Kernel() {
        assertThat(GuestProfile.DEFAULT).isEqualTo(GuestProfile.RHEL6_0);
        assertThat(GuestProfile.fromId("rhel6.0")).contains(GuestProfile.RHEL6_0);
        assertThat(GuestProfile.fromId("linux")).contains(GuestProfile.LINUX);
        assertThat(GuestProfile.fromId("rhel5")).isEmpty();
    }

    @Test
    void unknownParametersAreKeptAndIgnored() {
        BootParams params = boot(GuestProfile.LINUX, "ro root=/dev/xvda1 console=hvc0 nopv");
        assertThat(params.ignored()).extracting(KernelParam::text)
                .containsExactly("ro", "root=/dev/xvda1", "console=hvc0");
    }

    @Test
    void nmiWatchdogOnePanicsTheRhel6GuestWithAnExplanation() {
        BootParams params = boot(GuestProfile.RHEL6_0, "ro xen_pv_hvm=enable nmi_watchdog=1");
        assertThat(params.boots()).isFalse();
        BootFailure failure = params.failure().orElseThrow();
        assertThat(failure.exitStatus()).isNotZero();
        assertThat(failure.log()).first().asString().startsWith("Kernel panic - not syncing:");
        assertThat(String.join("\n", failure.log()))
                .contains("NMI").contains("I/O APIC").contains("remove nmi_watchdog=1");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "nmi_watchdog=1,               false",
            "nmi_watchdog=ioapic,          false",
            "'nmi_watchdog=panic,1',       false",
            "nmi_watchdog=0x1,             false",
            "nmi_watchdog=2 nmi_watchdog=1, false",
            "nmi_watchdog=0,               true",
            "nmi_watchdog=2,               true",
            "nmi_watchdog=lapic,           true",
            "nmi_watchdog=panic,           true",
            "nmi_watchdog=1 nmi_watchdog=0, true",
            "nmi_watchdog=1 nmi_watchdog=7, false",
            "nmi_watchdog=bogus,           true",
            "nmi_watchdog,                 true",
            "-- nmi_watchdog=1,            true",
    })
    void rhel6NmiWatchdogModes(String line, boolean boots) {
        assertThat(boot(GuestProfile.RHEL6_0, line).boots()).isEqualTo(boots);
    }

    @Test
    void linux61HasNoIoApicWatchdogSoNmiWatchdogOneBoots() {
        assertThat(boot(GuestProfile.LINUX, "nmi_watchdog=1").boots()).isTrue();
    }

    @Test
    void theDefaultMaskIsNicsAndIdeDisksAsLinuxWritesIt() {
        assertThat(DEFAULT_MASK).isEqualTo(0x0003);
        assertThat(UnplugRequest.NONE.maskToWrite()).isEqualTo(0x0003);
        assertThat(UnplugRequest.NONE.maskToWrite()).isNotEqualTo(NO_WRITE);
    }

    @Test
    void rhel6IgnoreIsLinux61Unnecessary() {
        UnplugRequest ignore = boot(GuestProfile.RHEL6_0, "xen_pv_hvm=enable xen_emul_unplug=ignore").unplug();
        UnplugRequest unnecessary = boot(GuestProfile.LINUX, "xen_emul_unplug=unnecessary").unplug();
        assertThat(ignore).isEqualTo(unnecessary);
        assertThat(ignore.proceedsWithoutProtocol()).isTrue();
        // PV drivers bind and the emulated devices stay: the seed's "both NICs with one MAC".
        assertThat(UnplugRequest.hasPvNicDevices(ignore.effective())).isTrue();
    }

    @Test
    void theDefaultMaskComesWithLinuxsNotes() {
        assertThat(UnplugRequest.NONE.unplugLog()).first().asString().endsWith("unplug emulated NICs.");
        assertThat(UnplugRequest.NONE.unplugLog()).contains("You might have to change the root device");
        assertThat(new UnplugRequest(UnplugRequest.XEN_UNPLUG_ALL_NICS).unplugLog()).isEmpty();
    }

    @Test
    void internalBitsNeverReachThePort() {
        UnplugRequest all = boot(GuestProfile.LINUX, "xen_emul_unplug=all").unplug();
        assertThat(all.maskToWrite() & ~UnplugRequest.PROTOCOL_MASK).isZero();
        assertThat(boot(GuestProfile.LINUX, "xen_emul_unplug=unnecessary,nics").unplug().maskToWrite())
                .isEqualTo(NO_WRITE);
    }

    /** Which PV drivers a 6.1 kernel loads for the xen_platform_pci_unplug value its unplug step left. */
    @ParameterizedTest(name = "unplug=0x{0}")
    @CsvSource({
            "0,       false, false",
            "3,       true,  true",
            "2,       true,  true",
            "1,       true,  true",
            "7,       true,  true",
            "10000,   true,  true",
            "20000,   false, false",
    })
    void pvDriversFollowXenHasPvDevices(String hex, boolean nics, boolean disks) {
        int unplug = Integer.parseInt(hex, 16);
        assertThat(UnplugRequest.hasPvNicDevices(unplug)).isEqualTo(nics);
        assertThat(UnplugRequest.hasPvDiskDevices(unplug)).isEqualTo(disks);
    }
}
