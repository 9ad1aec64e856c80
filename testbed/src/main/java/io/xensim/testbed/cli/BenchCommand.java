package io.xensim.testbed.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code xensim bench [JMH options] [benchmark regex]}: runs the JMH benchmarks packed in the xensim jar
 * ({@code RingThroughput}, {@code XenstoreSocket}, ...) with JMH's own command line, so the launcher's choice of JDK
 * applies to the benchmark and its forked JVMs alike. Commands and recorded results are in docs/PERFORMANCE.md.
 */
@Command(name = "bench",
        description = {"Run the JMH benchmarks (JMH's own options, e.g. `bench RingThroughput -f 1 -wi 3 -i 5`;"
                + " `bench -l` lists them, `bench -h` shows JMH's help)."})
final class BenchCommand implements Callable<Integer> {
    /** Every argument, options included, belongs to JMH: picocli passes them through untouched. */
    @Unmatched
    List<String> jmhArgs = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        // JMH exits the JVM itself with status 1 on a bad option or a failed benchmark; on success it returns.
        org.openjdk.jmh.Main.main(jmhArgs.toArray(String[]::new));
        return 0;
    }
}
