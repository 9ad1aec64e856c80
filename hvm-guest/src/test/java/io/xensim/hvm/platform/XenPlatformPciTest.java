package io.xensim.hvm.platform;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.hvm.platform.pci.PciAddress;
import io.xensim.hvm.platform.pci.PciBar;
import io.xensim.hvm.platform.pci.PciBarInfo;
import io.xensim.hvm.platform.pci.PciConf1;
import io.xensim.hvm.platform.pci.PciDeviceInfo;
import io.xensim.hvm.platform.pci.PciFirmware;
import io.xensim.hvm.platform.pci.PciHost;
import io.xensim.hvm.platform.pci.PciScan;
import io.xensim.xenbus.XenErrno;
import java.util.List;
import org.junit.jupiter.api.Test;

class XenPlatformPciTest {
    final IoPortBus bus = new IoPortBus();
    final PciHost host = PciHost.install(bus);
    final HvmParams params = new HvmParams();

    List<PciDeviceInfo> boot() {
        var conf = new PciConf1(bus);
        PciFirmware.setUp(conf);
        return new PciScan(conf).scanBus();
    }

    @Test
    void bindsAndReadsTheStoreParams() {
        XenPlatformDevice.install(host, EmulatedDevices.NONE);
        params.set(5, HvmParams.HVM_PARAM_STORE_PFN, 0xfeffc);
        params.set(5, HvmParams.HVM_PARAM_STORE_EVTCHN, 1);
        var probe = XenPlatformPci.probe(boot(), params, 5);
        assertThat(probe.outcome()).isEqualTo(XenPlatformPci.Outcome.BOUND);
        assertThat(probe.device().orElseThrow().address()).isEqualTo(PciAddress.of(3, 0));
        assertThat(probe.ioaddr()).isEqualTo(0xc000);
        assertThat(probe.iolen()).isEqualTo(0x100);
        assertThat(probe.mmioAddr()).isEqualTo(0xf000_0000L);
        assertThat(probe.mmioLen()).isEqualTo(0x100_0000);
        assertThat(probe.storePfn()).isEqualTo(0xfeffc);
        assertThat(probe.storeEvtchn()).isEqualTo(1);
        assertThat(probe.log()).isEmpty();
    }

    @Test
    void noDeviceWithoutXenPlatformPci() {
        assertThat(XenPlatformPci.probe(boot(), params, 5).outcome()).isEqualTo(XenPlatformPci.Outcome.NO_DEVICE);
    }

    @Test
    void anUnassignedBarIsNoResources() {
        var unassigned = new PciDeviceInfo(PciAddress.of(3, 0), 0x5853, 0x0001, 0xff80, 0, 1, 0, 0x5853, 1, 1, 0,
                List.of(new PciBarInfo(0, PciBar.Kind.IO, 0xc000, 0x100),
                        new PciBarInfo(1, PciBar.Kind.MEMORY32_PREFETCH, 0, 0x100_0000)));
        var probe = XenPlatformPci.probe(List.of(unassigned), params, 5);
        assertThat(probe.outcome()).isEqualTo(XenPlatformPci.Outcome.NO_RESOURCES);
        assertThat(probe.log()).containsExactly(KernelLogLine.err("xen-platform-pci 0000:00:03.0: no resources found"));
    }

    @Test
    void anUnsetStorePfnIsNoXenstore() {
        XenPlatformDevice.install(host, EmulatedDevices.NONE);
        var scanned = boot();
        assertThat(XenPlatformPci.probe(scanned, params, 5).outcome()).as("unknown domain")
                .isEqualTo(XenPlatformPci.Outcome.NO_XENSTORE);
        params.set(5, HvmParams.HVM_PARAM_STORE_EVTCHN, 1);
        var probe = XenPlatformPci.probe(scanned, params, 5);
        assertThat(probe.outcome()).isEqualTo(XenPlatformPci.Outcome.NO_XENSTORE);
        assertThat(probe.log().get(0).text()).contains("error " + -XenErrno.XEN_ENOENT);
        params.set(5, HvmParams.HVM_PARAM_STORE_PFN, -1);
        assertThat(XenPlatformPci.probe(scanned, params, 5).outcome()).isEqualTo(XenPlatformPci.Outcome.NO_XENSTORE);
    }
}
