package io.xensim.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.abi.AbiFact;
import io.xensim.xenbus.abi.AbiFacts;
import io.xensim.xenbus.abi.GoldenAbi;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every ABI fact any module registers (testbed sees all of them) is a row of the golden table with the same
 * value. Needs no compiler: the table was generated from the libxen-dev 4.17 headers.
 */
class AbiFactsGoldenTest {
    @Test
    void everyRegisteredFactIsAGoldenRowWithTheSameValue() {
        List<AbiFact> facts = AbiFacts.all();

        assertThat(facts).isNotEmpty();
        assertThat(GoldenAbi.disagreements(facts)).as("facts that disagree with abi-golden.tsv").isEmpty();
    }

    @Test
    void thePageSizeFactsOfLayoutsAreRegistered() {
        assertThat(AbiFacts.all()).contains(
                AbiFact.of("XEN_PAGE_SHIFT", 12), AbiFact.of("XEN_PAGE_SIZE (1 << XEN_PAGE_SHIFT)", 4096));
    }
}
