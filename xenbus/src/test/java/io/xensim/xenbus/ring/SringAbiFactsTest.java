package io.xensim.xenbus.ring;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.abi.AbiFact;
import io.xensim.xenbus.abi.GoldenAbi;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SringAbiFactsTest {
    /** Entry sizes from the golden table's {@code sizeof(union <name>_sring_entry)} rows. */
    @ParameterizedTest
    @CsvSource({"netif_tx, 12", "netif_rx, 8", "blkif, 112", "xen_netif_ctrl, 16"})
    void matchesEveryGoldenSringRowOfTheProtocol(String name, int entrySize) {
        var facts = SringAbiFacts.of(name, entrySize);
        for (AbiFact fact : facts) {
            assertThat(GoldenAbi.value(fact.name())).as(fact.name()).contains(fact.value());
        }
        var goldenRows = GoldenAbi.table().keySet().stream()
                .filter(n -> n.contains("struct " + name + "_sring") || n.contains("union " + name + "_sring_entry")
                        || n.equals("__CONST_RING_SIZE(" + name + ", 4096)") || n.startsWith("RING_SIZE(" + name + " ")
                        || n.startsWith("SHARED_RING_INIT(" + name + ")"))
                .toList();
        assertThat(facts).extracting(AbiFact::name).containsExactlyInAnyOrderElementsOf(goldenRows);
    }

    @Test
    void multiPageRingsMatchTheGoldenTable() {
        Stream.of(SringAbiFacts.multiPage("blkif", 4, 112, " /* ring-page-order 4 */"),
                        SringAbiFacts.multiPage("netif_rx", 1, 8, ""))
                .forEach(fact -> assertThat(GoldenAbi.value(fact.name())).as(fact.name()).contains(fact.value()));
    }
}
