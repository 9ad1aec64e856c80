package io.xensim.blk.front;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.guest.GuestBlockDevice;
import io.xensim.blk.protocol.BlkifOp;
import io.xensim.blk.protocol.BlkifRingRequest;
import io.xensim.blk.protocol.BlkifStatus;
import io.xensim.xenbus.trace.TraceEvent;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/** Linux 6.1's hardened blkfront against a backend that lies: the device disables itself, the guest gets no wrong data. */
class BlkfrontMaliciousBackendTest {
    private static final BlkfrontConfig ONE_RING = BlkfrontConfig.DEFAULT.withMaxQueues(1);

    /** Two writes held by the backend, then {@code attack}; both must fail DISABLED, and so must a new one. */
    private static void disables(String reason, BiConsumer<ScriptedBlkback, List<BlkifRingRequest>> attack) {
        try (var f = new BlkFixture(ONE_RING, ScriptedBlkback.Offer.LINUX)) {
            f.addVbd();
            f.script.auto = false;
            CompletableFuture<BlkStatus> w1 = f.submit(d -> d.write(0, BlkFixture.pattern(8, 1)));
            CompletableFuture<BlkStatus> w2 = f.submit(d -> d.write(8, BlkFixture.pattern(8, 2)));
            List<BlkifRingRequest> held = f.onBack(() -> f.back().takeHeld(0));
            assertThat(held).hasSize(2);
            f.onBackRun(() -> attack.accept(f.back(), held));
            assertThat(f.front().state()).isEqualTo(GuestBlockDevice.State.DISABLED);
            assertThat(f.front().blkifStateReason()).contains(reason);
            assertThat(w1).isCompletedWithValue(BlkStatus.DISABLED);
            assertThat(w2).isCompletedWithValue(BlkStatus.DISABLED);
            assertThat(f.submit(d -> d.read(0, MemorySegment.ofArray(new byte[512]))))
                    .isCompletedWithValue(BlkStatus.DISABLED);
            assertThat(f.fx.trace.events(e -> e.kind() == TraceEvent.Kind.RING
                    && e.detail().contains("xvda disabled for further use"))).hasSize(1);
            // Responses after that are not read: a good answer now changes nothing.
            f.onBackRun(() -> f.back().respond(0, held.get(1).id(), BlkifOp.BLKIF_OP_WRITE, 0));
            assertThat(f.front().state()).isEqualTo(GuestBlockDevice.State.DISABLED);
        }
    }

    @Test
    void aResponseProducerOverflowDisables() {
        disables("illegal number of responses", (b, held) -> b.setRspProd(0, 1000));
    }

    @Test
    void anIdOutOfRangeDisables() {
        disables("response has incorrect id (4096)",
                (b, held) -> b.respond(0, 4096, BlkifOp.BLKIF_OP_WRITE, BlkifStatus.BLKIF_RSP_OKAY));
    }

    @Test
    void aHugeIdDisables() {
        disables("response has incorrect id (18446744073709551615)",
                (b, held) -> b.respond(0, -1L, BlkifOp.BLKIF_OP_WRITE, BlkifStatus.BLKIF_RSP_OKAY));
    }

    @Test
    void aResponseForNoPendingRequestDisables() {
        disables("response references no pending request (id 5)",
                (b, held) -> b.respond(0, 5, BlkifOp.BLKIF_OP_WRITE, BlkifStatus.BLKIF_RSP_OKAY));
    }

    @Test
    void aSecondResponseToTheSameIdDisablesButTheFirstStands() {
        try (var f = new BlkFixture(ONE_RING, ScriptedBlkback.Offer.LINUX)) {
            f.addVbd();
            f.script.auto = false;
            CompletableFuture<BlkStatus> w1 = f.submit(d -> d.write(0, BlkFixture.pattern(8, 1)));
            CompletableFuture<BlkStatus> w2 = f.submit(d -> d.write(8, BlkFixture.pattern(8, 2)));
            List<BlkifRingRequest> held = f.onBack(() -> f.back().takeHeld(0));
            f.onBackRun(() -> {
                f.back().put(0, held.get(0).id(), BlkifOp.BLKIF_OP_WRITE, BlkifStatus.BLKIF_RSP_OKAY);
                f.back().put(0, held.get(0).id(), BlkifOp.BLKIF_OP_WRITE, BlkifStatus.BLKIF_RSP_OKAY);
                f.back().push(0);
            });
            assertThat(w1).isCompletedWithValue(BlkStatus.OK);
            assertThat(w2).isCompletedWithValue(BlkStatus.DISABLED);
            assertThat(f.front().blkifStateReason()).contains("response references no pending request");
        }
    }

    @Test
    void aResponseWithTheWrongOperationDisables() {
        disables("response has wrong operation (0 instead of 1)",
                (b, held) -> b.respond(0, held.get(0).id(), BlkifOp.BLKIF_OP_READ, BlkifStatus.BLKIF_RSP_OKAY));
    }

    @Test
    void aDataGrantStillMappedWithoutPersistentGrantsDisablesAndNoDataReachesTheGuest() {
        var config = ONE_RING.withFeaturePersistent(false);
        try (var f = new BlkFixture(config, ScriptedBlkback.Offer.LINUX)) {
            f.addVbd();
            f.image.contents().asSlice(0, 4096).copyFrom(BlkFixture.pattern(8, 7));
            f.script.keepMappings = true;
            MemorySegment dst = MemorySegment.ofArray(new byte[4096]);
            assertThat(f.submit(d -> d.read(0, dst))).isCompletedWithValue(BlkStatus.DISABLED);
            assertThat(dst.toArray(ValueLayout.JAVA_BYTE)).containsOnly(0);
            assertThat(f.front().blkifStateReason()).contains("backend has not unmapped grant");
            // The page is revoked only once the backend lets go (XSA-396); then it is gone.
            assertThat(f.front().device().domain().grantTable().isInUse(f.script.seen.get(0).dataGrefs().get(0)))
                    .isTrue();
            f.onBackRun(() -> f.back().releaseKept());
            assertThat(f.front().device().grantPool().live()).isZero();
        }
    }

    @Test
    void aDisabledDeviceWorksAgainAfterTheBackendReconnects() {
        try (var f = new BlkFixture(ONE_RING, ScriptedBlkback.Offer.LINUX)) {
            f.addVbd();
            f.script.auto = false;
            var w = f.submit(d -> d.write(0, BlkFixture.pattern(8, 1)));
            f.onBackRun(() -> f.back().respond(0, 17, BlkifOp.BLKIF_OP_WRITE, 0));
            assertThat(w).isCompletedWithValue(BlkStatus.DISABLED);
            f.script.auto = true;
            f.restartBackend(ScriptedBlkback.Offer.LINUX);
            assertThat(f.front().state()).isEqualTo(GuestBlockDevice.State.CONNECTED);
            assertThat(f.submit(d -> d.write(0, BlkFixture.pattern(8, 2)))).isCompletedWithValue(BlkStatus.OK);
            // The write that failed is not re-issued: only the new one reached the new backend.
            assertThat(f.script.seen.stream().filter(s -> s.instance() == 2)).hasSize(1);
        }
    }
}
