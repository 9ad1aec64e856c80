package io.xensim.blk.protocol;

import static io.xensim.xenbus.memory.TestSlots.encodeOver;
import static io.xensim.xenbus.memory.TestSlots.segment;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class BlkifRequestSegmentProperties {
    @Property
    void roundTripsOverStaleBytes(@ForAll int gref, @ForAll @IntRange(max = 7) int first,
                                  @ForAll @IntRange(max = 7) int last,
                                  @ForAll @Size(BlkifRequestSegment.LENGTH) byte[] stale) {
        Assume.that(first <= last);
        var original = new BlkifRequestSegment(gref, first, last);
        byte[] bytes = encodeOver(stale, original::encode);
        assertThat(bytes).isEqualTo(encodeOver(new byte[BlkifRequestSegment.LENGTH], original::encode));
        assertThat(BlkifRequestSegment.decode(segment(bytes))).isEqualTo(Decoded.ok(original));
    }

    @Property
    void arbitraryBytesAreOkExactlyForARangeInsideThePage(@ForAll @Size(BlkifRequestSegment.LENGTH) byte[] bytes,
                                                          @ForAll @IntRange(max = 9) int first,
                                                          @ForAll @IntRange(max = 9) int last) {
        bytes[BlkifRequestSegment.FIRST_SECT_OFFSET] = (byte) first;   // small values reach both outcomes
        bytes[BlkifRequestSegment.LAST_SECT_OFFSET] = (byte) last;
        assertThat(BlkifRequestSegment.decode(segment(bytes)).isOk()).isEqualTo(first <= last && last <= 7);
    }

    @Property
    void fullyArbitraryBytesNeverThrow(@ForAll @Size(BlkifRequestSegment.LENGTH) byte[] bytes) {
        assertThat(BlkifRequestSegment.decode(segment(bytes))).isNotNull();
    }
}
