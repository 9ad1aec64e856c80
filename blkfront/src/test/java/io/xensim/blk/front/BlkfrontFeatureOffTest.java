package io.xensim.blk.front;

import static io.xensim.blk.protocol.BlkifStatus.BLKIF_RSP_EOPNOTSUPP;
import static io.xensim.blk.protocol.BlkifStatus.BLKIF_RSP_ERROR;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.protocol.BlkifOp;
import io.xensim.blk.protocol.BlkifRequest;
import io.xensim.blk.protocol.BlkifRingRequest;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code BLKIF_RSP_EOPNOTSUPP} turning features off, and the final status of a request split over two slots. */
class BlkfrontFeatureOffTest {
    @Test
    void eopnotsuppOnFlushTurnsFlushOffAndCompletesTheFlush() {
        try (var f = new BlkFixture()) {
            f.addVbd();
            f.script.verdict = r -> r.operation() == BlkifOp.BLKIF_OP_FLUSH_DISKCACHE ? BLKIF_RSP_EOPNOTSUPP : null;
            assertThat(f.submit(GuestBlockDeviceOps::flush)).isCompletedWithValue(BlkStatus.OK);
            assertThat(f.front().features().orElseThrow().flush()).isFalse();
            assertThat(f.submit(GuestBlockDeviceOps::flush)).isCompletedWithValue(BlkStatus.OK);
            assertThat(f.script.seen).hasSize(1);
        }
    }

    @Test
    void anEmptyFlushAnsweredErrorIsTakenAsNotSupported() {
        try (var f = new BlkFixture()) {
            f.addVbd();
            f.script.verdict = r -> r.operation() == BlkifOp.BLKIF_OP_FLUSH_DISKCACHE ? BLKIF_RSP_ERROR : null;
            assertThat(f.submit(GuestBlockDeviceOps::flush)).isCompletedWithValue(BlkStatus.OK);
            assertThat(f.front().features().orElseThrow().flush()).isFalse();
        }
    }

    @Test
    void eopnotsuppOnDiscardTurnsDiscardOffAndFailsTheDiscard() {
        try (var f = new BlkFixture()) {
            f.addVbd();
            f.script.verdict = r -> r.operation() == BlkifOp.BLKIF_OP_DISCARD ? BLKIF_RSP_EOPNOTSUPP : null;
            assertThat(f.submit(d -> d.discard(0, 8))).isCompletedWithValue(BlkStatus.NOT_SUPPORTED);
            assertThat(f.front().features().orElseThrow().discard()).isFalse();
            assertThat(f.submit(d -> d.discard(0, 8))).isCompletedWithValue(BlkStatus.NOT_SUPPORTED);
            assertThat(f.script.seen).hasSize(1);
            assertThat(f.front().blkifState()).isEqualTo(BlkfrontDevice.BlkifState.CONNECTED);
        }
    }

    /**
     * A FUA write of 15 pages on a cache-flush backend without indirect descriptors: two linked
     * {@code BLKIF_OP_FLUSH_DISKCACHE} slots of 11 and 4 segments. The two answers combine as
     * {@code blkif_get_final_status} does, whichever comes first; then the flush rules apply to the result.
     */
    @ParameterizedTest(name = "first {0}, second {1}, answered {2} first -> {3}, flush kept {4}")
    @CsvSource({
        "0, 0, first, OK, true",
        "0, 0, second, OK, true",
        "-2, 0, first, OK, false",
        "0, -2, second, OK, false",
        "-1, -2, first, IO_ERROR, false",
        "-2, -1, second, IO_ERROR, false",
        "-1, 0, second, IO_ERROR, false"})
    void splitRequestStatusesCombineErrorOverEopnotsuppOverOkay(int first, int second, String order,
            BlkStatus expected, boolean flushKept) {
        var offer = ScriptedBlkback.Offer.LINUX.withMaxIndirectSegments(0);
        try (var f = new BlkFixture(BlkfrontConfig.DEFAULT.withMaxQueues(1), offer)) {
            f.addVbd();
            f.script.auto = false;
            CompletableFuture<BlkStatus> w = f.submit(d -> d.writeFua(0, BlkFixture.pattern(120, 1)));
            List<BlkifRingRequest> held = f.onBack(() -> f.back().takeHeld(0));
            assertThat(held).hasSize(2).allSatisfy(r -> assertThat(r.operation())
                    .isEqualTo(BlkifOp.BLKIF_OP_FLUSH_DISKCACHE));
            assertThat(((BlkifRequest) held.get(0)).nrSegments()).isEqualTo(11);
            int op = BlkifOp.BLKIF_OP_FLUSH_DISKCACHE;
            if (order.equals("first")) {
                f.onBackRun(() -> f.back().respond(0, held.get(0).id(), op, first));
                assertThat(w).isNotDone();
                f.onBackRun(() -> f.back().respond(0, held.get(1).id(), op, second));
            } else {
                f.onBackRun(() -> f.back().respond(0, held.get(1).id(), op, second));
                assertThat(w).isNotDone();
                f.onBackRun(() -> f.back().respond(0, held.get(0).id(), op, first));
            }
            assertThat(w).isCompletedWithValue(expected);
            assertThat(f.front().features().orElseThrow().flush()).isEqualTo(flushKept);
            assertThat(f.front().inFlightRequests()).isZero();
            assertThat(f.front().blkifState()).isEqualTo(BlkfrontDevice.BlkifState.CONNECTED);
            assertThat(f.front().device().grantPool().live()).isEqualTo(f.front().persistentGrants());
        }
    }
}
