package io.xensim.testbed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BenchCommandTest {
    @Test
    void listsTheBenchmarksPackedInTheJar() {
        PrintStream original = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            exit = Xensim.commandLine().execute("bench", "-l");
        } finally {
            System.setOut(original);
        }
        assertThat(exit).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("io.xensim.testbed.bench.RingThroughputBenchmark.xenRing")
                .contains("io.xensim.testbed.bench.RingThroughputBenchmark.jctoolsSpscPair")
                .contains("XenstoreSocketBenchmark");
    }
}
