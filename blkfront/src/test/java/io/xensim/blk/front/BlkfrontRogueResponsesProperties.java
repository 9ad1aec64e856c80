package io.xensim.blk.front;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.guest.GuestBlockDevice;
import io.xensim.blk.protocol.BlkifRingRequest;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Any sequence of responses, right or wrong, to three reads and a write in flight: blkfront never throws, ends
 * CONNECTED or DISABLED, completes every operation at most once, and a read that completes OK holds exactly the
 * disk's data.
 */
class BlkfrontRogueResponsesProperties {
    /** A response slot: either the right answer to held request {@code index}, or raw values. */
    record Rsp(boolean right, int index, long id, int op, int status) {
    }

    @Provide
    Arbitrary<List<Rsp>> responses() {
        Arbitrary<Rsp> rsp = Combinators.combine(Arbitraries.of(true, true, false), Arbitraries.integers().between(0, 3),
                Arbitraries.longs().between(-1, 40), Arbitraries.integers().between(0, 7),
                Arbitraries.integers().between(-3, 1)).as(Rsp::new);
        return rsp.list().ofMinSize(1).ofMaxSize(4); // BackRing produces no more responses than requests
    }

    @Property(tries = 30)
    void rogueResponsesNeverDeliverWrongData(@ForAll("responses") List<Rsp> responses, @ForAll boolean persistent) {
        var config = BlkfrontConfig.DEFAULT.withMaxQueues(1).withFeaturePersistent(persistent);
        try (var f = new BlkFixture(config, ScriptedBlkback.Offer.LINUX)) {
            f.addVbd();
            for (int r = 0; r < 3; r++) {
                f.image.contents().asSlice(r * 4096L, 4096).copyFrom(BlkFixture.pattern(8, 40 + r));
            }
            f.script.auto = false;
            List<MemorySegment> dsts = new ArrayList<>();
            List<CompletableFuture<BlkStatus>> ops = new ArrayList<>();
            List<Integer> completions = new ArrayList<>(List.of(0, 0, 0, 0));
            for (int r = 0; r < 3; r++) {
                MemorySegment dst = MemorySegment.ofArray(new byte[4096]);
                dsts.add(dst);
                long sector = r * 8L;
                ops.add(f.submit(d -> d.read(sector, dst)));
            }
            ops.add(f.submit(d -> d.write(64, BlkFixture.pattern(8, 1))));
            for (int i = 0; i < ops.size(); i++) {
                int k = i;
                ops.get(i).whenComplete((s, e) -> completions.set(k, completions.get(k) + 1));
            }
            List<BlkifRingRequest> held = f.onBack(() -> f.back().takeHeld(0));
            assertThat(held).hasSize(4);
            f.onBackRun(() -> held.forEach(f.back()::serveSilently));
            for (Rsp rsp : responses) {
                f.onBackRun(() -> {
                    if (rsp.right()) {
                        BlkifRingRequest req = held.get(rsp.index());
                        f.back().respond(0, req.id(), ScriptedBlkback.responseOp(req), 0);
                    } else {
                        f.back().respond(0, rsp.id(), rsp.op(), rsp.status());
                    }
                });
            }
            assertThat(f.front().state()).isIn(GuestBlockDevice.State.CONNECTED, GuestBlockDevice.State.DISABLED);
            assertThat(completions).allSatisfy(c -> assertThat(c).isLessThanOrEqualTo(1));
            for (int r = 0; r < 3; r++) {
                CompletableFuture<BlkStatus> op = ops.get(r);
                if (op.isDone() && op.join() == BlkStatus.OK) {
                    assertThat(dsts.get(r).toArray(ValueLayout.JAVA_BYTE))
                            .isEqualTo(BlkFixture.pattern(8, 40 + r).toArray(ValueLayout.JAVA_BYTE));
                }
            }
            if (f.front().state() == GuestBlockDevice.State.DISABLED) {
                assertThat(ops).allMatch(CompletableFuture::isDone);
            }
        }
    }
}
