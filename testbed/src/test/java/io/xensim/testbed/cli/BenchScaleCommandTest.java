package io.xensim.testbed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

class BenchScaleCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cmd = Xensim.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute(args);
    }

    @Test
    @Timeout(120)
    void scaleReportsARowPerGuestCountAndTheRatio() {
        int exit = run("bench", "--scale", "--guests", "3,10");

        assertThat(exit).as(err.toString()).isZero();
        assertThat(out.toString())
                .contains("guests", "boot ms/guest", "heap KiB/guest", "threads/guest", "dom0 ports/guest", "frames")
                .containsPattern("(?m)^\\s+3 .* 3/3\\s*$")
                .containsPattern("(?m)^\\s+10 .* 10/10\\s*$")
                .contains("per guest, 10 vs 3 guests: boot time");
    }

    @Test
    void aGuestCountBelowTwoIsAUsageError() {
        assertThat(run("bench", "--scale", "--guests", "1")).isEqualTo(2);
        assertThat(err.toString()).contains("--guests: 1");
    }

    @Test
    void guestsWithoutScaleIsAUsageErrorNotAJmhRun() {
        assertThat(run("bench", "--guests", "10")).isEqualTo(2);
        assertThat(err.toString()).contains("--guests needs --scale");
    }

    @Test
    void scaleWithJmhArgumentsIsAUsageError() {
        assertThat(run("bench", "--scale", "-f", "1")).isEqualTo(2);
        assertThat(err.toString()).contains("--scale takes no JMH arguments");
    }
}
