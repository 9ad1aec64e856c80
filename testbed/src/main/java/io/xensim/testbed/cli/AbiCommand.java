package io.xensim.testbed.cli;

import io.xensim.xenbus.abi.AbiFact;
import io.xensim.xenbus.abi.AbiFacts;
import io.xensim.xenbus.abi.probe.AbiCheck;
import io.xensim.xenbus.abi.probe.AbiProbe;
import io.xensim.xenbus.abi.probe.GoldenTableGenerator;
import io.xensim.xenbus.abi.probe.ProbeUnavailableException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code xensim abi}: prints every ABI fact the Java code relies on as {@code name<TAB>value}, in the spelling of
 * {@code abi-golden.tsv}; with {@code --check}, compiles a C probe for exactly those names against the installed
 * Xen headers and reports every disagreement; with {@code --golden}, prints the golden table regenerated from the
 * installed headers by the same probe.
 */
@Command(name = "abi",
        description = {
                "Print the Xen ABI facts (sizes, offsets, constants) the Java code relies on, as name<TAB>value.",
                "With --check, compile a C probe of the same names against the installed Xen headers with gcc and "
                        + "report each fact that disagrees or that the headers do not define.",
                "With --golden, print the golden ABI table (abi-golden.tsv) regenerated from the installed headers.",
                "Exit status with --check or --golden: 0 all agree (--golden: table printed), 1 a disagreement "
                        + "(--golden: a name the headers do not define), 2 gcc or the headers unavailable."},
        mixinStandardHelpOptions = true)
public final class AbiCommand implements Callable<Integer> {
    static final int AGREE = 0;
    static final int DISAGREE = 1;
    static final int UNAVAILABLE = 2;

    private final Supplier<List<AbiFact>> registeredFacts;

    @Spec
    CommandSpec spec;

    @Option(names = "--check", description = "Compare the facts with the values the Xen headers give.")
    boolean check;

    @Option(names = "--golden", description = "Print the golden ABI table regenerated from the Xen headers.")
    boolean golden;

    @Option(names = "--include-dir", paramLabel = "DIR",
            description = "With --check or --golden: the directory holding xen/io/ring.h and the other headers "
                    + "(default: ${DEFAULT-VALUE}).")
    Path includeDir = AbiProbe.DEFAULT_INCLUDE_DIR;

    public AbiCommand() {
        this(AbiFacts::all);
    }

    /** Checks {@code registeredFacts} instead of every registered source (tests). */
    AbiCommand(Supplier<List<AbiFact>> registeredFacts) {
        this.registeredFacts = registeredFacts;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (golden) {
            return golden(out, err);
        }
        List<AbiFact> facts;
        try {
            facts = registeredFacts.get();
        } catch (IllegalStateException e) { // two sources give one name two values: a disagreement in the code
            err.println("xensim abi: " + e.getMessage());
            err.flush();
            return DISAGREE;
        }
        if (!check) {
            for (AbiFact fact : facts) {
                out.println(fact.name() + "\t" + fact.value());
            }
            out.flush();
            return AGREE;
        }
        return check(facts, out, err);
    }

    private int golden(PrintWriter out, PrintWriter err) {
        GoldenTableGenerator.Result result;
        try {
            result = GoldenTableGenerator.generate(new AbiProbe(includeDir));
        } catch (ProbeUnavailableException e) {
            err.println("xensim abi --golden: cannot read the Xen headers: " + e.getMessage());
            err.flush();
            return UNAVAILABLE;
        }
        if (!result.ok()) {
            result.problems().forEach((name, problem) -> err.println("xensim abi --golden: " + name + ": " + problem));
            err.flush();
            return DISAGREE;
        }
        out.print(result.text());
        out.flush();
        return AGREE;
    }

    private int check(List<AbiFact> facts, PrintWriter out, PrintWriter err) {
        AbiProbe probe = new AbiProbe(includeDir);
        AbiCheck result;
        try {
            result = probe.check(facts);
        } catch (ProbeUnavailableException e) {
            err.println("xensim abi --check: cannot check against the Xen headers: " + e.getMessage());
            err.flush();
            return UNAVAILABLE;
        }
        for (AbiCheck.Mismatch m : result.mismatches()) {
            out.println("DIFFERS\t" + m.name() + "\tjava=" + m.javaValue() + "\theaders=" + m.headerValue());
        }
        for (Map.Entry<String, String> u : result.unevaluated().entrySet()) {
            out.println("NOT IN HEADERS\t" + u.getKey() + "\t" + u.getValue());
        }
        out.println(facts.size() + " facts checked against " + probe.includeDir() + ": " + result.agreed()
                + " agree, " + result.mismatches().size() + " differ, " + result.unevaluated().size()
                + " not evaluable");
        out.flush();
        return result.allAgree() ? AGREE : DISAGREE;
    }
}
