package io.xensim.testbed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.xensim.testbed.bench.NetifPairBenchmark;
import io.xensim.testbed.bench.QuickSet.Case;
import io.xensim.testbed.bench.QuickSet.Group;
import io.xensim.testbed.bench.QuickSet.Metric;
import io.xensim.testbed.bench.QuickSet.Ratio;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openjdk.jmh.runner.options.TimeValue;

class BenchQuickCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        var cli = Xensim.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    /**
     * One real, tiny quick run (one fork per case, no warm-up, one 100 ms iteration): NetifPair's two cases and
     * their declared ratio. The numbers mean nothing at this length; the shape of the JSON and the arithmetic do.
     */
    @Test
    @Timeout(120)
    void quickNetifPairAsJsonCarriesTheScoresAndTheRatio() throws Exception {
        assertThat(run("bench", "--quick", "--json", "netifpair", "-wi", "0", "-i", "1", "-r", "100ms")).isZero();
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertThat(json.get("settings").get("warmupIterations").asInt()).isZero();
        assertThat(json.get("settings").get("measurementTime").asText()).isEqualTo("100 ms");
        JsonNode cases = json.get("cases");
        assertThat(cases).hasSize(2);
        assertThat(cases.get(0).get("case").asText()).isEqualTo("guestToGuest-1500");
        assertThat(cases.get(0).get("method").asText())
                .isEqualTo("io.xensim.testbed.bench.NetifPairBenchmark.guestToGuest");
        assertThat(cases.get(0).get("params").get("size").asText()).isEqualTo("1500");
        assertThat(cases.get(1).get("case").asText()).isEqualTo("copyBaseline-1500");
        for (JsonNode c : cases) {
            assertThat(c.get("benchmark").asText()).isEqualTo("NetifPair");
            assertThat(c.get("unit").asText()).isEqualTo("bytes/s");
            assertThat(c.get("score").asDouble()).isPositive();
            assertThat(c.get("failure").isNull()).isTrue();
        }
        JsonNode ratio = json.get("ratios").get(0);
        assertThat(json.get("ratios")).hasSize(1);
        assertThat(ratio.get("case").asText()).isEqualTo("guestToGuest-1500");
        assertThat(ratio.get("baseline").asText()).isEqualTo("copyBaseline-1500");
        assertThat(ratio.get("ratio").asDouble())
                .isEqualTo(cases.get(0).get("score").asDouble() / cases.get(1).get("score").asDouble());
        assertThat(ratio.get("target").get("atLeast").asDouble()).isEqualTo(0.5);
        assertThat(ratio.get("met").asBoolean()).isEqualTo(ratio.get("ratio").asDouble() >= 0.5);
        assertThat(json.get("failed").asInt()).isZero();
    }

    /**
     * A case whose benchmark cannot run (a {@code @Param} value its setup cannot parse) has no result: it is
     * reported with JMH's own account of the run, its ratio stays empty, and the run as a whole has failed.
     */
    @Test
    @Timeout(120)
    void aCaseWithoutAResultFailsTheRunAndShowsJmhsReport() {
        Case good = new Case("copy", NetifPairBenchmark.class, "copyBaseline", Map.of("size", "64"),
                Metric.counter("bytes", "bytes/s"));
        Case bad = new Case("broken", NetifPairBenchmark.class, "copyBaseline", Map.of("size", "many"),
                Metric.counter("bytes", "bytes/s"));
        Group g = new Group("Test", List.of(bad, good), List.of(new Ratio("broken", "copy", Optional.empty())));
        var settings = new QuickBench.Settings(1, 0, TimeValue.milliseconds(100), 1, TimeValue.milliseconds(100),
                List.of());
        QuickBench.Results r = new QuickBench(List.of(g), settings, new Progress(new PrintWriter(err), false),
                new PrintWriter(err, true)).run();
        assertThat(r.allRan()).isFalse();
        assertThat(r.measured().get(0).failure()).hasValue("the benchmark produced no result");
        assertThat(r.measured().get(1).ok()).isTrue();
        assertThat(r.paired().getFirst().value()).isNaN();
        assertThat(err.toString()).contains("xensim bench --quick: Test broken: the benchmark produced no result; "
                + "JMH's report of the run:").contains("NumberFormatException");
    }

    @Test
    void anUnknownNameIsAUsageErrorListingTheNames() {
        assertThat(run("bench", "--quick", "Nope")).isEqualTo(2);
        assertThat(err.toString()).contains("--quick: no benchmark Nope (expected: RingThroughput, XenstoreSocket, "
                + "NetifPair, BlkifPair, PvVersusEmulated)");
    }

    @Test
    void anOptionThatWouldChangeTheCasesIsRefused() {
        assertThat(run("bench", "--quick", "NetifPair", "-p", "size=64")).isEqualTo(2);
        assertThat(err.toString()).contains("--quick takes only the JMH options -f, -wi, -w, -i, -r and "
                + "-jvmArgsAppend: -p");
    }

    @Test
    void jsonNeedsQuick() {
        assertThat(run("bench", "--json")).isEqualTo(2);
        assertThat(err.toString()).contains("--json needs --quick");
    }

    @Test
    void aBadJmhValueIsAUsageError() {
        assertThat(run("bench", "--quick", "NetifPair", "-i", "many")).isEqualTo(2);
        assertThat(err.toString()).contains("JMH: ");
    }

    @Test
    void theHelpDescribesQuickJsonScaleAndTheExitStatus() {
        assertThat(run("help", "bench")).isZero();
        assertThat(out.toString().replaceAll("\\s+", " ")).contains("--quick", "--json", "--scale", "--guests=N",
                "RingThroughput, XenstoreSocket, NetifPair, BlkifPair, PvVersusEmulated", "Exit status: 0");
    }
}
