package io.xensim.hvm.platform;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.hvm.platform.pci.PciAddress;
import io.xensim.hvm.platform.pci.PciBar;
import io.xensim.hvm.platform.pci.PciBarInfo;
import io.xensim.hvm.platform.pci.PciConf1;
import io.xensim.hvm.platform.pci.PciFirmware;
import io.xensim.hvm.platform.pci.PciHost;
import io.xensim.hvm.platform.pci.PciScan;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The device-model side of the unplug protocol, port by port (QEMU's xen_platform.c). */
class XenPlatformDeviceTest {
    final IoPortBus bus = new IoPortBus();
    final PciHost host = PciHost.install(bus);
    final RecordingDevices devices = new RecordingDevices();

    XenPlatformDevice install(DriverBlacklist blacklist) {
        return XenPlatformDevice.install(host, XenPlatformDevice.DEFAULT_ADDRESS, devices, blacklist);
    }

    @Test
    void magicAndVersionByAccessSize() {
        install(DriverBlacklist.OFF);
        assertThat(bus.in(0x10, 2)).isEqualTo(0x49d2);
        assertThat(bus.in(0x12, 1)).isEqualTo(1);
        assertThat(bus.in(0x10, 4)).as("4-byte read").isEqualTo(0xffffffff);
        assertThat(bus.in(0x12, 2)).as("2-byte read of 0x12").isEqualTo(0xffff);
        assertThat(bus.in(0x11, 1)).isEqualTo(0xff);
        assertThat(bus.in(0x1f, 1)).isEqualTo(0xff);
        assertThat(bus.in(0x10, 1)).as("platform flags").isZero();
    }

    @Test
    void withoutTheDeviceThePortsAreUnclaimed() {
        assertThat(bus.in(0x10, 2)).isEqualTo(0xffff);
        assertThat(bus.in(0x12, 1)).isEqualTo(0xff);
        var device = install(DriverBlacklist.OFF);
        device.remove();
        assertThat(bus.in(0x10, 2)).isEqualTo(0xffff);
        assertThat(new PciScan(new PciConf1(bus)).scanBus()).isEmpty();
    }

    @Test
    void platformFlagsKeepOnlyTheRomLock() {
        var device = install(DriverBlacklist.OFF);
        bus.out(0x10, 1, 0xff);
        assertThat(bus.in(0x10, 1)).isEqualTo(1);
        assertThat(device.platformFlags()).isEqualTo(1);
        device.reset();
        assertThat(bus.in(0x10, 1)).isZero();
    }

    @Test
    void productAndBuildAreRecordedWithoutUnplugging() {
        var device = install(DriverBlacklist.OFF);
        bus.out(0x12, 2, 3);
        bus.out(0x10, 4, 1);
        assertThat(device.driverProductVersion()).isEqualTo(3);
        assertThat(device.driverBuild()).isEqualTo(1);
        assertThat(device.unplugRequests()).isEmpty();
        assertThat(devices.calls).isEmpty();
        assertThat(device.deviceModelLog()).containsExactly("PV driver product 3 (linux)", "PV driver build 1");
    }

    @Test
    void aTwoByteWriteTo0x10IsTheUnplugMask() {
        var device = install(DriverBlacklist.OFF);
        bus.out(0x10, 2, 0x0003);
        assertThat(devices.calls).containsExactly("ide", "nics");
        bus.out(0x10, 2, 0x0004);
        assertThat(devices.calls).endsWith("aux-ide");
        assertThat(device.unplugRequests()).containsExactly(3, 4);
    }

    @Test
    void wrongSizesDoNotUnplug() {
        var device = install(DriverBlacklist.OFF);
        bus.out(0x10, 1, 0x03);       // flags
        bus.out(0x10, 4, 0x03);       // build number
        bus.out(0x12, 4, 0x03);       // nothing at 0x12 for 4 bytes
        bus.out(0x11, 2, 0x0303);     // nothing at 0x11
        assertThat(devices.calls).isEmpty();
        assertThat(device.unplugRequests()).isEmpty();
    }

    @Test
    void logBytesAreEmittedALineAtATime() {
        var device = install(DriverBlacklist.OFF);
        for (char c : "hello\nwor".toCharArray()) {
            bus.out(0x12, 1, c);
        }
        assertThat(device.guestLog()).containsExactly("hello");
        for (char c : "ld\n\n".toCharArray()) {
            bus.out(0x12, 1, c);
        }
        assertThat(device.guestLog()).containsExactly("hello", "world", "");
        XenUnplug.syslog(bus, "via the helper");
        assertThat(device.guestLog()).endsWith("via the helper");
    }

    @Test
    void aFullLogBufferFlushesAndDropsTheByteThatFilledIt() {
        var device = install(DriverBlacklist.OFF);
        for (int i = 0; i < XenPlatformDevice.LOG_BUFFER_SIZE - 1; i++) {
            bus.out(0x12, 1, 'a');
        }
        assertThat(device.guestLog()).isEmpty();
        bus.out(0x12, 1, 'b');
        assertThat(device.guestLog()).singleElement().asString().hasSize(4095).doesNotContain("b");
        bus.out(0x12, 1, 'c');
        bus.out(0x12, 1, '\n');
        assertThat(device.guestLog()).endsWith("c");
    }

    @Test
    void blacklistOffNeverChangesTheMagic() {
        var blacklistingNothing = DriverBlacklist.OFF;
        var device = install(blacklistingNothing);
        bus.out(0x12, 2, 3);
        bus.out(0x10, 4, 1);
        assertThat(bus.in(0x10, 2)).isEqualTo(0x49d2);
        assertThat(device.driversBlacklisted()).isFalse();
    }

    @Test
    void aBlacklistedBuildReadsTheReversedMagic() {
        var device = install(DriverBlacklist.of(Set.of("/mh/driver-blacklist/linux/1")));
        bus.out(0x12, 2, 3);
        bus.out(0x10, 4, 2);
        assertThat(bus.in(0x10, 2)).as("build 2 is fine").isEqualTo(0x49d2);
        bus.out(0x10, 4, 1);
        assertThat(bus.in(0x10, 2)).isEqualTo(0xd249);
        assertThat(device.driversBlacklisted()).isTrue();
        assertThat(device.deviceModelLog()).contains("drivers blacklisted: /mh/driver-blacklist/linux/1 exists");
    }

    @Test
    void aBuildBeforeAProductOrOfAnUnknownProductIsNotLookedUp() {
        var device = install((product, build) -> true);
        bus.out(0x10, 4, 1);
        assertThat(bus.in(0x10, 2)).isEqualTo(0x49d2);
        bus.out(0x12, 2, 0x1234);
        bus.out(0x10, 4, 1);
        assertThat(bus.in(0x10, 2)).isEqualTo(0x49d2);
        assertThat(device.deviceModelLog()).first().isEqualTo("PV driver build 1 written before a product number");
    }

    @Test
    void thePciScanFindsThePlatformDeviceWithItsBars() {
        install(DriverBlacklist.OFF);
        var conf = new PciConf1(bus);
        PciFirmware.setUp(conf);
        var found = new PciScan(conf).scanBus();
        assertThat(found).singleElement().satisfies(d -> {
            assertThat(d.address()).isEqualTo(PciAddress.of(3, 0));
            assertThat(d.vendorId()).isEqualTo(0x5853);
            assertThat(d.deviceId()).isEqualTo(0x0001);
            assertThat(d.classDevice()).isEqualTo(0xff80);
            assertThat(d.revision()).isEqualTo(1);
            assertThat(d.subsystemVendorId()).isEqualTo(0x5853);
            assertThat(d.subsystemId()).isEqualTo(0x0001);
            assertThat(d.interruptPin()).isEqualTo(1);
            assertThat(d.bars()).containsExactly(new PciBarInfo(0, PciBar.Kind.IO, 0xc000, 0x100),
                    new PciBarInfo(1, PciBar.Kind.MEMORY32_PREFETCH, 0xf000_0000L, 0x100_0000));
        });
    }

    @Test
    void bar0IsByteWideWithTheOldSuseAndVmdpUnplugs() {
        var device = install(DriverBlacklist.OFF);
        PciFirmware.setUp(new PciConf1(bus));
        int bar0 = 0xc000;
        bus.out(bar0, 1, 1);
        assertThat(bus.in(bar0, 1)).isEqualTo(1);
        assertThat(bus.in(bar0, 2)).as("offset 1 reads 0xff").isEqualTo(0xff01);
        assertThat(bus.in(bar0 + 5, 1)).isEqualTo(0xff);
        bus.out(bar0 + 4, 1, 1);
        assertThat(devices.calls).containsExactly("ide", "nics");
        bus.out(bar0 + 8, 1, 2);
        bus.out(bar0 + 8, 1, 1);
        assertThat(devices.calls).endsWith("nics", "ide");
        bus.out(bar0 + 8, 1, 'x');
        bus.out(bar0 + 8, 1, '\n');
        assertThat(device.guestLog()).containsExactly("x");
    }
}
