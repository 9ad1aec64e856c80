package io.xensim.testbed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** Each command's help is enough to use it: its options, what they default to, the exit status. */
class XensimHelpTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private String help(String... args) {
        CommandLine cli = Xensim.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        assertThat(cli.execute(args)).isZero();
        return out.toString().replaceAll("\\s+", " ");
    }

    @Test
    void theTopHelpListsVerboseLoggingAndTheExitStatus() {
        assertThat(help("--help")).contains("-v, --verbose", "-v INFO, -vv DEBUG, -vvv TRACE (default: WARN)",
                "Logging goes to stderr at WARN ($XENSIM_LOG_LEVEL changes it)",
                "Exit status: 0 success, 1 failure", "2 usage error");
    }

    @Test
    void everySubcommandHasADescription() {
        CommandLine cli = Xensim.commandLine();
        cli.getSubcommands().forEach((name, sub) -> assertThat(sub.getCommandSpec().usageMessage().description())
                .as(name).isNotEmpty());
    }

    @Test
    void benchDashDashHelpIsXensimsAndDashHStaysJmhs() {
        assertThat(help("bench", "--help")).contains("Usage: xensim bench", "--quick", "--json", "--scale",
                "(JMH's own help: -h)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"abi", "bench", "boot", "trace", "xenstored"})
    void theseStateTheirExitStatus(String command) {
        assertThat(help("help", command)).contains("Exit status").contains("2");
    }

    @Test
    void xenstoredsLogLevelSaysItsDefault() {
        assertThat(help("help", "xenstored")).contains("default: $XENSIM_LOG_LEVEL, else INFO");
    }
}
