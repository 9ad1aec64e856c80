package io.xensim.hvm.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.hvm.config.NicType;
import io.xensim.hvm.config.VifSpec;
import io.xensim.net.frame.MacAddress;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DeviceSelectionTest {
    static final String MAC = "00:16:3e:11:22:33";

    static VifSpec vif(NicType type) {
        return new VifSpec(0, MAC, "xenbr0", type, "rtl8139", Optional.empty(), "vif-bridge", Optional.empty(),
                Optional.empty(), Optional.empty(), 1500, true, Optional.empty());
    }

    static GuestNic nic(String name, String driver) {
        return new GuestNic(name, driver, MacAddress.of(MAC), "xenbr0", "b", 0,
                new FakeDeviceModel.NullNic(MacAddress.of(MAC)));
    }

    @Test
    void bothNicsAreTheConflictAndNameTheOneThatProbedFirst() {
        var notes = DeviceSelection.notes(List.of(vif(NicType.VIF_IOEMU)), List.of(),
                List.of(nic("eth0", "8139too"), nic("eth1", GuestNic.NETFRONT)), List.of(), "", "never", false);
        assertThat(notes).singleElement().asString().contains("CONFLICT", "the 8139too one is eth0",
                "xen_emul_unplug=never", MAC);
    }

    @Test
    void aPvOnlyVifWithoutNetfrontIsNoNetworkAndSaysWhy() {
        var notes = DeviceSelection.notes(List.of(vif(NicType.VIF)), List.of(), List.of(), List.of(),
                "PV is off", "", false);
        assertThat(notes).singleElement().asString().startsWith("xensim: NO NETWORK on vif 0")
                .contains("PV only", "PV is off");
    }

    @Test
    void oneInterfaceOfEitherKindIsNoConflict() {
        assertThat(DeviceSelection.notes(List.of(vif(NicType.VIF_IOEMU)), List.of(),
                List.of(nic("eth0", GuestNic.NETFRONT)), List.of(), "", "", false)).isEmpty();
        assertThat(DeviceSelection.notes(List.of(vif(NicType.VIF_IOEMU)), List.of(),
                List.of(nic("eth0", "8139too")), List.of(), "PV is off", "", false))
                .singleElement().asString().contains("emulated 8139too card eth0 only");
    }

    @ParameterizedTest
    @CsvSource({"51712, xvda", "51713, xvda1", "51728, xvdb", "768, xvda", "832, xvdb", "5632, xvdc", "5696, xvdd",
            "769, xvda", "2049, xvda1", "2048, xvda", "2064, xvdb", "268439552, xvdq"})
    void blkfrontNamesEveryVdevAsXvd(int vdevice, String name) {
        assertThat(DeviceSelection.blkfrontName(vdevice)).isEqualTo(name);
    }

    @Test
    void theTablesLineUpTheirColumns() {
        assertThat(DeviceSelection.interfaceTable(List.of(nic("eth0", GuestNic.NETFRONT)))).containsExactly(
                "Network interfaces:",
                "NAME  DRIVER        MAC                BRIDGE  BACKING",
                "eth0  xen-netfront  00:16:3e:11:22:33  xenbr0  b");
        assertThat(DeviceSelection.interfaceTable(List.of())).containsExactly("Network interfaces: none");
        assertThat(DeviceSelection.blockTable(List.of(), d -> 0)).containsExactly("Block devices: none");
    }
}
