package io.xensim.testbed.cli;

import io.xensim.testbed.bench.QuickSet;
import io.xensim.testbed.scale.ScaleReport;
import io.xensim.testbed.scale.ScaleResult;
import io.xensim.testbed.scale.ScaleRun;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code xensim bench [JMH options] [benchmark regex]}: runs the JMH benchmarks packed in the xensim jar
 * ({@code RingThroughput}, {@code XenstoreSocket}, ...) with JMH's own command line, so the launcher's choice of JDK
 * applies to the benchmark and its forked JVMs alike. Commands and recorded results are in docs/PERFORMANCE.md.
 *
 * <p>{@code bench --quick [NAME...]} runs the short set of {@link QuickSet} instead ({@link QuickBench}) and prints
 * each case beside its in-run baseline as a ratio, against the target where docs/PERFORMANCE.md states one.
 *
 * <p>{@code bench --scale [--guests 10,100,1000]} runs the scale run instead ({@link ScaleRun}): N guests with a
 * vif and a vbd each in this JVM, their boot time, heap and threads per guest.
 *
 * <p><b>Threading:</b> the command's thread; JMH forks the benchmark JVMs and waits for them.
 */
@Command(name = "bench",
        description = {"Run the JMH benchmarks (JMH's own options, e.g. `bench RingThroughput -f 1 -wi 3 -i 5`;"
                + " `bench -l` lists them, `bench -h` shows JMH's help).",
                "`bench --quick [NAME...]` runs a short set (key cases only, 1 fork, warm-up 1 x 1 s, measurement"
                        + " 3 x 1 s; about 2 minutes, one NAME much less) and prints each case's score, its in-run"
                        + " baseline, the ratio and the target from docs/PERFORMANCE.md (met/missed). NAME: "
                        + QuickSet.NAMES + ". JMH's -f, -wi, -w, -i, -r and -jvmArgsAppend override the short"
                        + " settings, e.g. `bench --quick NetifPair -i 5`.",
                "`bench --scale [--guests 10,100,1000]` boots N guests (one vif, one vbd each) in this JVM and reports"
                        + " boot time, heap and threads per guest.",
                "Progress is shown on stderr when it is a terminal.",
                "Exit status: 0 done (a missed target is a result, not a failure), 1 a benchmark failed or (--scale)"
                        + " frames were lost, 2 usage error; JMH's own runs exit as JMH does."})
final class BenchCommand implements Callable<Integer> {
    private static final List<Integer> DEFAULT_GUESTS = List.of(10, 100, 1000);

    /** Every argument, options included, belongs to JMH: picocli passes them through untouched. */
    @Unmatched
    List<String> jmhArgs = new ArrayList<>();

    /** {@code --help} only: {@code -h} stays JMH's, as the description says. */
    @Option(names = "--help", usageHelp = true, description = "Show this help and exit (JMH's own help: -h).")
    boolean help;

    @Option(names = "--scale", description = "Run the scale run instead of JMH.")
    boolean scale;

    @Option(names = "--quick", description = "Run the short set with its ratios table instead of JMH's own run.")
    boolean quick;

    @Option(names = "--json", description = "With --quick: print the cases (score, error, unit, params) and the "
            + "ratios (baseline, ratio, target, met) as JSON instead of the table.")
    boolean json;

    @Option(names = "--guests", split = ",", paramLabel = "N",
            description = "With --scale: the guest counts to run, in order (default: 10,100,1000).")
    List<Integer> guests;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (scale && quick) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--scale and --quick exclude each other");
        }
        if (json && !quick) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--json needs --quick");
        }
        if (scale) {
            return scale(guests == null ? DEFAULT_GUESTS : guests);
        }
        if (guests != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--guests needs --scale");
        }
        if (quick) {
            return quick();
        }
        // JMH exits the JVM itself with status 1 on a bad option or a failed benchmark; on success it returns.
        org.openjdk.jmh.Main.main(jmhArgs.toArray(String[]::new));
        return 0;
    }

    private int quick() {
        QuickCli args = QuickCli.parse(spec.commandLine(), jmhArgs);
        QuickBench.Results results;
        try {
            results = new QuickBench(args.groups(), args.settings(), Progress.onStderr(spec),
                    spec.commandLine().getErr()).run();
        } catch (QuickBench.Aborted e) {
            spec.commandLine().getErr().println("xensim bench --quick: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 1;
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(QuickReport.json(results));
            out.flush();
        } else {
            QuickReport.table(out, results);
        }
        return results.allRan() ? 0 : 1;
    }

    private int scale(List<Integer> guests) {
        if (!jmhArgs.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--scale takes no JMH arguments: " + jmhArgs);
        }
        for (int n : guests) {
            if (n < 2 || n > 32751) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "--guests: " + n + " (expected: 2..32751)");
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        ScaleReport.header(out);
        Progress progress = Progress.onStderr(spec);
        int steps = guests.size() + 1;
        // One untimed run of the largest count first, so that every row is measured with the JIT warm: a warm-up
        // of the smallest count left the first rows 3-5x slower per guest than the same counts after a large run.
        int largest = guests.stream().mapToInt(Integer::intValue).max().orElseThrow();
        progress.step(1, steps, "warm-up, " + largest + " guests");
        try {
            new ScaleRun(largest).run();
        } catch (IllegalStateException e) {
            progress.done();
            spec.commandLine().getErr().println("xensim bench --scale: warm-up: " + e.getMessage());
            return 1;
        }
        List<ScaleResult> results = new ArrayList<>();
        boolean allArrived = true;
        for (int i = 0; i < guests.size(); i++) {
            int n = guests.get(i);
            progress.step(i + 2, steps, n + " guests");
            ScaleResult r;
            try {
                r = new ScaleRun(n).run();
            } catch (IllegalStateException e) {
                progress.done();
                spec.commandLine().getErr().println("xensim bench --scale: " + n + " guests: " + e.getMessage());
                return 1;
            }
            progress.done();
            results.add(r);
            ScaleReport.row(out, r);
            allArrived &= r.framesReceived() == r.framesSent();
        }
        ScaleReport.ratios(out, results);
        return allArrived ? 0 : 1;
    }
}
