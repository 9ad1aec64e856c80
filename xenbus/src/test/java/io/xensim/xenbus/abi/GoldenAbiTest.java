package io.xensim.xenbus.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class GoldenAbiTest {
    @Test
    void loadsTheTableFromTheClassPath() {
        assertThat(GoldenAbi.table()).hasSize(861);
        assertThat(GoldenAbi.value("XEN_PAGE_SIZE (1 << XEN_PAGE_SHIFT)")).contains("4096");
        assertThat(GoldenAbi.value("sizeof(struct blkif_request)")).contains("112");
        assertThat(GoldenAbi.value("no such fact")).isEmpty();
    }

    @Test
    void theFileSaysHowItWasGenerated() {
        assertThat(GoldenAbi.text()).startsWith("# The golden ABI table").contains("./xensim abi --golden");
        assertThat(GoldenAbi.table().keySet()).noneMatch(name -> name.startsWith("#"));
    }

    @Test
    void absenceRowsAreRowsWithANote() {
        assertThat(GoldenAbi.table()).containsKeys(GoldenAbi.ABSENCE_ROWS.toArray(String[]::new));
        for (String name : GoldenAbi.ABSENCE_ROWS) {
            assertThat(GoldenAbi.table().get(name)).as(name)
                    .containsAnyOf("ABSENT", "REMOVED", "named XS_*", "not guest-visible");
        }
    }

    @Test
    void namesEachDisagreement() {
        AbiFact agrees = AbiFact.of("XEN_PAGE_SHIFT", 12);
        AbiFact differs = AbiFact.of("XEN_PAGE_SHIFT", 13);
        AbiFact invented = AbiFact.of("XEN_NO_SUCH_FACT", 1);

        assertThat(GoldenAbi.disagreement(agrees)).isEmpty();
        assertThat(GoldenAbi.disagreements(List.of(agrees, differs, invented))).containsExactly(
                "XEN_PAGE_SHIFT: java 13, golden 12",
                "XEN_NO_SUCH_FACT: no such row in abi-golden.tsv (java value 1)");
    }

    @Test
    void refusesABrokenTable() {
        assertThatThrownBy(() -> GoldenAbi.parse(Stream.of("a\t1", "a\t2")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("twice");
        assertThatThrownBy(() -> GoldenAbi.parse(Stream.of("no tab")))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("without a tab");
        assertThat(GoldenAbi.parse(Stream.of("# a comment", "", "a\t1"))).containsOnlyKeys("a");
    }
}
