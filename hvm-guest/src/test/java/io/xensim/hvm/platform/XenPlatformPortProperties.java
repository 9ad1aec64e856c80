package io.xensim.hvm.platform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.xensim.hvm.platform.pci.PciConf1;
import io.xensim.hvm.platform.pci.PciFirmware;
import io.xensim.hvm.platform.pci.PciHost;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;

/**
 * Arbitrary guest port traffic against a machine with the platform device, the PCI host and a BAR: nothing the
 * guest does throws, every access returns, and the protocol still works afterwards once the guest behaves.
 */
class XenPlatformPortProperties {
    record Access(boolean write, int port, int size, int value) {
    }

    @Provide
    Arbitrary<Access> accesses() {
        // Mostly the interesting ports, sometimes anywhere.
        Arbitrary<Integer> port = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.integers().between(0x0e, 0x22)),
                Tuple.of(2, Arbitraries.integers().between(0xcf6, 0xd00)),
                Tuple.of(2, Arbitraries.integers().between(0xbffe, 0xc110)),
                Tuple.of(1, Arbitraries.integers().between(0, 0xffff)));
        return Combinators.combine(Arbitraries.of(true, false), port, Arbitraries.of(1, 2, 4),
                Arbitraries.integers()).as(Access::new);
    }

    @Property(tries = 300)
    void arbitraryPortTrafficNeverThrows(@ForAll @Size(max = 200) List<@From("accesses") Access> traffic) {
        // Bounded: every device loop is bounded by the access size, so a run that takes seconds is a hang.
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> run(traffic));
    }

    private static void run(List<Access> traffic) {
        var bus = new IoPortBus();
        var host = PciHost.install(bus);
        var devices = new RecordingDevices();
        var device = XenPlatformDevice.install(host, XenPlatformDevice.DEFAULT_ADDRESS, devices,
                DriverBlacklist.of(Set.of(DriverBlacklist.path("linux", 7))));
        PciFirmware.setUp(new PciConf1(bus));
        for (Access a : traffic) {
            if (a.write()) {
                bus.out(a.port(), a.size(), a.value());
            } else {
                int v = bus.in(a.port(), a.size());
                assertThat(Integer.toUnsignedLong(v)).isLessThanOrEqualTo(Integer.toUnsignedLong(IoPortBus.mask(a.size())));
            }
        }
        assertThat(bus.exits()).isGreaterThanOrEqualTo(traffic.size());
        // The fixed ports survive any traffic: the guest can still run the protocol (unless it blacklisted itself).
        var result = XenUnplug.run(bus, 0, XenUnplug.Frontends.BOTH);
        if (device.driversBlacklisted()) {
            assertThat(result.outcome()).isEqualTo(XenUnplug.Outcome.BLACKLISTED);
        } else {
            assertThat(result.outcome()).isEqualTo(XenUnplug.Outcome.UNPLUGGED);
        }
    }
}
