package io.xensim.hvm.platform.pci;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.hvm.platform.IoPortBus;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * Arbitrary configuration-space traffic: no access throws, every one is one exit, identity registers never change,
 * and the firmware can always re-assign the BARs afterwards so that the scan sees the same devices.
 */
class PciHostProperties {
    record ConfigWrite(int device, int function, int reg, int size, int value) {
    }

    @Provide
    Arbitrary<ConfigWrite> writes() {
        return Combinators.combine(Arbitraries.of(3, 4, 5), Arbitraries.integers().between(0, 7),
                Arbitraries.integers().between(0, 0xff), Arbitraries.of(1, 2, 4), Arbitraries.integers())
                .as(ConfigWrite::new);
    }

    @Property(tries = 300)
    void arbitraryConfigWritesKeepTheBusSane(@ForAll @Size(max = 100) List<@From("writes") ConfigWrite> writes) {
        var bus = new IoPortBus();
        var host = PciHost.install(bus);
        host.plug(PciAddress.of(3, 0), PciScanTest.big());
        host.plug(PciAddress.of(4, 0), PciHostTest.nic());
        var conf = new PciConf1(bus);
        for (ConfigWrite w : writes) {
            conf.write(PciAddress.of(w.device(), w.function()), w.reg(), w.size(), w.value());
        }
        assertThat(bus.exits()).isEqualTo(2L * writes.size());
        PciFirmware.setUp(conf);
        var found = new PciScan(conf).scanBus();
        assertThat(found).extracting(PciDeviceInfo::vendorId).containsExactly(0x1234, 0x10ec);
        assertThat(found).allSatisfy(d -> assertThat(d.bars()).hasSize(2).allMatch(b -> b.address() != 0));
        for (PciDeviceInfo d : found) {
            assertThat(bus.in((int) d.bar(0).orElseThrow().address(), 2)).as("%s BAR0 decodes", d.address())
                    .isEqualTo(0x1234);
        }
    }
}
