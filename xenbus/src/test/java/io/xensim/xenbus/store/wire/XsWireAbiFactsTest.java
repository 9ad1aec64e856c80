package io.xensim.xenbus.store.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.abi.AbiFact;
import io.xensim.xenbus.abi.AbiFacts;
import io.xensim.xenbus.abi.GoldenAbi;
import org.junit.jupiter.api.Test;

class XsWireAbiFactsTest {
    private final XsWireAbiFacts source = new XsWireAbiFacts();

    @Test
    void factsEqualTheGoldenRows() {
        assertThat(source.facts()).hasSize(75);
        assertThat(GoldenAbi.disagreements(source.facts())).as("xs_wire facts that disagree with the table").isEmpty();
    }

    /** Every xs_wire.h row of the golden table (less the rows that record a name 4.17 lacks) is a fact. */
    @Test
    void coversEveryXsWireRowOfTheGoldenTable() {
        var golden = GoldenAbi.table().keySet().stream()
                .filter(name -> name.startsWith("XS_") || name.contains("xsd_sockmsg") || name.contains("xsd_errors")
                        || name.equals("XENSTORE_PAYLOAD_MAX") || name.equals("XENSTORE_ABS_PATH_MAX")
                        || name.equals("XENSTORE_REL_PATH_MAX"))
                .filter(name -> !GoldenAbi.ABSENCE_ROWS.contains(name))
                .toList();
        assertThat(source.facts()).extracting(AbiFact::name).containsExactlyInAnyOrderElementsOf(golden);
    }

    @Test
    void registeredWithTheServiceLoader() {
        assertThat(AbiFacts.all()).extracting(AbiFact::name).contains("XS_DIRECTORY_PART", "xsd_errors[15].errstring");
    }
}
