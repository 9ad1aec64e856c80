package io.xensim.testbed.xenstored;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Xen's test-xenstore passes against the real C xenstored 4.17 (which shows what "pass" looks like and that the
 * harness is sound) and against xensim's xenstored served in-process. The {@code xensim xenstored} command itself
 * is checked in {@code io.xensim.testbed.cli.XenstoredCommandTestXenstoreTest}.
 */
@Timeout(300)
class TestXenstoreTest {
    @Test
    void passesAgainstTheRealCXenstored417() throws Exception {
        try (var c = CXenstored.start()) {
            TestXenstore.assertPasses(c.socket(), 3);
            assertThat(c.isAlive()).as("C xenstored after test-xenstore%s", c.stderrForMessage()).isTrue();
        }
    }

    @Test
    void passesAgainstXensimInProcess() throws Exception {
        XenUtils417.testXenstore();
        try (var x = XensimXenstored.start()) {
            TestXenstore.assertPasses(x.socket(), 3);
            assertThat(x.internalErrors()).isZero();
        }
    }
}
