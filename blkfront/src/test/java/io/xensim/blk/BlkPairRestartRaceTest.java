package io.xensim.blk;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.blk.guest.BlkStatus;
import io.xensim.blk.guest.GuestBlockDevice;
import io.xensim.xenbus.trace.TraceEvent;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The backend brought back at several points after its removal, from at once to long after (INVOKER mode, so each
 * point is one fixed interleaving), with a write submitted just before: the pair ends Connected and the write done
 * and readable. The truly concurrent race (the new blkback reading the frontend's stale Connected state) needs
 * DEDICATED mode: {@code BlkPairThreadedTest#restartRacingTheFrontendsReaction}.
 */
class BlkPairRestartRaceTest {
    @ParameterizedTest(name = "restore after {0} steps")
    @ValueSource(ints = {0, 1, 2, 3, 5, 8, 12, 20, 40})
    void backendBackBeforeTheFrontendSawItGo(int steps) {
        try (var p = new BlkPair()) {
            p.addVbd(1, BlkPair.xvda("/images/dom1.img"));
            MemorySegment data = BlkPair.pattern(64 * 1024, 5);
            var w = p.enqueue(1, f -> f.write(8, data));
            var removed = p.fx.toolstack.removeBackend("vbd", 1, BlkPair.XVDA);
            p.fx.hv.runUntil(removed::isDone, 1_000_000);
            p.steps(steps);
            p.fx.toolstack.await(p.fx.toolstack.restoreBackend("vbd", 1, BlkPair.XVDA));
            p.fx.hv.runUntilIdle();
            var info = p.fx.trace.events(e -> (e.kind() == TraceEvent.Kind.STATE || e.kind() == TraceEvent.Kind.INFO)
                    && e.device().startsWith("vbd")).stream().map(TraceEvent::detail).toList();
            assertThat(p.front(1).state()).as("%s", String.join("\n", info))
                    .isEqualTo(GuestBlockDevice.State.CONNECTED);
            assertThat(w).isCompletedWithValue(BlkStatus.OK);
            MemorySegment back = MemorySegment.ofArray(new byte[64 * 1024]);
            assertThat(p.run(1, f -> f.read(8, back))).isEqualTo(BlkStatus.OK);
            assertThat(back.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(data.toArray(ValueLayout.JAVA_BYTE));
        }
    }
}
