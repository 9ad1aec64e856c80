package io.xensim.testbed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProgressTest {
    private final StringWriter err = new StringWriter();

    @Test
    void onATerminalEachStepRewritesTheLineAndDoneErasesIt() {
        Progress p = new Progress(new PrintWriter(err), true);
        p.step(1, 12, "RingThroughput xenRing");
        p.step(2, 12, "NetifPair x");
        p.done();
        // The shorter second line blanks what the first left behind; done() blanks the line and returns to column 0.
        String first = "[1/12] RingThroughput xenRing ...";
        String second = "[2/12] NetifPair x ...";
        assertThat(err.toString()).isEqualTo("\r" + first + "\r" + second
                + " ".repeat(first.length() - second.length()) + "\r" + " ".repeat(second.length()) + "\r");
    }

    @Test
    void withoutATerminalNothingIsPrinted() {
        Progress p = new Progress(new PrintWriter(err), false);
        p.step(1, 3, "a");
        p.done();
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void doneWithNothingShownPrintsNothing() {
        new Progress(new PrintWriter(err), true).done();
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void aTimedRunShowsElapsedOfTotal() {
        Progress p = new Progress(new PrintWriter(err), true);
        p.tick("workload stream", Duration.ofMillis(3_400), Duration.ofSeconds(10));
        assertThat(err.toString()).isEqualTo("\r[3 s/10 s] workload stream ...");
    }

    @Test
    void aTimedRunWithoutATerminalStartsNothingAndPrintsNothing() {
        Progress p = new Progress(new PrintWriter(err), false);
        try (Progress.Running r = p.during("workload stream", Duration.ofSeconds(10))) {
            assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().equals("xensim-progress"));
        }
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void closingATimedRunOnATerminalErasesItsLine() {
        Progress p = new Progress(new PrintWriter(err), true);
        Progress.Running r = p.during("w", Duration.ofSeconds(10));
        r.close();
        // Whether the first tick ran before close() is up to the scheduler; either way the line ends erased.
        String s = err.toString();
        assertThat(s.isEmpty() || s.equals("\r[0 s/10 s] w ...\r" + " ".repeat(16) + "\r")).as(s).isTrue();
    }

    @Test
    void underTheTestRunnerNoTerminalIsAttached() {
        // Surefire's forked JVM has its stdout piped: the commands' progress must stay silent there, as in CI.
        assertThat(Progress.terminalAttached()).isFalse();
    }
}
