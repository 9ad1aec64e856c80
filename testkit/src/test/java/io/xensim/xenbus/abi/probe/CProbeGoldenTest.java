package io.xensim.xenbus.abi.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.testkit.HostTools;
import io.xensim.xenbus.abi.GoldenAbi;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Proves the probe generator before any Java fact relies on it: the probe for every name of the golden table,
 * compiled against /usr/include/xen, prints the golden table.
 */
class CProbeGoldenTest {
    /** Rows of the golden table that record that a name does NOT exist (or is not guest-visible) in 4.17. */
    static final Set<String> MARKERS = GoldenAbi.ABSENCE_ROWS;

    private static final Map<String, String> GOLDEN = GoldenAbi.load();

    /** Per test, not @BeforeAll: surefire reports a skip in @BeforeAll as no test at all, without the reason. */
    @BeforeEach
    void needsGccAndHeaders() {
        HostTools.requireGccAndXenHeaders();
    }

    @Test
    void probeOfEveryGoldenNamePrintsTheGoldenTableLineForLine() throws ProbeUnavailableException {
        List<String> names = GOLDEN.keySet().stream().filter(n -> !MARKERS.contains(n)).toList();
        List<String> expected = names.stream().map(n -> n + "\t" + GOLDEN.get(n)).toList();

        String stdout = new AbiProbe().compileAndRun(CProbe.source(names));

        assertThat(expected).hasSize(861 - MARKERS.size());
        assertThat(stdout.lines().toList()).containsExactlyElementsOf(expected);
    }

    @Test
    void markerRowsNameThingsTheHeadersDoNotDefine() throws ProbeUnavailableException {
        assertThat(GOLDEN).containsKeys(MARKERS.toArray(String[]::new));
        for (String marker : MARKERS) {
            assertThat(GOLDEN.get(marker)).as(marker)
                    .containsAnyOf("ABSENT", "REMOVED", "named XS_*", "not guest-visible");
        }

        ProbeResult result = new AbiProbe().probe(List.copyOf(MARKERS));

        assertThat(result.values()).isEmpty();
        assertThat(result.unevaluated()).containsOnlyKeys(MARKERS);
        assertThat(result.unevaluated().get("XS_RESTRICT")).contains("'XS_RESTRICT' undeclared");
        assertThat(result.unevaluated().get("EVTCHNOP_reset_cont")).contains("undeclared");
    }
}
