package io.xensim.xenbus.abi.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.testkit.HostTools;
import io.xensim.xenbus.abi.GoldenAbi;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The checked-in golden table is what the project's probe generates from the installed headers: regenerating it
 * ({@code ./xensim abi --golden}) changes not a byte.
 */
class GoldenTableGeneratorTest {
    @BeforeEach
    void needsGccAndHeaders() {
        HostTools.requireGccAndXenHeaders();
    }

    @Test
    void regeneratingTheCheckedInTableFromTheHeadersChangesNothing() throws ProbeUnavailableException {
        GoldenTableGenerator.Result result = GoldenTableGenerator.generate(new AbiProbe());

        assertThat(result.problems()).isEmpty();
        assertThat(result.text()).isEqualTo(GoldenAbi.text());
    }

    @Test
    void takesValuesFromTheHeadersAndKeepsTheNoteOfAnAbsenceRow() throws ProbeUnavailableException {
        Map<String, String> table = new LinkedHashMap<>();
        table.put("XEN_PAGE_SHIFT", "a stale value");
        table.put("XS_RESTRICT", "REMOVED (a note)");
        table.put("XS_WRITE", "0");

        GoldenTableGenerator.Result result =
                GoldenTableGenerator.generate(new AbiProbe(), table, Set.of("XS_RESTRICT"));

        assertThat(result.ok()).isTrue();
        assertThat(result.text().lines().filter(line -> !line.startsWith("#")))
                .containsExactly("XEN_PAGE_SHIFT\t12", "XS_RESTRICT\tREMOVED (a note)", "XS_WRITE\t11");
        assertThat(result.text()).startsWith(String.join("\n", GoldenTableGenerator.HEADER) + "\n");
    }

    @Test
    void aNameTheHeadersLackAndAnAbsenceRowTheyDefineAreProblems() throws ProbeUnavailableException {
        Map<String, String> table = new LinkedHashMap<>();
        table.put("XEN_NO_SUCH_CONSTANT", "1");
        table.put("XS_WRITE", "ABSENT (wrongly)");

        GoldenTableGenerator.Result result =
                GoldenTableGenerator.generate(new AbiProbe(), table, Set.of("XS_WRITE"));

        assertThat(result.ok()).isFalse();
        assertThat(result.problems()).containsOnlyKeys("XEN_NO_SUCH_CONSTANT", "XS_WRITE");
        assertThat(result.problems().get("XEN_NO_SUCH_CONSTANT")).contains("undeclared");
        assertThat(result.problems().get("XS_WRITE")).contains("recorded as absent, but the headers give 11");
    }
}
