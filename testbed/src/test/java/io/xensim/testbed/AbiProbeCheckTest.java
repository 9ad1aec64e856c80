package io.xensim.testbed;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.testkit.HostTools;
import io.xensim.xenbus.abi.AbiFact;
import io.xensim.xenbus.abi.AbiFacts;
import io.xensim.xenbus.abi.probe.AbiCheck;
import io.xensim.xenbus.abi.probe.AbiProbe;
import io.xensim.xenbus.abi.probe.ProbeUnavailableException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every registered ABI fact agrees with the installed Xen headers, as gcc compiles them. */
class AbiProbeCheckTest {
    @Test
    void everyRegisteredFactAgreesWithTheInstalledHeaders() throws ProbeUnavailableException {
        HostTools.requireGccAndXenHeaders();
        List<AbiFact> facts = AbiFacts.all();

        AbiCheck check = new AbiProbe().check(facts);

        assertThat(check.mismatches()).as("facts whose Java value differs from the headers").isEmpty();
        assertThat(check.unevaluated()).as("facts the headers do not define").isEmpty();
        assertThat(check.agreed()).isEqualTo(facts.size()).isPositive();
    }
}
