package io.xensim.testbed.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each fault against the real blkfront/blkback: the outcome it promises is the outcome observed. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FaultsTest {
    @Test
    void aRestartedBackendLosesNoWrite() {
        var outcome = new BackendRestart(8).inject();
        assertThat(outcome.observed()).contains("8/8 OK, 8/8 in the image", "0 completed while the backend was away");
        assertThat(outcome.passed()).isTrue();
    }

    @Test
    void aDroppedNotificationWaitsForTheNextKick() {
        var outcome = new DroppedNotification().inject();
        assertThat(outcome.observed()).isEqualTo("first write waited true, both waited true, events sent before the "
                + "kick 1, after the kick both OK true, in the image true");
        assertThat(outcome.passed()).isTrue();
    }

    @Test
    void anUndrainedRingQueuesTheRestAndLosesNothing() {
        var outcome = new UndrainedRing().inject();
        assertThat(outcome.observed()).isEqualTo("while stalled: 0 completed, 32 on the ring, 8 queued; after: "
                + "40/40 OK, 40/40 in the image");
        assertThat(outcome.passed()).isTrue();
    }

    @Test
    void aCorruptResponseIdDisablesBlkfront() {
        var outcome = new CorruptResponse().inject();
        assertThat(outcome.observed()).startsWith("write DISABLED, next I/O DISABLED, device DISABLED")
                .contains("response has incorrect id (4096)");
        assertThat(outcome.passed()).isTrue();
    }

    @Test
    void aNodeOverTheSizeQuotaFailsWithEnospcAndNothingElseBreaks() {
        var outcome = new XenstoreQuota().inject();
        assertThat(outcome.observed()).isEqualTo("the write failed with ENOSPC, stored nothing true, small write OK "
                + "true, disk write OK true");
        assertThat(outcome.passed()).isTrue();
    }

    @Test
    void endingAMappedRingGrantIsRefused() {
        var outcome = new GrantEndedEarly().inject();
        assertThat(outcome.observed()).isEqualTo("end_foreign_access refused, still granted true, connected true, "
                + "write OK and in the image true");
        assertThat(outcome.passed()).isTrue();
    }
}
