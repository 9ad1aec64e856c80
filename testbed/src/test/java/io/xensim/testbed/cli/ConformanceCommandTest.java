package io.xensim.testbed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.testbed.fault.Fault;
import io.xensim.testbed.fault.Faults;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

@Timeout(120)
class ConformanceCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(CommandLine cli, String... args) {
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    /** A case with a fixed outcome; {@code observed == null} makes it throw. */
    private record Fixed(String name, boolean passed, String observed) implements Fault {
        @Override
        public String expected() {
            return "what " + name + " promises";
        }

        @Override
        public Outcome inject() {
            if (observed == null) {
                throw new IllegalStateException("the pair did not connect");
            }
            return new Outcome(passed, observed);
        }
    }

    @Test
    void everyBuiltInFaultPassesAgainstTheBuiltInPeers() {
        assertThat(run(Xensim.commandLine(), "conformance")).isZero();
        for (Fault f : Faults.all()) {
            assertThat(out.toString()).contains("PASS  " + f.name() + "\n      expected: " + f.expected());
        }
        assertThat(out.toString()).doesNotContain("FAIL").endsWith(Faults.all().size() + " passed, 0 failed\n");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void aFailedOrThrowingCaseIsCountedAndTheExitIsOne() {
        var cli = new CommandLine(new ConformanceCommand(List.of(new Fixed("good", true, "fine"),
                new Fixed("bad", false, "3 writes lost"), new Fixed("broken", false, null))));
        assertThat(run(cli)).isEqualTo(1);
        assertThat(out.toString()).contains("PASS  good\n      expected: what good promises\n      observed: fine",
                "FAIL  bad\n", "      observed: 3 writes lost",
                "FAIL  broken\n", "      observed: threw java.lang.IllegalStateException: the pair did not connect")
                .endsWith("1 passed, 2 failed\n");
    }

    @Test
    void asJson() {
        var cli = new CommandLine(new ConformanceCommand(List.of(new Fixed("good", true, "fine"),
                new Fixed("bad", false, "lost"))));
        assertThat(run(cli, "--json")).isEqualTo(1);
        assertThat(out.toString().strip()).isEqualTo("{\"cases\":[{\"name\":\"good\",\"expected\":\"what good "
                + "promises\",\"observed\":\"fine\",\"passed\":true},{\"name\":\"bad\",\"expected\":\"what bad "
                + "promises\",\"observed\":\"lost\",\"passed\":false}],\"passed\":1,\"failed\":1}");
    }

    @Test
    void anUnknownOptionIsAUsageError() {
        assertThat(run(Xensim.commandLine(), "conformance", "--bogus")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown option: '--bogus'");
    }
}
