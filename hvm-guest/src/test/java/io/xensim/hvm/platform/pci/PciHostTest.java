package io.xensim.hvm.platform.pci;

import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_COMMAND;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_COMMAND_IO;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_HEADER_TYPE;
import static io.xensim.hvm.platform.pci.PciConfigHeader.barOffset;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.hvm.platform.IoPortBus;
import io.xensim.hvm.platform.IoPortDevice;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PciHostTest {
    /** An I/O BAR device whose register 0 reads 0x1234 + offset. */
    static final IoPortDevice ECHO = new IoPortDevice() {
        @Override
        public int in(int offset, int size) {
            return 0x1234 + offset;
        }

        @Override
        public void out(int offset, int size, int value) {
        }
    };

    static PciFunction nic() {
        var config = new PciDeviceConfig("nic", 0x10ec, 0x8139, 0x0200, 0, 0x20, 0x1af4, 0x1100, 1,
                List.of(PciBar.io(0, 0x100), PciBar.memory(1, 0x100, false)));
        return new PciFunction(config, Map.of(0, ECHO));
    }

    final IoPortBus bus = new IoPortBus();
    final PciHost host = PciHost.install(bus);
    final PciConf1 conf = new PciConf1(bus);

    @Test
    void anEmptySlotReadsAllOnesAndDropsWrites() {
        assertThat(conf.read(PciAddress.of(3, 0), 0, 4)).isEqualTo(0xffffffff);
        conf.write(PciAddress.of(3, 0), PCI_COMMAND, 2, 1);
        assertThat(conf.read(PciAddress.of(3, 0), 0, 2)).isEqualTo(0xffff);
    }

    @Test
    void configAddressTakesOnlyDwordAccessesAndKeepsItsDefinedBits() {
        bus.out(0xcf8, 4, 0xffffffff);
        assertThat(bus.in(0xcf8, 4)).isEqualTo(0x80fffffc);
        bus.out(0xcf8, 2, 0);
        assertThat(bus.in(0xcf8, 4)).isEqualTo(0x80fffffc);
        assertThat(bus.in(0xcf8, 1)).isEqualTo(0xff);
    }

    @Test
    void dataReadsNeedTheEnableBitAndBusZero() {
        host.plug(PciAddress.of(4, 0), nic());
        bus.out(0xcf8, 4, PciAddress.of(4, 0).configAddress(0) & 0x7fffffff);
        assertThat(bus.in(0xcfc, 4)).as("enable bit clear").isEqualTo(0xffffffff);
        bus.out(0xcf8, 4, new PciAddress(1, 4, 0).configAddress(0));
        assertThat(bus.in(0xcfc, 4)).as("bus 1").isEqualTo(0xffffffff);
        assertThat(conf.read(PciAddress.of(4, 0), 0, 4)).isEqualTo(0x813910ec);
        assertThat(conf.read(PciAddress.of(4, 0), 2, 2)).as("0xcfe: the device id").isEqualTo(0x8139);
    }

    @Test
    void identityIsReadOnlyAndBarSizingReadsBackTheSizeMask() {
        var at = PciAddress.of(4, 0);
        host.plug(at, nic());
        conf.write(at, 0, 4, 0);
        assertThat(conf.read(at, 0, 4)).isEqualTo(0x813910ec);
        conf.write(at, barOffset(0), 4, 0xffffffff);
        assertThat(conf.read(at, barOffset(0), 4)).isEqualTo(0xffffff01);
        conf.write(at, barOffset(1), 4, 0xffffffff);
        assertThat(conf.read(at, barOffset(1), 4)).isEqualTo(0xffffff00);
        conf.write(at, barOffset(2), 4, 0xffffffff);
        assertThat(conf.read(at, barOffset(2), 4)).as("no BAR2").isZero();
    }

    @Test
    void anIoBarDecodesOnlyWhileIoIsEnabledAndFollowsItsAddress() {
        var at = PciAddress.of(4, 0);
        var nic = nic();
        host.plug(at, nic);
        conf.write(at, barOffset(0), 4, 0xc100);
        assertThat(bus.in(0xc100, 2)).as("decode off").isEqualTo(0xffff);
        conf.write(at, PCI_COMMAND, 2, PCI_COMMAND_IO);
        assertThat(bus.in(0xc105, 2)).isEqualTo(0x1234 + 5);
        assertThat(nic.decodedAddress(0)).hasValue(0xc100);
        conf.write(at, barOffset(0), 4, 0xd000);
        assertThat(bus.in(0xc100, 2)).isEqualTo(0xffff);
        assertThat(bus.in(0xd000, 2)).isEqualTo(0x1234);
        conf.write(at, PCI_COMMAND, 2, 0);
        assertThat(bus.in(0xd000, 2)).isEqualTo(0xffff);
        assertThat(nic.decodedAddress(0)).isEmpty();
    }

    @Test
    void aBarOverAnotherDevicesPortsStaysUnmapped() {
        var at = PciAddress.of(4, 0);
        var nic = nic();
        host.plug(at, nic);
        conf.write(at, barOffset(0), 4, 0x0c00);   // 0xc00..0xcff covers the configuration ports
        conf.write(at, PCI_COMMAND, 2, PCI_COMMAND_IO);
        assertThat(nic.decodedAddress(0)).isEmpty();
        assertThat(conf.read(at, 0, 2)).as("configuration still works").isEqualTo(0x10ec);
    }

    @Test
    void unplugRemovesTheFunctionAndItsPorts() {
        var at = PciAddress.of(4, 0);
        var nic = nic();
        host.plug(at, nic);
        conf.write(at, barOffset(0), 4, 0xc000);
        conf.write(at, PCI_COMMAND, 2, PCI_COMMAND_IO);
        assertThat(host.unplug(nic)).isTrue();
        assertThat(conf.read(at, 0, 2)).isEqualTo(0xffff);
        assertThat(bus.in(0xc000, 1)).isEqualTo(0xff);
        assertThat(host.unplug(at)).isEmpty();
        assertThat(host.addresses()).isEmpty();
    }

    @Test
    void aSecondFunctionMakesFunctionZeroMultiFunction() {
        host.plug(PciAddress.of(1, 0), nic());
        assertThat(conf.read(PciAddress.of(1, 0), PCI_HEADER_TYPE, 1)).isZero();
        host.plug(PciAddress.of(1, 1), nic());
        assertThat(conf.read(PciAddress.of(1, 0), PCI_HEADER_TYPE, 1)).isEqualTo(0x80);
    }

    @Test
    void plugMisuseIsRefused() {
        var nic = nic();
        host.plug(PciAddress.of(4, 0), nic);
        assertThatThrownBy(() -> host.plug(PciAddress.of(4, 0), nic()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("00:04.0");
        assertThatThrownBy(() -> host.plug(PciAddress.of(5, 0), nic)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new PciFunction(nic.config(), Map.of()))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("BAR0");
        assertThatThrownBy(() -> PciBar.io(0, 0x30)).isInstanceOf(IllegalArgumentException.class);
    }
}
