package io.xensim.testbed.cli;

import io.xensim.testbed.fault.Fault;
import io.xensim.testbed.fault.Faults;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code xensim conformance [--json]}: runs every {@link Faults fault case} against the built-in peers, prints each
 * case's expected and observed outcome, and ends with {@code N passed, N failed}; exit 0 only if all passed. A case
 * that throws has failed, with the exception as what was observed.
 *
 * <p><b>Threading:</b> the command's thread runs each case in turn (each steps its own INVOKER hypervisor).
 */
@Command(name = "conformance",
        description = {"Inject each fault into the built-in blkfront/blkback and netfront/netback pairs and check its "
                        + "promised outcome.",
                "Ends with 'N passed, N failed'; exit 0 only if every case passed."},
        mixinStandardHelpOptions = true)
public final class ConformanceCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print the cases (name, expected, observed, passed) and the counts as "
            + "JSON.")
    boolean json;

    private final List<Fault> faults;

    public ConformanceCommand() {
        this(Faults.all());
    }

    /** A command over other cases than {@link Faults#all()} (tests). */
    ConformanceCommand(List<Fault> faults) {
        this.faults = List.copyOf(faults);
    }

    private record Case(Fault fault, boolean passed, String observed) {
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (!json) {
            out.println("xensim conformance: " + faults.size() + " fault cases against the built-in peers");
            out.println();
        }
        List<Case> cases = new ArrayList<>();
        for (Fault fault : faults) {
            Case c = run(fault);
            cases.add(c);
            if (!json) {
                out.println((c.passed() ? "PASS  " : "FAIL  ") + fault.name());
                out.println("      expected: " + fault.expected());
                out.println("      observed: " + c.observed());
                out.flush();
            }
        }
        long passed = cases.stream().filter(Case::passed).count();
        long failed = cases.size() - passed;
        if (json) {
            out.println(json(cases, passed, failed));
        } else {
            out.println();
            out.println(passed + " passed, " + failed + " failed");
        }
        out.flush();
        return failed == 0 ? 0 : 1;
    }

    private static Case run(Fault fault) {
        try {
            Fault.Outcome outcome = fault.inject();
            return new Case(fault, outcome.passed(), outcome.observed());
        } catch (RuntimeException e) {
            return new Case(fault, false, "threw " + e);
        }
    }

    private static String json(List<Case> cases, long passed, long failed) {
        List<Map<String, Object>> list = new ArrayList<>();
        for (Case c : cases) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", c.fault().name());
            m.put("expected", c.fault().expected());
            m.put("observed", c.observed());
            m.put("passed", c.passed());
            list.add(m);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("cases", list);
        root.put("passed", passed);
        root.put("failed", failed);
        return Json.write(root);
    }
}
