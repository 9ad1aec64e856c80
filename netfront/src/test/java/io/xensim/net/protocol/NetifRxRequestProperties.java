package io.xensim.net.protocol;

import static io.xensim.xenbus.memory.TestSlots.encodeOver;
import static io.xensim.xenbus.memory.TestSlots.segment;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class NetifRxRequestProperties {
    @Property
    void roundTripsOverStaleBytes(@ForAll @IntRange(max = 0xffff) int id, @ForAll int gref,
                                  @ForAll @Size(NetifRxRequest.LENGTH) byte[] stale) {
        var original = new NetifRxRequest(id, gref);
        byte[] bytes = encodeOver(stale, original::encode);
        assertThat(bytes).isEqualTo(encodeOver(new byte[NetifRxRequest.LENGTH], original::encode));
        assertThat(NetifRxRequest.decode(segment(bytes))).isEqualTo(Decoded.ok(original));
    }

    @Property
    void everyBitPatternDecodes(@ForAll @Size(NetifRxRequest.LENGTH) byte[] bytes) {
        assertThat(NetifRxRequest.decode(segment(bytes)).isOk()).isTrue();
    }
}
