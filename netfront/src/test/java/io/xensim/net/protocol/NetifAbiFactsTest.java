package io.xensim.net.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.abi.AbiFact;
import io.xensim.xenbus.abi.AbiFactSource;
import io.xensim.xenbus.abi.AbiFacts;
import io.xensim.testkit.GoldenAbiChecks;
import io.xensim.xenbus.abi.GoldenAbi;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class NetifAbiFactsTest {
    private final NetifAbiFacts source = new NetifAbiFacts();

    @TestFactory
    Stream<DynamicTest> everyFactIsAGoldenRowWithTheGoldenValue() {
        return GoldenAbiChecks.checks(source);
    }

    /** Every golden row about netif (except the rows recording names absent from 4.17) is registered. */
    @Test
    void coversEveryNetifRowOfTheGoldenTable() {
        var netifRows = GoldenAbi.table().entrySet().stream()
                .filter(row -> !row.getValue().startsWith("ABSENT"))
                .map(Map.Entry::getKey)
                .filter(name -> (name.toLowerCase().contains("netif") && !name.contains("blkif"))
                        || name.contains("NETTXF") || name.contains("NETRXF"))
                .toList();
        assertThat(netifRows).hasSizeGreaterThan(200);
        assertThat(source.facts()).extracting(AbiFact::name).containsAll(netifRows);
    }

    @Test
    void ringGeometryMatchesTheHeader() {
        assertThat(NetifRing.TX_ENTRY_LENGTH).isEqualTo(12);
        assertThat(NetifRing.TX_RING_SIZE).isEqualTo(256);
        assertThat(NetifRing.RX_ENTRY_LENGTH).isEqualTo(8);
        assertThat(NetifRing.RX_RING_SIZE).isEqualTo(256);
        assertThat(NetifRing.CTRL_ENTRY_LENGTH).isEqualTo(16);
        assertThat(NetifRing.CTRL_RING_SIZE).isEqualTo(128);
    }

    @Test
    void isRegisteredAsAService() {
        assertThat(ServiceLoader.load(AbiFactSource.class).stream().map(ServiceLoader.Provider::type))
                .contains(NetifAbiFacts.class);
        assertThat(AbiFacts.all()).containsAll(source.facts());
    }
}
