package io.xensim.testbed.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

@Timeout(60)
class DemoCommandTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int xensim(String... args) {
        CommandLine cli = Xensim.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void echoDemoPrintsTheHandshakeInTheDocumentedOrderAndExitsZero() {
        int status = xensim("demo", "--echo");

        assertThat(status).isZero();
        assertThat(err.toString()).isEmpty();
        List<String> lines = out.toString().lines().toList();
        // The documented order (io/blkif.h): backend InitWait (features written), frontend grants and publishes its
        // ring-ref and event-channel, frontend Initialised, backend maps and goes Connected, frontend Connected;
        // then the echo traffic; then the unplug: backend Closing (toolstack), frontend Closed, backend Closed.
        assertInOrder(lines,
                "created guest",
                "XS_WRITE /local/domain/0/backend/echo/1/0/feature-echo = \"1\"",
                "==> backend Initialising -> InitWait (2)",
                "gnttab_grant_foreign_access ref",
                "xenbus_alloc_evtchn -> port",
                "XS_WRITE /local/domain/1/device/echo/0/ring-ref",
                "XS_WRITE /local/domain/1/device/echo/0/event-channel",
                "==> frontend Initialising -> Initialised (3)",
                "xenbus_map_ring dom1 refs",
                "bind_interdomain dom1 port",
                "==> backend InitWait -> Connected (4)",
                "==> frontend Initialised -> Connected (4)",
                "request id 1 value 1",
                "served request id 1 value 1",
                "response id 1 status 0 value 1",
                "XS_WRITE /local/domain/0/backend/echo/1/0/state = \"5\"",
                "==> frontend Connected -> Closed (6)",
                "==> backend Connected -> Closed (6)",
                "XS_RM /local/domain/1/device/echo/0",
                "destroyed guest");
        assertThat(lines.getLast()).startsWith("summary: ring-ref 8 granted by d1 to d0")
                .contains("echoed [1, 42, 12648430]");
        // Each line names the domain that acted.
        assertThat(lines).anyMatch(l -> l.contains("d1 guest") && l.contains("==> frontend"))
                .anyMatch(l -> l.contains("d0 dom0") && l.contains("==> backend"));
    }

    @Test
    void echoDemoIsDeterministic() {
        xensim("demo", "--echo");
        String first = out.toString();
        out.getBuffer().setLength(0);
        xensim("demo", "--echo");
        assertThat(out.toString()).isEqualTo(first);
    }

    @Test
    void echoDemoWithAllShowsTheReadsAndRepliesToo() {
        assertThat(xensim("demo", "--echo", "--all")).isZero();
        String everything = out.toString();
        out.getBuffer().setLength(0);
        assertThat(xensim("demo", "--echo")).isZero();

        assertThat(everything).contains("XS_READ ", "xensim demo --echo: a xenbus handshake");
        assertThat(out.toString()).doesNotContain("XS_READ ");
        assertThat(everything.lines().count()).isGreaterThan(out.toString().lines().count());
    }

    private static void assertInOrder(List<String> lines, String... fragments) {
        int at = 0;
        for (String fragment : fragments) {
            int found = -1;
            for (int i = at; i < lines.size(); i++) {
                if (lines.get(i).contains(fragment)) {
                    found = i;
                    break;
                }
            }
            assertThat(found).as("\"%s\" after line %d of:%n%s", fragment, at, String.join("\n", lines))
                    .isGreaterThanOrEqualTo(0);
            at = found + 1;
        }
    }
}
