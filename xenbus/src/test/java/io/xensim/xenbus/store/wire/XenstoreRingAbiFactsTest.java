package io.xensim.xenbus.store.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.abi.AbiFact;
import io.xensim.xenbus.abi.AbiFactSource;
import io.xensim.xenbus.abi.AbiFacts;
import io.xensim.xenbus.abi.GoldenAbi;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class XenstoreRingAbiFactsTest {
    private final XenstoreRingAbiFacts source = new XenstoreRingAbiFacts();

    @Test
    void everyFactIsAGoldenRowWithTheGoldenValue() {
        assertThat(GoldenAbi.disagreements(source.facts())).as("facts that disagree with the table").isEmpty();
    }

    @Test
    void coversEveryGoldenRowOfTheRingPage() {
        var golden = GoldenAbi.table().keySet().stream()
                .filter(name -> name.contains("xenstore_domain_interface") || name.equals("XENSTORE_RING_SIZE")
                        || name.equals("sizeof(XENSTORE_RING_IDX)") || name.startsWith("XENSTORE_SERVER_FEATURE_")
                        || name.startsWith("XENSTORE_ERROR_") || name.equals("XENSTORE_CONNECTED")
                        || name.equals("XENSTORE_RECONNECT"))
                .toList();
        assertThat(source.facts()).extracting(AbiFact::name).containsExactlyInAnyOrderElementsOf(golden);
    }

    @Test
    void isRegisteredAsAService() {
        assertThat(ServiceLoader.load(AbiFactSource.class).stream().map(ServiceLoader.Provider::type))
                .contains(XenstoreRingAbiFacts.class);
        assertThat(AbiFacts.all()).containsAll(source.facts());
    }
}
