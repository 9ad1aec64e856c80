package io.xensim.testbed.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FaultsTest {
    @Test
    void aRestartedBackendLosesNoWrite() {
        var outcome = new BackendRestart(8).inject();
        assertThat(outcome.observed()).contains("8/8 OK, 8/8 in the image", "0 completed while the backend was away");
        assertThat(outcome.passed()).isTrue();
    }
}
