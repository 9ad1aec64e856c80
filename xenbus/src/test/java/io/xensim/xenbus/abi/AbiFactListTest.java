package io.xensim.xenbus.abi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AbiFactListTest {
    @Test
    void spellsRowsAsTheGoldenTableDoes() {
        var facts = new AbiFactList()
                .sizeof("struct netif_tx_request", 12)
                .field("struct netif_extra_info", "u.gso.size", 2, 2)
                .offsetof("struct blkif_request", "seg[10]", 104)
                .constant("NETIF_RSP_NULL", 1)
                .toList();
        assertThat(facts).containsExactly(
                AbiFact.of("sizeof(struct netif_tx_request)", 12),
                AbiFact.of("offsetof(struct netif_extra_info, u.gso.size)", 2),
                AbiFact.of("sizeof(struct netif_extra_info.u.gso.size)", 2),
                AbiFact.of("offsetof(struct blkif_request, seg[10])", 104),
                AbiFact.of("NETIF_RSP_NULL", 1));
        for (AbiFact fact : facts) {
            assertThat(GoldenAbi.value(fact.name())).as(fact.name()).contains(fact.value());
        }
    }
}
