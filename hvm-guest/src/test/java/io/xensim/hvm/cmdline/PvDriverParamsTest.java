package io.xensim.hvm.cmdline;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class PvDriverParamsTest {

    private static BootParams boot(GuestProfile profile, String line) {
        return profile.interpret(KernelCommandLine.parse(line).orElseThrow());
    }

    @ParameterizedTest
    @EnumSource(GuestProfile.class)
    void bothProfilesReadTheDriversModuleParameters(GuestProfile profile) {
        BootParams p = boot(profile, "ro xen_netfront.max_queues=2 xen-blkfront.max-queues=3"
                + " xen_blkfront.max_ring_page_order=0x2");

        assertThat(p.pvDrivers()).isEqualTo(new PvDriverParams(OptionalInt.of(2), OptionalInt.of(3),
                OptionalInt.of(2)));
        assertThat(p.ignored()).extracting(KernelParam::name).containsExactly("ro");
        assertThat(p.log()).isEmpty();
    }

    @Test
    void aLaterWordOverridesAnEarlierOne() {
        BootParams p = boot(GuestProfile.LINUX, "xen_netfront.max_queues=2 xen_netfront.max_queues=1");

        assertThat(p.pvDrivers().netfrontMaxQueues()).hasValue(1);
    }

    /** parse_args(): a value kstrtouint refuses leaves the default and says so; later words still count. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "xen_netfront.max_queues=two     | Booting kernel: `two' invalid for parameter `xen_netfront.max_queues'",
            "xen_netfront.max_queues         | Booting kernel: `' invalid for parameter `xen_netfront.max_queues'",
            "xen_blkfront.max_queues=-1      | Booting kernel: `-1' invalid for parameter `xen_blkfront.max_queues'",
            "xen_blkfront.max_queues=4294967296 | Booting kernel: `4294967296' invalid for parameter"
                    + " `xen_blkfront.max_queues'",
            "xen_blkfront.max_queues=08      | Booting kernel: `08' invalid for parameter `xen_blkfront.max_queues'",
    })
    void aValueThatDoesNotParseIsReportedAndIgnored(String word, String message) {
        BootParams p = boot(GuestProfile.LINUX, word + " xen_blkfront.max_ring_page_order=1");

        assertThat(p.log()).containsExactly(message);
        assertThat(p.pvDrivers()).isEqualTo(new PvDriverParams(OptionalInt.empty(), OptionalInt.empty(),
                OptionalInt.of(1)));
        assertThat(p.boots()).isTrue();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"7, 7", "+7, 7", "0x1f, 31", "010, 8", "0, 0", "4294967295, -1"})
    void numbersReadAsKstrtouintReadsThem(String text, int value) {
        assertThat(PvDriverParams.parseInteger(text, false)).hasValue(value);
    }

    /** netif_init(): unset or 0 means one queue per vCPU, at most 8. */
    @ParameterizedTest(name = "{0} on {1} vCPUs -> {2}")
    @CsvSource(delimiter = '|', value = {
            "-                          | 1  | 1",
            "-                          | 4  | 4",
            "-                          | 16 | 8",
            "xen_netfront.max_queues=0  | 2  | 2",
            "xen_netfront.max_queues=3  | 1  | 3",
    }, nullValues = "-")
    void netfrontQueues(String word, int cpus, int queues) {
        BootParams p = boot(GuestProfile.LINUX, word == null ? "" : word);

        assertThat(p.pvDrivers().netfrontQueues(cpus)).isEqualTo(queues);
    }

    /** xlblk_init(): max_queues defaults to 4 and is clamped to the vCPUs, with its message. */
    @ParameterizedTest(name = "{0} on {1} vCPUs -> {2}")
    @CsvSource(delimiter = '|', value = {
            "-                          | 8 | 4 | -",
            "-                          | 1 | 1 | Invalid max_queues (4), will use default max: 1.",
            "xen_blkfront.max_queues=2  | 4 | 2 | -",
            "xen_blkfront.max_queues=6  | 4 | 4 | Invalid max_queues (6), will use default max: 4.",
    }, nullValues = "-")
    void blkfrontQueues(String word, int cpus, int queues, String message) {
        BootParams p = boot(GuestProfile.LINUX, word == null ? "" : word);
        List<String> log = new ArrayList<>();

        assertThat(p.pvDrivers().blkfrontQueues(cpus, log)).isEqualTo(queues);
        assertThat(log).containsExactlyElementsOf(message == null ? List.of() : List.of(message));
    }

    /** xlblk_init(): max_ring_page_order past XENBUS_MAX_RING_GRANT_ORDER (also a negative one) becomes 4. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "-                                   | 0 | -",
            "xen_blkfront.max_ring_page_order=3  | 3 | -",
            "xen_blkfront.max_ring_page_order=5  | 4 | Invalid max_ring_order (5), will use default max: 4.",
            "xen_blkfront.max_ring_page_order=-1 | 4 | Invalid max_ring_order (-1), will use default max: 4.",
    }, nullValues = "-")
    void blkfrontRingOrder(String word, int order, String message) {
        BootParams p = boot(GuestProfile.LINUX, word == null ? "" : word);
        List<String> log = new ArrayList<>();

        assertThat(p.pvDrivers().blkfrontMaxRingPageOrder(log)).isEqualTo(order);
        assertThat(log).containsExactlyElementsOf(message == null ? List.of() : List.of(message));
    }
}
