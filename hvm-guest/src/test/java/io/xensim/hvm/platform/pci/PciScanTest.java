package io.xensim.hvm.platform.pci;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.hvm.platform.IoPortBus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PciScanTest {
    final IoPortBus bus = new IoPortBus();
    final PciHost host = PciHost.install(bus);
    final PciConf1 conf = new PciConf1(bus);

    static PciFunction big() {
        var config = new PciDeviceConfig("big", 0x1234, 0x1111, 0xff80, 0, 1, 0x1234, 0x0001, 1,
                List.of(PciBar.io(0, 0x100), PciBar.memory(1, 0x100_0000, true)));
        return new PciFunction(config, Map.of(0, PciHostTest.ECHO));
    }

    @Test
    void firmwareAssignsBiggestFirstAndTheScanFindsWhatItAssigned() {
        host.plug(PciAddress.of(3, 0), big());
        host.plug(PciAddress.of(4, 0), PciHostTest.nic());
        var assigned = PciFirmware.setUp(conf);
        assertThat(assigned).allMatch(PciFirmware.Assignment::placed);

        var found = new PciScan(conf).scanBus();
        assertThat(found).extracting(PciDeviceInfo::address).containsExactly(PciAddress.of(3, 0), PciAddress.of(4, 0));
        var platform = found.get(0);
        assertThat(platform.bar(1)).hasValue(new PciBarInfo(1, PciBar.Kind.MEMORY32_PREFETCH, 0xf000_0000L,
                0x100_0000));
        assertThat(platform.bar(0)).hasValue(new PciBarInfo(0, PciBar.Kind.IO, 0xc000, 0x100));
        var nic = found.get(1);
        assertThat(nic.bar(0)).hasValue(new PciBarInfo(0, PciBar.Kind.IO, 0xc100, 0x100));
        assertThat(nic.bar(1)).hasValue(new PciBarInfo(1, PciBar.Kind.MEMORY32, 0xf100_0000L, 0x100));
        assertThat(nic.classDevice()).isEqualTo(0x0200);
        assertThat(nic.subsystemVendorId()).isEqualTo(0x1af4);
        assertThat(nic.revision()).isEqualTo(0x20);
        assertThat(nic.interruptPin()).isEqualTo(1);
        assertThat(bus.in(0xc100, 2)).as("decoding enabled by the firmware").isEqualTo(0x1234);
    }

    @Test
    void scanningLeavesDecodingAsItWas() {
        host.plug(PciAddress.of(4, 0), PciHostTest.nic());
        PciFirmware.setUp(conf);
        new PciScan(conf).scanBus();
        assertThat(bus.in(0xc000, 2)).isEqualTo(0x1234);
    }

    @Test
    void theLogLinesAreLinuxs() {
        host.plug(PciAddress.of(3, 0), big());
        PciFirmware.setUp(conf);
        assertThat(new PciScan(conf).scanBus().get(0).logLines()).containsExactly(
                "pci 0000:00:03.0: [1234:1111] type 00 class 0xff8000",
                "pci 0000:00:03.0: reg 0x10: [io  0xc000-0xc0ff]",
                "pci 0000:00:03.0: reg 0x14: [mem 0xf0000000-0xf0ffffff pref]");
    }

    @Test
    void everyConfigurationAccessIsTwoExits() {
        host.plug(PciAddress.of(4, 0), PciHostTest.nic());
        bus.resetExits();
        conf.read(PciAddress.of(4, 0), 0, 4);
        assertThat(bus.exits()).isEqualTo(2);
        assertThat(bus.exits(0xcf8)).isEqualTo(1);
        assertThat(bus.exits(0xcfc)).isEqualTo(1);
    }

    @Test
    void anEmptyBusScansToNothing() {
        assertThat(new PciScan(conf).scanBus()).isEmpty();
        assertThat(bus.exits()).as("32 slots, one vendor read each").isEqualTo(64);
    }
}
