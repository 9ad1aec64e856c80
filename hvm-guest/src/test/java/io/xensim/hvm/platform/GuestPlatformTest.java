package io.xensim.hvm.platform;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.hvm.platform.pci.PciAddress;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GuestPlatformTest {
    final HvmParams params = new HvmParams();
    final RecordingDevices devices = new RecordingDevices();

    GuestPlatformTest() {
        params.set(9, HvmParams.HVM_PARAM_STORE_PFN, 0xfeffc);
        params.set(9, HvmParams.HVM_PARAM_STORE_EVTCHN, 3);
    }

    @Test
    void aPvGuestFindsXenUnplugsAndBindsThePlatformDriver() {
        var machine = HvmMachine.create(9, HvmMachineConfig.defaults(), devices);
        var result = GuestPlatform.boot(machine, params, GuestPlatform.Request.pvDefault());
        assertThat(result.pvReady()).isTrue();
        assertThat(result.xen().orElseThrow().version()).isEqualTo(XenVersion.XEN_4_17);
        assertThat(result.unplug().orElseThrow().maskWritten()).hasValue(3);
        assertThat(devices.calls).containsExactly("ide", "nics");
        assertThat(result.platformPci().orElseThrow().storeEvtchn()).isEqualTo(3);
        assertThat(result.pciDevices()).extracting(d -> d.address()).containsExactly(PciAddress.of(3, 0));
        assertThat(result.log()).extracting(KernelLogLine::text).startsWith("Hypervisor detected: Xen HVM",
                "Xen version 4.17.").contains("pci 0000:00:03.0: [5853:0001] type 00 class 0xff8000");
        assertThat(machine.exits()).isEqualTo(machine.ioBus().exits() + machine.cpuid().exits());
        assertThat(machine.cpuid().exits()).as("the base scan, then base+0, 1, 2 and 4").isEqualTo(5);
    }

    @Test
    void withPvOffTheGuestTouchesNoUnplugPort() {
        var machine = HvmMachine.create(9, HvmMachineConfig.defaults(), devices);
        var result = GuestPlatform.boot(machine, params, GuestPlatform.Request.emulatedOnly());
        assertThat(result.xen()).isPresent();
        assertThat(result.unplug()).isEmpty();
        assertThat(result.platformPci()).isEmpty();
        assertThat(result.pvReady()).isFalse();
        assertThat(machine.ioBus().exits(0x10)).isZero();
        assertThat(machine.ioBus().exits(0x12)).isZero();
        assertThat(devices.calls).isEmpty();
    }

    @Test
    void withoutThePlatformDeviceTheMagicReadsAllOnesAndPvStaysOff() {
        var machine = HvmMachine.create(9, HvmMachineConfig.defaults().withXenPlatformPci(false), devices);
        var result = GuestPlatform.boot(machine, params, GuestPlatform.Request.pvDefault());
        assertThat(result.unplug().orElseThrow().outcome()).isEqualTo(XenUnplug.Outcome.NO_MAGIC);
        assertThat(result.pciDevices()).isEmpty();
        assertThat(result.pvReady()).isFalse();
        assertThat(result.log()).contains(KernelLogLine.err("Xen Platform PCI: unrecognised magic value"));
    }

    @Test
    void ignoreKeepsTheEmulatedDevicesButBindsPv() {
        var machine = HvmMachine.create(9, HvmMachineConfig.defaults(), devices);
        var result = GuestPlatform.boot(machine, params, GuestPlatform.Request.of(true, 0, true));
        assertThat(result.pvReady()).isTrue();
        assertThat(result.unplug().orElseThrow().outcome()).isEqualTo(XenUnplug.Outcome.NOT_WRITTEN);
        assertThat(machine.platformDevice().orElseThrow().unplugRequests()).isEmpty();
        assertThat(devices.calls).isEmpty();
    }

    @Test
    void aBlacklistedGuestStaysEmulated() {
        var config = HvmMachineConfig.defaults()
                .withBlacklist(DriverBlacklist.of(Set.of(DriverBlacklist.path("linux", 1))));
        var machine = HvmMachine.create(9, config, devices);
        var result = GuestPlatform.boot(machine, params, GuestPlatform.Request.pvDefault());
        assertThat(result.unplug().orElseThrow().outcome()).isEqualTo(XenUnplug.Outcome.BLACKLISTED);
        assertThat(result.pvReady()).isFalse();
        assertThat(machine.platformDevice().orElseThrow().driversBlacklisted()).isTrue();
    }

    @Test
    void viridianStillFindsXen() {
        var machine = HvmMachine.create(9, HvmMachineConfig.defaults().withViridian(true), devices);
        var result = GuestPlatform.boot(machine, params, GuestPlatform.Request.pvDefault());
        assertThat(result.xen().orElseThrow().base()).isEqualTo(0x40000100);
        assertThat(result.pvReady()).isTrue();
    }
}
