package io.xensim.xenbus.store.socket;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Debian's python3-pyxs, unmodified, against our socket server: two clients and transaction conflicts. */
@Timeout(120)
class PyxsTest {
    private SocketServerFixture fixture;

    @BeforeEach
    void start() throws Exception {
        XenstoreTools.assumePyxs();
        fixture = new SocketServerFixture();
    }

    @AfterEach
    void stop() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void conflictingTransactionsFailWithEagainAndTheRetrySucceeds() throws Exception {
        Path script = fixture.dir.resolve("pyxs_transactions.py");
        try (InputStream in = PyxsTest.class.getResourceAsStream("pyxs_transactions.py")) {
            Files.copy(in, script);
        }
        var r = XenstoreTools.run(null, List.of(XenstoreTools.PYTHON.toString(), script.toString(),
                fixture.socket.toString()));
        Files.delete(script);

        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.lines()).containsExactly(
                "read-in-tx 0",
                "commit-1 EAGAIN",
                "y-after-failed-commit 0",
                "commit-2 False",
                "commit-3 True",
                "x-final from-b-again+a",
                "commit-4 True",
                "list unrelated,x,y",
                "exists False");
    }
}
