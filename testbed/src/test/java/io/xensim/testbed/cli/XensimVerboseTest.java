package io.xensim.testbed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * The top command's {@code -v}: {@code xensim demo} attaches a guest's xenstore ring (an INFO line of
 * XenstoreRingServer) and tears it down (DEBUG lines of XenstoreRingBackend); what reaches logback depends on -v.
 */
@Timeout(60)
class XensimVerboseTest {
    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger xensim = (Logger) LoggerFactory.getLogger("io.xensim");

    @BeforeEach
    void listen() {
        logged.start();
        xensim.addAppender(logged);
    }

    @AfterEach
    void stopListening() {
        xensim.detachAppender(logged);
        Xensim.logLevel(0);
    }

    private int xensim(String... args) {
        var cli = Xensim.commandLine();
        cli.setOut(new PrintWriter(new StringWriter(), true));
        cli.setErr(new PrintWriter(new StringWriter(), true));
        return cli.execute(args);
    }

    private List<String> lines(Level level) {
        return logged.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage)
                .toList();
    }

    @Test
    void withoutVerboseNothingIsLogged() {
        // Assumes XENSIM_LOG_LEVEL is unset, as in CI and ./run-tests.
        assertThat(xensim("demo")).isZero();
        assertThat(logged.list).isEmpty();
    }

    @Test
    void verboseOnceLogsInfo() {
        assertThat(xensim("--verbose", "demo")).isZero();
        assertThat(lines(Level.INFO)).anyMatch(l -> l.matches("dom\\d+: xenstore ring attached .*"));
        assertThat(lines(Level.DEBUG)).isEmpty();
    }

    @Test
    void verboseTwiceLogsDebug() {
        assertThat(xensim("-vv", "demo")).isZero();
        assertThat(lines(Level.DEBUG)).anyMatch(l -> l.matches("dom\\d+: xenstore ring released"));
    }

    @Test
    void aLaterRunWithoutVerboseIsQuietAgain() {
        assertThat(xensim("-v", "demo")).isZero();
        logged.list.clear();
        assertThat(xensim("demo")).isZero();
        assertThat(logged.list).isEmpty();
    }
}
