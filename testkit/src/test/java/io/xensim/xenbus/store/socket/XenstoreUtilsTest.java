package io.xensim.xenbus.store.socket;

import static io.xensim.xenbus.store.socket.XenstoreTools.tool;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Debian's xenstore-utils (libxenstore 4.17), unmodified, against our socket server with XENSTORED_PATH. */
@Timeout(120)
class XenstoreUtilsTest {
    private SocketServerFixture fixture;

    /** Per test, not @BeforeAll: surefire reports a skip in @BeforeAll as no test at all, without the reason. */
    @BeforeEach
    void start() {
        XenstoreTools.assumeXenstoreUtils();
        fixture = new SocketServerFixture();
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
        assertThat(fixture.socket).doesNotExist();
    }

    private XenstoreTools.Result run(String tool, String... args) throws Exception {
        return tool(fixture.socket, tool, args);
    }

    private XenstoreTools.Result ok(String tool, String... args) throws Exception {
        var r = run(tool, args);
        assertThat(r.exitCode()).as(tool + " " + String.join(" ", args) + ": " + r.stderr()).isZero();
        return r;
    }

    @Test
    void writeThenLsShowsTheTree() throws Exception {
        ok("xenstore-write", "/a/b", "hello", "/a/c/d", "x y");

        assertThat(ok("xenstore-read", "/a/b").stdout()).isEqualTo("hello\n");
        // C xenstored's initial tree (/tool/xenstored) and ours, one space of indent per level, values quoted.
        assertThat(ok("xenstore-ls", "/").lines()).containsExactly(
                "tool = \"\"",
                " xenstored = \"\"",
                "a = \"\"",
                " b = \"hello\"",
                " c = \"\"",
                "  d = \"x y\"");
        assertThat(ok("xenstore-ls", "-f", "/a").lines()).containsExactly(
                "/a/b = \"hello\"", "/a/c = \"\"", "/a/c/d = \"x y\"");
        assertThat(ok("xenstore-list", "/a").lines()).containsExactly("b", "c");
    }

    @Test
    void existsAndRm() throws Exception {
        ok("xenstore-write", "/a/b", "1", "/a/c/d", "2");
        assertThat(run("xenstore-exists", "/a/c/d").exitCode()).isZero();
        assertThat(run("xenstore-exists", "/a/zz").exitCode()).isEqualTo(1);

        ok("xenstore-rm", "/a/c");

        assertThat(run("xenstore-exists", "/a/c").exitCode()).isEqualTo(1);
        var missing = run("xenstore-read", "/a/c/d");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.stderr()).contains("couldn't read path /a/c/d");
        assertThat(ok("xenstore-ls", "/a").lines()).containsExactly("b = \"1\"");
    }

    @Test
    void chmodShowsInLsP() throws Exception {
        ok("xenstore-write", "/a/b", "hello", "/a/c", "");
        ok("xenstore-chmod", "/a/b", "n0", "r5", "w7");

        List<String> lines = ok("xenstore-ls", "-p", "/a").lines();
        assertThat(lines).hasSize(2);
        // xenstore-ls pads with dots up to a column, then prints the permissions as C's xs_perm_to_string does.
        assertThat(lines.get(0)).startsWith("b = \"hello\"").endsWith("(n0,r5,w7)");
        assertThat(lines.get(1)).startsWith("c = \"\"").endsWith("(n0)");
    }

    @Test
    void watchSeesRegistrationThenChanges() throws Exception {
        Process watch = XenstoreTools.builder(fixture.socket, List.of(XenstoreTools.BIN.resolve("xenstore-watch")
                .toString(), "/w")).start();
        try {
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread.ofVirtual().start(() -> {
                try (var r = new BufferedReader(new InputStreamReader(watch.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        lines.add(line);
                    }
                } catch (java.io.IOException e) {
                    lines.add("<" + e + ">");
                }
            });
            // "We fire once up front": the event for the registration itself. Only after it is the watch live.
            assertThat(lines.poll(20, TimeUnit.SECONDS)).isEqualTo("/w");

            ok("xenstore-write", "/w/x", "1");
            assertThat(lines.poll(20, TimeUnit.SECONDS)).isEqualTo("/w/x");

            ok("xenstore-write", "/elsewhere", "1");
            ok("xenstore-rm", "/w");
            // The unrelated write fired nothing; removing the watched node fires the watch on its own path.
            assertThat(lines.poll(20, TimeUnit.SECONDS)).isEqualTo("/w");
        } finally {
            watch.destroy();
            assertThat(watch.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void manyToolsInARowLeaveNoConnectionBehind() throws Exception {
        for (int i = 0; i < 5; i++) {
            ok("xenstore-write", "/n/" + i, Integer.toString(i));
        }
        assertThat(ok("xenstore-list", "/n").lines()).containsExactly("0", "1", "2", "3", "4");
        var stats = fixture.xenstored.stats().get(20, TimeUnit.SECONDS);
        assertThat(stats.watches()).isZero();
        assertThat(stats.transactions()).isZero();
    }
}
