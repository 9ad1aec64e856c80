package io.xensim.testbed.fault;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Each fault against the real blkfront/blkback and netfront/netback: the outcome it promises is the one observed. */
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

    @Test
    void delayedBlockNotificationsLoseNothingAndOnlyCostTime() {
        var outcome = new DelayedNotifications().inject();
        assertThat(outcome.observed()).contains("8/8 OK, 8/8 in the image", "(slower by the delay or more: true)");
        assertThat(outcome.passed()).isTrue();
    }

    @Test
    void aVbdUnpluggedMidIoEndsEveryWriteOnceAndCloses() {
        var outcome = new BlkHotUnplug(false).inject();
        assertThat(outcome.observed()).contains("answered when the unplug began; removal clean, blkback gone true",
                "0 waiting; device gone true");
        assertThat(outcome.passed()).isTrue();
    }

    /**
     * The experiment that never completed: with every guest->dom0 event lost the frontend cannot answer the unplug,
     * and stepping alone runs out of work with the removal pending (simulated time does not move while every domain
     * is idle, so libxl's 10 s timeout never fires). Letting the timeout fire forces the removal through.
     */
    @Test
    void aVbdUnplugTheGuestCannotAnswerIsForcedAfterLibxlsTimeout() {
        var outcome = new BlkHotUnplug(true).inject();
        assertThat(outcome.observed()).isEqualTo("0/40 answered when the unplug began; removal forced after the 10 s "
                + "timeout (no handshake: the guest never answered; toolstack: unplug: backend "
                + "/local/domain/0/backend/vbd/1/51712 did not reach Closed within 10000 ms; removing the device "
                + "anyway), blkback gone true, writes: 0 OK (0 in the image), 40 NO_DEVICE, 0 waiting; device gone "
                + "true");
        assertThat(outcome.passed()).isTrue();
    }

    @Test
    void aRestartedNetbackTakesTheLinkDownAndTrafficResumes() {
        var outcome = new NetBackendRestart().inject();
        assertThat(outcome.observed()).isEqualTo("before: 8 frames delivered true; away: link DOWN, send "
                + "DROPPED_LINK_DOWN, tx_dropped 1, off the bridge true; restored: link UP, frames after the restart "
                + "[200, 201, 202, 203, 204, 205, 206, 207]");
        assertThat(outcome.passed()).isTrue();
    }

    @Test
    void aCorruptTxResponseIdDisablesNetfrontOnly() {
        var outcome = new NetCorruptResponse().inject();
        assertThat(outcome.observed()).isEqualTo("guest 1: link BROKEN (Response has incorrect id (4096) (tx queue "
                + "0)), next send DROPPED_LINK_DOWN; guest 2: send SENT");
        assertThat(outcome.passed()).isTrue();
    }

    @Test
    void anUndrainedTxRingBoundsTheQueueAndDeliversExactlyTheAcceptedFrames() {
        var outcome = new NetUndrainedRing().inject();
        assertThat(outcome.observed()).contains("1000 queued (limit 1000)", "guest 2 got 0; after",
                "exactly the accepted frames in order true");
        assertThat(outcome.passed()).isTrue();
    }

    @Test
    void aDroppedTxNotificationStallsUntilTheNextKick() {
        var outcome = new NetDroppedNotification().inject();
        assertThat(outcome.observed()).isEqualTo("sends SENT and SENT, tx events sent 1, guest 2 got while stalled "
                + "[], after the kick [1, 2]");
        assertThat(outcome.passed()).isTrue();
    }

    @Test
    void delayedNetworkNotificationsLoseNothingAndOnlyCostTime() {
        var outcome = new NetDelayedNotifications().inject();
        assertThat(outcome.observed()).contains("16/16 frames, in order true, byte for byte true",
                "(slower by the delay or more: true)");
        assertThat(outcome.passed()).isTrue();
    }

    @Test
    void endingAMappedTxRingGrantIsRefused() {
        var outcome = new NetGrantEndedEarly().inject();
        assertThat(outcome.observed()).isEqualTo("end_foreign_access refused, still granted true, send SENT, "
                + "delivered to guest 2 true");
        assertThat(outcome.passed()).isTrue();
    }

    @Test
    void aVifUnpluggedWithFramesInFlightAccountsForEveryFrame() {
        var outcome = new NetHotUnplug().inject();
        assertThat(outcome.observed()).isEqualTo("unplug clean, 0 delivered + 40 tx_dropped of 40, none after true, "
                + "guest 1's netfront gone true, vif1.0 gone true, guest 2 send SENT");
        assertThat(outcome.passed()).isTrue();
    }

    @Test
    void heldNotificationsAreReleasedInTheOrderTheyWereSent() {
        try (var pair = VifPair.connect()) {
            var held = new HeldEvents(pair.hypervisor(), Set.of(HeldEvents.end(1, pair.txPort(1))));
            pair.events(held);
            pair.send(1, 1);
            pair.run();
            assertThat(pair.received(2)).isEmpty();
            assertThat(held.waiting()).isEqualTo(1);
            assertThat(held.release()).isEqualTo(1);
            pair.run();
            assertThat(pair.receivedSeqs(2)).containsExactly(1);
        }
    }
}
