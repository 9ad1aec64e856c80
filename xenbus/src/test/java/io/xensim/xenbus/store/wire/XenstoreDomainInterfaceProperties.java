package io.xensim.xenbus.store.wire;

import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.*;
import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

class XenstoreDomainInterfaceProperties {
    @Property
    void maskKeepsTheByteInItsArray(@ForAll int idx) {
        int masked = maskXenstoreIdx(idx);
        assertThat(masked).isBetween(0, XENSTORE_RING_SIZE - 1);
        assertThat(Math.floorMod(idx - masked, XENSTORE_RING_SIZE)).isZero();
    }

    @Property
    void anyDistanceUpToTheRingSizeIsConsistentAcrossTheWrap(
            @ForAll int cons, @ForAll @IntRange(max = XENSTORE_RING_SIZE) int queued) {
        int prod = cons + queued;
        assertThat(checkIndexes(cons, prod)).isTrue();
        assertThat(queued(cons, prod)).isEqualTo(queued);
    }

    @Property
    void anyLargerDistanceIsCorrupt(@ForAll int cons,
            @ForAll @LongRange(min = XENSTORE_RING_SIZE + 1, max = 0xffff_ffffL) long distance) {
        assertThat(checkIndexes(cons, cons + (int) distance)).isFalse();
    }
}
