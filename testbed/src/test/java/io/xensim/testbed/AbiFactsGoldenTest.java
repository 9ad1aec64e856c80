package io.xensim.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.abi.AbiFact;
import io.xensim.xenbus.abi.AbiFacts;
import io.xensim.xenbus.abi.GoldenAbi;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every ABI fact any module registers (testbed sees all of them) is a row of the golden table with the same
 * value. Needs no compiler: the table was generated from the libxen-dev 4.17 headers.
 */
class AbiFactsGoldenTest {
    @Test
    void everyRegisteredFactIsAGoldenRowWithTheSameValue() {
        Map<String, String> golden = GoldenAbi.load();
        List<AbiFact> facts = AbiFacts.all();

        List<String> problems = new ArrayList<>();
        for (AbiFact fact : facts) {
            String expected = golden.get(fact.name());
            if (expected == null) {
                problems.add(fact.name() + ": no such row in abi-golden.tsv (java value " + fact.value() + ")");
            } else if (!expected.equals(fact.value())) {
                problems.add(fact.name() + ": java " + fact.value() + ", golden " + expected);
            }
        }

        assertThat(facts).isNotEmpty();
        assertThat(problems).as("facts that disagree with abi-golden.tsv").isEmpty();
    }

    @Test
    void thePageSizeFactsOfLayoutsAreRegistered() {
        assertThat(AbiFacts.all()).contains(
                AbiFact.of("XEN_PAGE_SHIFT", 12), AbiFact.of("XEN_PAGE_SIZE (1 << XEN_PAGE_SHIFT)", 4096));
    }
}
