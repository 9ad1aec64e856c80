package io.xensim.testbed.cli;

import io.xensim.testbed.scenario.Scenario;
import io.xensim.testbed.scenario.ScenarioResult;
import io.xensim.testbed.scenario.Scenarios;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code xensim scenario [NAME]}: without a name, lists the {@link Scenarios} (name and one line); with one, runs
 * it, printing its steps, the facts it checked and a {@code Finding:} paragraph, and exits 0 when its claim held,
 * 1 when it did not. {@code --json} prints the list or the result as JSON instead.
 */
@Command(name = "scenario",
        description = {"Replay one of the seed's findings on the simulator and check it.",
                "Without NAME: list the scenarios. With NAME: run it: its steps, the checks and a Finding:.",
                "Exit status: 0 when its claim held, 1 when it did not, 2 usage error (an unknown NAME)."},
        mixinStandardHelpOptions = true)
public final class ScenarioCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", completionCandidates = Names.class,
            description = "The scenario to run: ${COMPLETION-CANDIDATES}.")
    String name;

    @Option(names = "--json", description = "Print the list, or the result (held, finding, checks), as JSON; a "
            + "run's steps are not printed.")
    boolean json;

    private final List<Scenario> scenarios;

    /** The scenarios' names, for the help text. */
    static final class Names implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Scenarios.all().stream().map(Scenario::name).iterator();
        }
    }

    public ScenarioCommand() {
        this(Scenarios.all());
    }

    /** A command over other scenarios than {@link Scenarios#all()} (tests). */
    ScenarioCommand(List<Scenario> scenarios) {
        this.scenarios = List.copyOf(scenarios);
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (name == null) {
            list(out);
            out.flush();
            return 0;
        }
        Scenario scenario = scenarios.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new ParameterException(spec.commandLine(), "Unknown scenario '" + name
                        + "' (known: " + scenarios.stream().map(Scenario::name).collect(Collectors.joining(", "))
                        + ")"));
        if (json) {
            ScenarioResult result = scenario.run(new PrintWriter(Writer.nullWriter()));
            out.println(json(scenario, result));
            out.flush();
            return result.held() ? 0 : 1;
        }
        out.println("xensim scenario " + scenario.name() + ": " + scenario.summary());
        out.println();
        ScenarioResult result = scenario.run(out);
        out.println("Checks:");
        result.checks().forEach(c -> out.println("  " + c));
        out.println();
        out.println("Finding: " + result.finding());
        out.println();
        out.println(result.held() ? "The claim held." : "The claim did NOT hold.");
        out.flush();
        return result.held() ? 0 : 1;
    }

    private void list(PrintWriter out) {
        List<Scenario> all = scenarios;
        if (json) {
            out.println(Json.write(all.stream().map(s -> {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("name", s.name());
                o.put("summary", s.summary());
                return o;
            }).toList()));
            return;
        }
        int width = all.stream().mapToInt(s -> s.name().length()).max().orElse(0);
        out.println("Scenarios (run one with: xensim scenario NAME):");
        all.forEach(s -> out.println("  " + s.name() + " ".repeat(width - s.name().length() + 2) + s.summary()));
    }

    static String json(Scenario scenario, ScenarioResult result) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("scenario", scenario.name());
        o.put("held", result.held());
        o.put("finding", result.finding());
        o.put("checks", result.checks());
        return Json.write(o);
    }
}
