package io.xensim.net.protocol;

import static io.xensim.xenbus.memory.TestSlots.segment;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class NetifTxResponseProperties {
    @Property
    void roundTrips(@ForAll @IntRange(max = 0xffff) int id, @ForAll short status) {
        var original = new NetifTxResponse(id, status);
        var bytes = new byte[NetifTxResponse.LENGTH];
        original.encode(segment(bytes));
        assertThat(NetifTxResponse.decode(segment(bytes))).isEqualTo(Decoded.ok(original));
    }

    @Property
    void everyBitPatternDecodesAndReEncodesToItself(@ForAll @Size(NetifTxResponse.LENGTH) byte[] bytes) {
        var again = new byte[NetifTxResponse.LENGTH];
        NetifTxResponse.decode(segment(bytes)).orElseThrow().encode(segment(again));
        assertThat(again).isEqualTo(bytes);
    }
}
