package io.xensim.blk.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Which host blocks a write must serialise on: exactly the ones it covers only partly. */
class HostBlockLocksTest {
    private final HostBlockLocks locks = new HostBlockLocks(4096);

    @Test
    void wholeBlockSpansTakeNoLock() {
        try (HostBlockLocks.Held held = locks.lockEdges(4096, 3 * 4096)) {
            assertThat(held).isSameAs(HostBlockLocks.Held.NONE);
        }
    }

    @Test
    void aWriteInsideOneBlockTakesThatBlocksStripe() throws Exception {
        try (HostBlockLocks.Held held = locks.lockEdges(4096 + 512, 1024)) {
            assertThat(held.first()).isNotNull();
            assertThat(held.second()).isNull();
            assertThat(held.first().isHeldByCurrentThread()).isTrue();
            try (HostBlockLocks.Held sameBlock = locks.lockEdges(4096 + 3 * 512, 512)) {
                assertThat(sameBlock.first()).isSameAs(held.first());   // other sectors of that block: same stripe
            }
            // another thread (another ring's) cannot take it meanwhile
            assertThat(CompletableFuture.supplyAsync(() -> held.first().tryLock()).get(30, TimeUnit.SECONDS)).isFalse();
        }
    }

    @Test
    void aStraddlingWriteTakesBothEdgeStripesInAscendingOrder() {
        try (HostBlockLocks.Held held = locks.lockEdges(4096 - 512, 1024)) {
            assertThat(held.second()).isNotNull();
            assertThat(held.first()).isNotSameAs(held.second());
            assertThat(held.first().isHeldByCurrentThread()).isTrue();
            assertThat(held.second().isHeldByCurrentThread()).isTrue();
        }
    }

    @Test
    void aWriteAlignedAtTheStartButEndingInsideABlockLocksOnlyTheTail() {
        try (HostBlockLocks.Held held = locks.lockEdges(0, 4096 + 512)) {
            assertThat(held.first()).isNotNull();
            assertThat(held.second()).isNull();
            try (HostBlockLocks.Held tail = locks.lockEdges(4096 + 1024, 512)) {
                assertThat(held.first()).isSameAs(tail.first());
            }
        }
    }

    @Test
    void releaseFreesTheStripes() {
        HostBlockLocks.Held held = locks.lockEdges(512, 512);
        held.close();
        assertThat(held.first().isLocked()).isFalse();
    }

    @Test
    void blockSizeMustBeAPowerOfTwoOfAtLeastASector() {
        assertThatThrownBy(() -> new HostBlockLocks(3000)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new HostBlockLocks(256)).isInstanceOf(IllegalArgumentException.class);
    }
}
