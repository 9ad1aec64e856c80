package io.xensim.testbed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.testbed.scenario.Scenario;
import io.xensim.testbed.scenario.ScenarioResult;
import io.xensim.testbed.scenario.Scenarios;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

@Timeout(120)
class ScenarioCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int xensim(String... args) {
        CommandLine cli = Xensim.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void withoutANameEveryScenarioIsListedWithItsSummary() {
        assertThat(xensim("scenario")).isZero();
        for (Scenario s : Scenarios.all()) {
            assertThat(out.toString()).containsPattern("(?m)^  " + s.name() + " +" + java.util.regex.Pattern.quote(
                    s.summary()) + "$");
        }
        assertThat(Scenarios.all()).extracting(Scenario::name).doesNotHaveDuplicates();
    }

    @Test
    void theListAsJson() {
        assertThat(xensim("scenario", "--json")).isZero();
        assertThat(out.toString()).startsWith("[").contains("{\"name\":\"pv-on-hvm\",\"summary\":");
    }

    @Test
    void theHelpNamesEveryScenarioAndTheExitStatus() {
        assertThat(xensim("scenario", "--help")).isZero();
        String help = out.toString().replaceAll("\\s+", " ");
        for (Scenario s : Scenarios.all()) {
            assertThat(help).contains(s.name());
        }
        assertThat(help).contains("Exit status: 0 when its claim held, 1 when it did not, 2 usage error");
    }

    @Test
    void anUnknownNameIsAUsageErrorNamingTheKnownOnes() {
        assertThat(xensim("scenario", "no-such")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown scenario 'no-such'", "pv-on-hvm");
    }

    @Test
    void aRunEndsWithItsFindingAndExitsZeroWhenTheClaimHeld() {
        assertThat(xensim("scenario", "nmi-watchdog")).as("%s", out).isZero();
        assertThat(out.toString()).contains("Kernel panic - not syncing", "[ok]   rhel6.0 panics")
                .containsPattern("Finding: nmi_watchdog=1 crashes")
                .endsWith("The claim held." + System.lineSeparator());
    }

    @Test
    void aRunAsJson() {
        assertThat(xensim("scenario", "--json", "pv-on-hvm")).isZero();
        assertThat(out.toString().strip()).startsWith("{\"scenario\":\"pv-on-hvm\",\"held\":true,\"finding\":")
                .doesNotContain("xl create");
    }

    @Test
    void jsonStringsAreEscaped() {
        assertThat(Json.write("a \"b\" \\ \n\u0001")).isEqualTo("\"a \\\"b\\\" \\\\ \\n\\u0001\"");
    }

    @Test
    void aClaimThatDidNotHoldExitsOneAndSaysWhichCheckFailed() {
        Scenario failing = new Scenario() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public String summary() {
                return "a claim that does not hold";
            }

            @Override
            public ScenarioResult run(PrintWriter steps) {
                steps.println("step one");
                return ScenarioResult.of("It did not hold.", List.of(new ScenarioResult.Check("one", true, "fine"),
                        new ScenarioResult.Check("two", false, "3 bytes differ")));
            }
        };
        CommandLine cli = new CommandLine(new ScenarioCommand(List.of(failing)));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute("broken")).isEqualTo(1);
        assertThat(out.toString()).contains("step one", "[ok]   one: fine", "[FAIL] two: 3 bytes differ",
                "Finding: It did not hold.", "The claim did NOT hold.");
        out.getBuffer().setLength(0);
        assertThat(cli.execute("--json", "broken")).isEqualTo(1);
        assertThat(out.toString().strip()).isEqualTo("{\"scenario\":\"broken\",\"held\":false,\"finding\":"
                + "\"It did not hold.\",\"checks\":[\"[ok]   one: fine\",\"[FAIL] two: 3 bytes differ\"]}");
    }
}
