package io.xensim.testbed.cli;

import io.xensim.testbed.bench.QuickSet;
import io.xensim.testbed.bench.QuickSet.Case;
import io.xensim.testbed.bench.QuickSet.Group;
import io.xensim.testbed.bench.QuickSet.Metric;
import io.xensim.testbed.bench.QuickSet.Ratio;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;
import org.openjdk.jmh.util.ListStatistics;

/**
 * The runner behind {@code xensim bench --quick}: runs each {@link QuickSet} case as its own JMH run (one fork,
 * short warm-up and measurement unless the user's JMH options say otherwise), then pairs the results as
 * {@link QuickSet} declares. JMH's own report of each run is kept in memory and shown on stderr only when the run
 * failed, so that the table is the whole output.
 *
 * <p><b>Threading:</b> the command's thread; JMH forks a JVM per case and waits for it.
 */
final class QuickBench {
    /** What the quick set runs unless the user's JMH options override it: about 6 s per case with the fork. */
    static final int FORKS = 1;
    static final int WARMUP_ITERATIONS = 1;
    static final TimeValue WARMUP_TIME = TimeValue.seconds(1);
    /** Three, because JMH gives no error bar for fewer. */
    static final int MEASUREMENT_ITERATIONS = 3;
    static final TimeValue MEASUREMENT_TIME = TimeValue.seconds(1);

    /** The run settings, the quick defaults with the user's overrides applied. */
    record Settings(int forks, int warmupIterations, TimeValue warmupTime, int measurementIterations,
            TimeValue measurementTime, List<String> jvmArgsAppend) {
        static Settings defaults() {
            return new Settings(FORKS, WARMUP_ITERATIONS, WARMUP_TIME, MEASUREMENT_ITERATIONS, MEASUREMENT_TIME,
                    List.of());
        }
    }

    /** One case's number in its metric, or why there is none. */
    record Measured(Group group, Case c, double score, double error, String unit, Optional<String> failure) {
        boolean ok() {
            return failure.isEmpty();
        }
    }

    /** A declared ratio, computed; {@code value} is NaN when either side failed. */
    record Paired(Group group, Ratio ratio, Measured measured, Measured baseline, double value) {
        Optional<Boolean> met() {
            if (Double.isNaN(value)) {
                return Optional.empty();
            }
            return ratio.target().map(t -> t.met(value));
        }
    }

    record Results(Settings settings, List<Measured> measured, List<Paired> paired) {
        boolean allRan() {
            return measured.stream().allMatch(Measured::ok);
        }
    }

    /** JMH could not run at all; the run stops at the first such case. */
    static final class Aborted extends RuntimeException {
        Aborted(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final List<Group> groups;
    private final Settings settings;
    private final Progress progress;
    private final PrintWriter failures;

    QuickBench(List<Group> groups, Settings settings, Progress progress, PrintWriter failures) {
        this.groups = List.copyOf(groups);
        this.settings = settings;
        this.progress = progress;
        this.failures = failures;
    }

    Results run() {
        int total = groups.stream().mapToInt(g -> g.cases().size()).sum();
        int n = 0;
        List<Measured> measured = new ArrayList<>();
        try {
            for (Group g : groups) {
                for (Case c : g.cases()) {
                    progress.step(++n, total, g.name() + " " + c.id());
                    measured.add(measure(g, c));
                }
            }
        } finally {
            progress.done();
        }
        List<Paired> paired = new ArrayList<>();
        for (Group g : groups) {
            for (Ratio r : g.ratios()) {
                Measured m = find(measured, g, r.caseId());
                Measured b = find(measured, g, r.baselineId());
                double value = m.ok() && b.ok() && b.score() != 0 ? m.score() / b.score() : Double.NaN;
                paired.add(new Paired(g, r, m, b, value));
            }
        }
        return new Results(settings, List.copyOf(measured), List.copyOf(paired));
    }

    private static Measured find(List<Measured> measured, Group g, String id) {
        return measured.stream().filter(m -> m.group() == g && m.c().id().equals(id)).findFirst().orElseThrow();
    }

    private Measured measure(Group g, Case c) {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(c.include())
                .forks(settings.forks())
                .warmupIterations(settings.warmupIterations())
                .warmupTime(settings.warmupTime())
                .measurementIterations(settings.measurementIterations())
                .measurementTime(settings.measurementTime())
                .verbosity(VerboseMode.NORMAL);
        if (!settings.jvmArgsAppend().isEmpty()) {
            options.jvmArgsAppend(settings.jvmArgsAppend().toArray(String[]::new));
        }
        c.params().forEach(options::param);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Collection<RunResult> results;
        try (PrintStream jmhOut = new PrintStream(log, true, StandardCharsets.UTF_8)) {
            results = new Runner(options.build(), OutputFormatFactory.createFormatInstance(jmhOut,
                    VerboseMode.NORMAL)).run();
        } catch (RunnerException e) {
            // JMH itself could not run (its lock held by another JMH run, a broken jar): so would every next case.
            progress.done();
            failures.print(log.toString(StandardCharsets.UTF_8));
            throw new Aborted(g.name() + " " + c.id() + ": JMH: " + e.getMessage(), e);
        }
        if (results.size() != 1) {
            return failed(g, c, results.isEmpty() ? "the benchmark produced no result"
                    : results.size() + " results (expected: 1; a @Param not fixed by the quick set?)", log);
        }
        RunResult result = results.iterator().next();
        return metric(g, c, result, c.metric(), log);
    }

    private Measured metric(Group g, Case c, RunResult result, Metric metric, ByteArrayOutputStream log) {
        if (metric.counter().isEmpty()) {
            Result<?> primary = result.getPrimaryResult();
            return new Measured(g, c, primary.getScore(), primary.getScoreError(),
                    metric.unit().orElse(primary.getScoreUnit()), Optional.empty());
        }
        Result<?> counter = result.getSecondaryResults().get(metric.counter().get());
        if (counter == null) {
            return failed(g, c, "no counter " + metric.counter().get() + " in the result", log);
        }
        String unit = metric.unit().orElse(counter.getScoreUnit());
        if (metric.per().isEmpty()) {
            return new Measured(g, c, counter.getScore(), counter.getScoreError(), unit, Optional.empty());
        }
        // The two counters move together with the load (both are rates), so their quotient is taken per iteration
        // and its statistics are JMH's own (mean, 99.9% error): deterministic counts give an error of 0.
        ListStatistics quotients = new ListStatistics();
        for (BenchmarkResult fork : result.getBenchmarkResults()) {
            for (IterationResult iteration : fork.getIterationResults()) {
                Result<?> n = iteration.getSecondaryResults().get(metric.counter().get());
                Result<?> d = iteration.getSecondaryResults().get(metric.per().get());
                if (n == null || d == null || d.getScore() == 0) {
                    return failed(g, c, "no counter " + metric.per().get() + " to divide by", log);
                }
                quotients.addValue(n.getScore() / d.getScore());
            }
        }
        return new Measured(g, c, quotients.getMean(), quotients.getMeanErrorAt(0.999), unit, Optional.empty());
    }

    private Measured failed(Group g, Case c, String why, ByteArrayOutputStream log) {
        progress.done();
        failures.println("xensim bench --quick: " + g.name() + " " + c.id() + ": " + why
                + "; JMH's report of the run:");
        failures.print(log.toString(StandardCharsets.UTF_8));
        failures.flush();
        return new Measured(g, c, Double.NaN, Double.NaN, "", Optional.of(why));
    }
}
