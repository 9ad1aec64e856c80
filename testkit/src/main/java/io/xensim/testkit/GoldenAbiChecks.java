package io.xensim.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.abi.AbiFactSource;
import io.xensim.xenbus.abi.GoldenAbi;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;

/**
 * The golden-ABI check of a module's {@link AbiFactSource} as JUnit dynamic tests, one a fact, so a report names
 * each fact that is not a row of {@link GoldenAbi}'s table or has another value there.
 *
 * <p>Use from a {@code @TestFactory}: {@code return GoldenAbiChecks.checks(new NetifAbiFacts());}
 *
 * <p><b>Threading:</b> stateless.
 */
public final class GoldenAbiChecks {
    private GoldenAbiChecks() {
    }

    /**
     * One dynamic test per fact of {@code source}: the name must be a row of the golden table (no invented names)
     * and the value must equal the golden value.
     */
    public static Stream<DynamicTest> checks(AbiFactSource source) {
        return source.facts().stream().map(fact -> DynamicTest.dynamicTest(fact.name() + " = " + fact.value(),
                () -> assertThat(GoldenAbi.disagreement(fact)).as(fact.name()).isEmpty()));
    }
}
