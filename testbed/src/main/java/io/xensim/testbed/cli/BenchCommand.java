package io.xensim.testbed.cli;

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
 * <p>{@code bench --scale [--guests 10,100,1000]} runs the scale run instead ({@link ScaleRun}): N guests with a
 * vif and a vbd each in this JVM, their boot time, heap and threads per guest.
 */
@Command(name = "bench",
        description = {"Run the JMH benchmarks (JMH's own options, e.g. `bench RingThroughput -f 1 -wi 3 -i 5`;"
                + " `bench -l` lists them, `bench -h` shows JMH's help).",
                "`bench --scale [--guests 10,100,1000]` boots N guests (one vif, one vbd each) in this JVM and reports"
                        + " boot time, heap and threads per guest."})
final class BenchCommand implements Callable<Integer> {
    private static final List<Integer> DEFAULT_GUESTS = List.of(10, 100, 1000);

    /** Every argument, options included, belongs to JMH: picocli passes them through untouched. */
    @Unmatched
    List<String> jmhArgs = new ArrayList<>();

    @Option(names = "--scale", description = "Run the scale run instead of JMH.")
    boolean scale;

    @Option(names = "--guests", split = ",", paramLabel = "N",
            description = "With --scale: the guest counts to run, in order (default: 10,100,1000).")
    List<Integer> guests;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (scale) {
            return scale(guests == null ? DEFAULT_GUESTS : guests);
        }
        if (guests != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--guests needs --scale");
        }
        // JMH exits the JVM itself with status 1 on a bad option or a failed benchmark; on success it returns.
        org.openjdk.jmh.Main.main(jmhArgs.toArray(String[]::new));
        return 0;
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
        // One untimed run of the smallest count first, so the first row does not carry the JIT's warm-up.
        try {
            new ScaleRun(guests.stream().mapToInt(Integer::intValue).min().orElseThrow()).run();
        } catch (IllegalStateException e) {
            spec.commandLine().getErr().println("xensim bench --scale: warm-up: " + e.getMessage());
            return 1;
        }
        List<ScaleResult> results = new ArrayList<>();
        boolean allArrived = true;
        for (int n : guests) {
            ScaleResult r;
            try {
                r = new ScaleRun(n).run();
            } catch (IllegalStateException e) {
                spec.commandLine().getErr().println("xensim bench --scale: " + n + " guests: " + e.getMessage());
                return 1;
            }
            results.add(r);
            ScaleReport.row(out, r);
            allArrived &= r.framesReceived() == r.framesSent();
        }
        ScaleReport.ratios(out, results);
        return allArrived ? 0 : 1;
    }
}
