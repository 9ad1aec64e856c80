package io.xensim.blk.protocol;

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

class BlkifAbiFactsTest {
    private final BlkifAbiFacts source = new BlkifAbiFacts();

    @TestFactory
    Stream<DynamicTest> everyFactIsAGoldenRowWithTheGoldenValue() {
        return GoldenAbiChecks.checks(source);
    }

    /** Every golden row about blkif (except the row recording a struct absent from 4.17) is registered. */
    @Test
    void coversEveryBlkifRowOfTheGoldenTable() {
        var blkifRows = GoldenAbi.table().entrySet().stream()
                .filter(row -> !row.getValue().startsWith("ABSENT"))
                .map(Map.Entry::getKey)
                .filter(name -> name.toLowerCase().contains("blkif") || name.startsWith("VDISK_")
                        || name.startsWith("segments per indirect page") || name.startsWith("max segments via indirect")
                        || name.startsWith("XEN_IO_PROTO_ABI_"))
                .toList();
        assertThat(blkifRows).hasSizeGreaterThan(100);
        assertThat(source.facts()).extracting(AbiFact::name).containsAll(blkifRows);
    }

    @Test
    void ringGeometryMatchesTheHeader() {
        assertThat(BlkifRing.ENTRY_LENGTH).isEqualTo(112);
        assertThat(BlkifRing.RING_SIZE).isEqualTo(32);
        assertThat(new int[] {BlkifRing.ringSize(0), BlkifRing.ringSize(1), BlkifRing.ringSize(2),
                BlkifRing.ringSize(3), BlkifRing.ringSize(4)}).containsExactly(32, 64, 128, 256, 512);
    }

    @Test
    void isRegisteredAsAService() {
        assertThat(ServiceLoader.load(AbiFactSource.class).stream().map(ServiceLoader.Provider::type))
                .contains(BlkifAbiFacts.class);
        assertThat(AbiFacts.all()).containsAll(source.facts());
    }
}
