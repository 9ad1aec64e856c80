package io.xensim.testbed.cli;

import io.xensim.testbed.bench.QuickSet;
import io.xensim.testbed.bench.QuickSet.Group;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * The arguments of {@code bench --quick}: the group NAMEs and the few JMH options that change how long each case
 * runs. Options that would change what runs ({@code -p}, a regex, {@code -t}) are refused, because the quick set's
 * pairings hold only for the cases it declares.
 *
 * @param groups   the groups to run, in {@link QuickSet} order
 * @param settings the quick defaults with the given JMH options applied
 */
record QuickCli(List<Group> groups, QuickBench.Settings settings) {
    /** The JMH options {@code --quick} honours; each takes one value. */
    static final Set<String> OPTIONS = Set.of("-f", "-wi", "-w", "-i", "-r", "-jvmArgsAppend");

    static QuickCli parse(CommandLine cmd, List<String> args) {
        List<String> names = new ArrayList<>();
        List<String> jmh = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (OPTIONS.contains(a)) {
                if (i + 1 == args.size()) {
                    throw new ParameterException(cmd, a + " needs a value");
                }
                jmh.add(a);
                jmh.add(args.get(++i));
            } else if (a.startsWith("-") && !a.equals("--")) {
                throw new ParameterException(cmd, "--quick takes only the JMH options -f, -wi, -w, -i, -r and "
                        + "-jvmArgsAppend: " + a);
            } else if (!a.equals("--")) {
                names.add(a);
            }
        }
        CommandLineOptions options;
        try {
            options = new CommandLineOptions(jmh.toArray(String[]::new));
        } catch (CommandLineOptionException e) {
            throw new ParameterException(cmd, "JMH: " + e.getMessage());
        }
        QuickBench.Settings d = QuickBench.Settings.defaults();
        Collection<String> append = options.getJvmArgsAppend().orElse(List.of());
        QuickBench.Settings settings = new QuickBench.Settings(
                options.getForkCount().orElse(d.forks()),
                options.getWarmupIterations().orElse(d.warmupIterations()),
                options.getWarmupTime().orElse(d.warmupTime()),
                options.getMeasurementIterations().orElse(d.measurementIterations()),
                options.getMeasurementTime().orElse(d.measurementTime()),
                List.copyOf(append));
        return new QuickCli(groups(cmd, names), settings);
    }

    private static List<Group> groups(CommandLine cmd, List<String> names) {
        if (names.isEmpty()) {
            return QuickSet.groups();
        }
        List<Group> chosen = new ArrayList<>();
        for (String name : names) {
            String n = name.toLowerCase(Locale.ROOT);
            Group g = QuickSet.groups().stream()
                    .filter(x -> n.equals(x.name().toLowerCase(Locale.ROOT))
                            || n.equals(x.name().toLowerCase(Locale.ROOT) + "benchmark"))
                    .findFirst()
                    .orElseThrow(() -> new ParameterException(cmd, "--quick: no benchmark " + name
                            + " (expected: " + QuickSet.NAMES + ")"));
            if (!chosen.contains(g)) {
                chosen.add(g);
            }
        }
        // Run in the declared order whatever order they were named in.
        return QuickSet.groups().stream().filter(chosen::contains).toList();
    }
}
