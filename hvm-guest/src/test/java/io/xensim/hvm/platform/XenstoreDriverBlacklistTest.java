package io.xensim.hvm.platform;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.hvm.platform.pci.PciHost;
import io.xensim.xenbus.bus.BusFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class XenstoreDriverBlacklistTest {
    final BusFixture fx = new BusFixture();

    @AfterEach
    void close() {
        fx.close();
    }

    XenstoreDriverBlacklist watch() {
        var blacklist = fx.toolstack.await(XenstoreDriverBlacklist.watch(fx.toolstack.xs()));
        fx.hv.runUntilIdle();
        return blacklist;
    }

    @Test
    void followsTheSubtreeAsItChanges() {
        var blacklist = watch();
        assertThat(blacklist.entries()).isEmpty();
        fx.toolstack.await(fx.toolstack.xs().write("/mh/driver-blacklist/linux/1", ""));
        fx.hv.runUntilIdle();
        assertThat(blacklist.isBlacklisted("linux", 1)).isTrue();
        assertThat(blacklist.isBlacklisted("linux", 2)).isFalse();
        assertThat(blacklist.isBlacklisted("gplpv-windows", 1)).isFalse();
        fx.toolstack.await(fx.toolstack.xs().rm("/mh/driver-blacklist/linux"));
        fx.hv.runUntilIdle();
        assertThat(blacklist.isBlacklisted("linux", 1)).isFalse();
        fx.toolstack.await(blacklist.unwatch());
        fx.hv.runUntilIdle();
        assertThat(fx.toolstack.xs().liveWatches()).isEmpty();
    }

    @Test
    void anEntryPresentAtStartBlacklistsTheGuestsDrivers() {
        fx.toolstack.await(fx.toolstack.xs().write("/mh/driver-blacklist/linux/1", "buggy"));
        var blacklist = watch();
        var bus = new IoPortBus();
        var devices = new RecordingDevices();
        XenPlatformDevice.install(PciHost.install(bus), XenPlatformDevice.DEFAULT_ADDRESS, devices, blacklist);
        var result = XenUnplug.run(bus, 0, XenUnplug.Frontends.BOTH);
        assertThat(result.outcome()).isEqualTo(XenUnplug.Outcome.BLACKLISTED);
        assertThat(devices.calls).isEmpty();
        fx.toolstack.await(blacklist.unwatch());
        fx.hv.runUntilIdle();
    }
}
