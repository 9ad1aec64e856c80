package io.xensim.testbed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xensim.testbed.bench.QuickSet;
import io.xensim.testbed.bench.QuickSet.Group;
import io.xensim.testbed.cli.QuickBench.Measured;
import io.xensim.testbed.cli.QuickBench.Paired;
import io.xensim.testbed.cli.QuickBench.Results;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The table and the JSON of a made-up run (no JMH): XenstoreSocket's two ratios, one met and one missed. */
class QuickReportTest {
    private final Group xs = QuickSet.groups().stream().filter(g -> g.name().equals("XenstoreSocket")).findFirst()
            .orElseThrow();

    private Measured ok(String id, double score, double error) {
        return new Measured(xs, xs.get(id), score, error, "ops/s", Optional.empty());
    }

    private Results results(Measured read, Measured write, Measured echo) {
        List<Paired> paired = List.of(
                new Paired(xs, xs.ratios().get(0), read, echo, read.ok() ? read.score() / echo.score() : Double.NaN),
                new Paired(xs, xs.ratios().get(1), write, echo, write.ok() ? write.score() / echo.score()
                        : Double.NaN));
        return new Results(QuickBench.Settings.defaults(), List.of(read, write, echo), paired);
    }

    @Test
    void theTableShowsEachCaseItsBaselineTheRatioAndTheVerdict() {
        Results r = results(ok("socketRead", 1_582_141, 202_047), ok("socketWrite", 433_379, 32_440),
                ok("echoBaseline", 1_372_456, 265_766));
        StringWriter out = new StringWriter();
        QuickReport.table(new PrintWriter(out), r);
        assertThat(out.toString()).startsWith("xensim bench --quick: 1 fork(s), warm-up 1 x 1 s, measurement 3 x 1 s")
                .containsPattern("benchmark +case +score +± error +unit +baseline +ratio +target")
                .containsPattern("XenstoreSocket +socketRead +1\\.58 M +± 202 k +ops/s +echoBaseline +1\\.15x"
                        + " +≥ 0\\.5x +met\n")
                .containsPattern("XenstoreSocket +socketWrite +433 k +± 32\\.4 k +ops/s +echoBaseline +0\\.316x"
                        + " +≥ 0\\.5x +missed\n")
                .containsPattern("XenstoreSocket +echoBaseline +1\\.37 M +± 266 k +ops/s\n")
                .doesNotContain("failed");
        assertThat(QuickReport.json(r)).contains("\"failed\":0");
    }

    @Test
    void aFailedCaseLeavesItsRatioEmptyInTheTableAndNullInTheJson() throws Exception {
        Measured failed = new Measured(xs, xs.get("socketWrite"), Double.NaN, Double.NaN, "",
                Optional.of("the benchmark produced no result"));
        Results r = results(ok("socketRead", 2.0, 0.1), failed, ok("echoBaseline", 4.0, 0.2));
        assertThat(r.allRan()).isFalse();
        StringWriter out = new StringWriter();
        QuickReport.table(new PrintWriter(out), r);
        assertThat(out.toString()).containsPattern("socketWrite +failed +echoBaseline +- +≥ 0\\.5x\n")
                .endsWith("1 case(s) failed (see stderr)\n");
        JsonNode json = new ObjectMapper().readTree(QuickReport.json(r));
        assertThat(json.get("failed").asInt()).isEqualTo(1);
        JsonNode read = json.get("ratios").get(0);
        assertThat(read.get("ratio").asDouble()).isEqualTo(0.5);
        assertThat(read.get("target").get("atLeast").asDouble()).isEqualTo(0.5);
        assertThat(read.get("met").asBoolean()).isTrue();
        JsonNode write = json.get("ratios").get(1);
        assertThat(write.get("ratio").isNull()).isTrue();
        assertThat(write.get("met").isNull()).isTrue();
        assertThat(json.get("cases").get(1).get("failure").asText()).isEqualTo("the benchmark produced no result");
        assertThat(json.get("cases").get(1).get("score").isNull()).isTrue();
    }

    @Test
    void roundingDustIsNoErrorBar() {
        Results r = results(ok("socketRead", 3.5, 9.92e-15), ok("socketWrite", 1, 0.25), ok("echoBaseline", 2, 0));
        StringWriter out = new StringWriter();
        QuickReport.table(new PrintWriter(out), r);
        assertThat(out.toString()).containsPattern("socketRead +3\\.5 +± 0 ")
                .containsPattern("socketWrite +1 +± 0\\.25 ");
    }

    @Test
    void numbersKeepThreeSignificantDigits() {
        assertThat(QuickReport.number(0.015625)).isEqualTo("0.0156");
        assertThat(QuickReport.number(27.44)).isEqualTo("27.4");
        assertThat(QuickReport.number(5400)).isEqualTo("5400");
        assertThat(QuickReport.number(12_345)).isEqualTo("12.3 k");
        assertThat(QuickReport.number(625_000_000)).isEqualTo("625 M");
        assertThat(QuickReport.number(16.9e9)).isEqualTo("16.9 G");
        assertThat(QuickReport.number(0)).isEqualTo("0");
    }
}
