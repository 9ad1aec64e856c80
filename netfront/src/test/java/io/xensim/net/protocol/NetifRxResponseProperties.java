package io.xensim.net.protocol;

import static io.xensim.xenbus.memory.TestSlots.segment;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class NetifRxResponseProperties {
    @Property
    void roundTrips(@ForAll @IntRange(max = 0xffff) int id, @ForAll @IntRange(max = 4096) int offset,
                    @ForAll @IntRange(max = 0xffff) int flags, @ForAll @IntRange(min = -32768, max = 4096) int status) {
        Assume.that(status < 0 || offset + status <= 4096);
        var original = new NetifRxResponse(id, offset, flags, status);
        var bytes = new byte[NetifRxResponse.LENGTH];
        original.encode(segment(bytes));
        assertThat(NetifRxResponse.decode(segment(bytes))).isEqualTo(Decoded.ok(original));
    }

    @Property
    void arbitraryBytesAreOkExactlyWhenTheFragmentFitsThePage(@ForAll @Size(NetifRxResponse.LENGTH) byte[] bytes) {
        int offset = (bytes[2] & 0xff) | (bytes[3] & 0xff) << 8;
        int status = (short) ((bytes[6] & 0xff) | (bytes[7] & 0xff) << 8);
        assertThat(NetifRxResponse.decode(segment(bytes)).isOk()).isEqualTo(status < 0 || offset + status <= 4096);
    }
}
