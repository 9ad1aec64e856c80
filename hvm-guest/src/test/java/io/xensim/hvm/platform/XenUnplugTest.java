package io.xensim.hvm.platform;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.hvm.platform.XenUnplug.Frontends;
import io.xensim.hvm.platform.XenUnplug.Outcome;
import io.xensim.hvm.platform.pci.PciHost;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The guest side (Linux's platform-pci-unplug.c) against the device model. */
class XenUnplugTest {
    final IoPortBus bus = new IoPortBus();
    final PciHost host = PciHost.install(bus);
    final RecordingDevices devices = new RecordingDevices();

    XenPlatformDevice platform(DriverBlacklist blacklist) {
        return XenPlatformDevice.install(host, XenPlatformDevice.DEFAULT_ADDRESS, devices, blacklist);
    }

    @Test
    void theDefaultUnplugsNicsAndIdeDisksWithTheKernelsNotes() {
        var device = platform(DriverBlacklist.OFF);
        bus.resetExits();
        var result = XenUnplug.run(bus, 0, Frontends.BOTH);
        assertThat(result.outcome()).isEqualTo(Outcome.UNPLUGGED);
        assertThat(result.maskWritten()).hasValue(0x0003);
        assertThat(result.platformPciUnplug()).isEqualTo(3);
        assertThat(result.platformDriverEnabled()).isTrue();
        assertThat(devices.calls).containsExactly("ide", "nics");
        assertThat(device.driverProductVersion()).isEqualTo(3);
        assertThat(device.driverBuild()).isEqualTo(1);
        assertThat(result.log()).extracting(KernelLogLine::text).containsExactly(
                "Xen Platform PCI: I/O protocol version 1",
                "Netfront and the Xen platform PCI driver have been compiled for this kernel: unplug emulated NICs.",
                "Blkfront and the Xen platform PCI driver have been compiled for this kernel: unplug emulated disks.",
                "You might have to change the root device",
                "from /dev/hd[a-d] to /dev/xvd[a-d]",
                "in your root= kernel command line option");
        // magic, version, product, build, magic again, mask: six port accesses, six exits
        assertThat(bus.exits()).isEqualTo(6);
        assertThat(bus.exitsPerPort()).isEqualTo(Map.of(0x10, 4L, 0x12, 2L));
    }

    @Test
    void anExplicitMaskIsWrittenAsGiven() {
        platform(DriverBlacklist.OFF);
        var result = XenUnplug.run(bus, XenUnplug.XEN_UNPLUG_ALL_NICS, Frontends.BOTH);
        assertThat(result.maskWritten()).hasValue(2);
        assertThat(result.log()).extracting(KernelLogLine::level).containsOnly(KernelLogLine.Level.DEBUG);
        assertThat(devices.calls).containsExactly("nics");
    }

    @Test
    void onlyTheBuiltInFrontendsShapeTheDefault() {
        platform(DriverBlacklist.OFF);
        assertThat(XenUnplug.run(bus, 0, new Frontends(true, false)).maskWritten()).hasValue(2);
        assertThat(XenUnplug.run(bus, 0, new Frontends(false, false)).maskWritten()).hasValue(0);
    }

    @Test
    void neverTouchesNoPort() {
        platform(DriverBlacklist.OFF);
        bus.resetExits();
        var result = XenUnplug.run(bus, XenUnplug.XEN_UNPLUG_NEVER, Frontends.BOTH);
        assertThat(result).isEqualTo(new XenUnplug.Result(Outcome.NEVER, 0, OptionalInt.empty(), java.util.List.of()));
        assertThat(bus.exits()).isZero();
        assertThat(result.platformDriverEnabled()).isFalse();
    }

    @Test
    void unnecessaryChecksButWritesNoMask() {
        var device = platform(DriverBlacklist.OFF);
        bus.resetExits();
        var result = XenUnplug.run(bus, XenUnplug.XEN_UNPLUG_IGNORE, Frontends.BOTH);
        assertThat(result.outcome()).isEqualTo(Outcome.NOT_WRITTEN);
        assertThat(result.platformPciUnplug()).isEqualTo(8);
        assertThat(result.platformDriverEnabled()).isTrue();
        assertThat(device.unplugRequests()).isEmpty();
        assertThat(bus.exits()).as("magic, version, product, build, magic").isEqualTo(5);
    }

    @Test
    void withoutThePlatformDeviceTheMagicIsUnrecognised() {
        bus.resetExits();
        var result = XenUnplug.run(bus, 0, Frontends.BOTH);
        assertThat(result.outcome()).isEqualTo(Outcome.NO_MAGIC);
        assertThat(result.platformDriverEnabled()).isFalse();
        assertThat(result.log()).containsExactly(KernelLogLine.err("Xen Platform PCI: unrecognised magic value"));
        assertThat(bus.exits()).isEqualTo(1);
    }

    @Test
    void withoutThePlatformDeviceUnnecessaryStillEnablesTheDriver() {
        var result = XenUnplug.run(bus, XenUnplug.XEN_UNPLUG_UNNECESSARY, Frontends.BOTH);
        assertThat(result.outcome()).isEqualTo(Outcome.NOT_WRITTEN);
        assertThat(result.platformDriverEnabled()).isTrue();
    }

    @Test
    void aBlacklistedHostStopsBeforeTheMask() {
        var device = platform(DriverBlacklist.of(Set.of(DriverBlacklist.path("linux", 1))));
        var result = XenUnplug.run(bus, 0, Frontends.BOTH);
        assertThat(result.outcome()).isEqualTo(Outcome.BLACKLISTED);
        assertThat(result.log()).endsWith(KernelLogLine.err("Xen Platform: blacklisted by host"));
        assertThat(device.unplugRequests()).isEmpty();
        assertThat(devices.calls).isEmpty();
    }

    @Test
    void anotherProtocolVersionIsUnknown() {
        bus.register("fake-platform", 0x10, 16, new IoPortDevice() {
            @Override
            public int in(int offset, int size) {
                return offset == 0 ? XenUnplug.XEN_IOPORT_MAGIC_VAL : 2;
            }

            @Override
            public void out(int offset, int size, int value) {
            }
        });
        var result = XenUnplug.run(bus, 0, Frontends.BOTH);
        assertThat(result.outcome()).isEqualTo(Outcome.UNKNOWN_PROTOCOL);
        assertThat(result.log()).extracting(KernelLogLine::text).containsExactly(
                "Xen Platform PCI: I/O protocol version 2", "Xen Platform PCI: unknown I/O protocol version");
    }
}
