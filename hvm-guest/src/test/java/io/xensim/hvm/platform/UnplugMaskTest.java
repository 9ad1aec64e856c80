package io.xensim.hvm.platform;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UnplugMaskTest {
    @Test
    void aCompositeTellsEveryPartInOrder() {
        var nic = new RecordingDevices();
        var ide = new RecordingDevices();
        UnplugMask.apply(UnplugMask.UNPLUG_IDE_SCSI_DISKS | UnplugMask.UNPLUG_ALL_NICS, EmulatedDevices.of(nic, ide));
        assertThat(nic.calls).containsExactly("ide", "nics");
        assertThat(ide.calls).containsExactly("ide", "nics");
    }

    @ParameterizedTest(name = "mask {0} -> {1}")
    @CsvSource(delimiter = ';', value = {
        "0x0; ''",
        "0x1; ide",
        "0x2; nics",
        "0x3; ide,nics",
        "0x4; aux-ide",
        "0x5; ide",                 // bit 0 overrides the aux request
        "0x6; aux-ide,nics",
        "0x7; ide,nics",            // Linux's XEN_UNPLUG_ALL
        "0x8; ide,nvme",            // QEMU: any disk bit walks the controllers; IDE goes unless aux-only
        "0xc; aux-ide,nvme",
        "0xf; ide,nvme,nics",
        "0x10; ''",                 // bits the device model does not know are ignored
        "0xfff0; ''"})
    void decodesAsQemuDoes(String mask, String expected) {
        var devices = new RecordingDevices();
        UnplugMask.apply(Integer.decode(mask), devices);
        assertThat(devices.calls).isEqualTo(expected.isEmpty() ? List.of() : List.of(expected.split(",")));
    }
}
