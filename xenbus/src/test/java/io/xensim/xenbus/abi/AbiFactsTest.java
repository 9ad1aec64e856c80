package io.xensim.xenbus.abi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class AbiFactsTest {
    private static AbiFactSource source(String group, AbiFact... facts) {
        return new AbiFactSource() {
            @Override
            public String group() {
                return group;
            }

            @Override
            public List<AbiFact> facts() {
                return List.of(facts);
            }
        };
    }

    @Test
    void keepsOneCopyOfAFactTwoSourcesAgreeOn() {
        var facts = AbiFacts.collect(List.of(
                source("a", AbiFact.of("XEN_PAGE_SIZE (1 << XEN_PAGE_SHIFT)", 4096)),
                source("b", AbiFact.of("XEN_PAGE_SIZE (1 << XEN_PAGE_SHIFT)", 4096), AbiFact.of("XS_READ", 2))));
        assertThat(facts).extracting(AbiFact::name)
                .containsExactly("XEN_PAGE_SIZE (1 << XEN_PAGE_SHIFT)", "XS_READ");
    }

    @Test
    void refusesTwoValuesForOneName() {
        assertThatThrownBy(() -> AbiFacts.collect(List.of(
                source("a", AbiFact.of("XS_READ", 2)), source("b", AbiFact.of("XS_READ", 3)))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("XS_READ").hasMessageContaining("2").hasMessageContaining("3");
    }

    @Test
    void refusesATabInAName() {
        assertThatThrownBy(() -> AbiFact.of("a\tb", 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
