package io.xensim.hvm.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class VirtualDeviceTest {
    /** Numbers from xen-vbd-interface(7). */
    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource({
            "xvda, 51712", "xvdb, 51728", "xvda1, 51713", "xvdp15, 51967", "xvdq, 268439552", "xvdaa, 268442112",
            "xvda16, 268435472", "hda, 768", "hdb, 832", "hdc, 5632", "hdd, 5696", "hda1, 769", "sda, 2048",
            "sdb2, 2066", "d0, 51712", "d0p1, 51713", "d16, 268439552", "51712, 51712",
    })
    void knownNames(String vdev, int number) {
        assertThat(VirtualDevice.number(vdev)).contains(number);
    }

    @ParameterizedTest
    @ValueSource(strings = {"hde", "hda64", "sdq", "xvda01", "vda", "", "xvd", "floppy"})
    void unknownNames(String vdev) {
        assertThat(VirtualDevice.number(vdev)).isEmpty();
    }
}
