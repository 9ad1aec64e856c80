package io.xensim.net.protocol;

import static io.xensim.xenbus.memory.TestSlots.encodeOver;
import static io.xensim.xenbus.memory.TestSlots.segment;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import java.lang.foreign.MemorySegment;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

class NetifTxRequestProperties {
    @Property
    void roundTrips(@ForAll int gref, @ForAll @IntRange(max = 4095) int offset,
                    @ForAll @IntRange(max = 0xffff) int flags,
                    @ForAll @IntRange(max = 0xffff) int id, @ForAll @IntRange(max = 0xffff) int size) {
        var original = new NetifTxRequest(gref, offset, flags, id, size);
        var slot = MemorySegment.ofArray(new byte[NetifTxRequest.LENGTH]);
        original.encode(slot);
        assertThat(NetifTxRequest.decode(slot)).isEqualTo(Decoded.ok(original));
    }

    @Property
    void encodeOverwritesEveryStaleByte(@ForAll @Size(NetifTxRequest.LENGTH) byte[] stale, @ForAll int gref,
                                        @ForAll @IntRange(max = 0xffff) int id) {
        var request = new NetifTxRequest(gref, 0, 0, id, 60);
        assertThat(encodeOver(stale, request::encode))
                .isEqualTo(encodeOver(new byte[NetifTxRequest.LENGTH], request::encode));
    }

    @Property
    void arbitraryBytesDecodeToOkExactlyWhenTheOffsetIsInThePage(@ForAll @Size(NetifTxRequest.LENGTH) byte[] bytes) {
        var decoded = NetifTxRequest.decode(segment(bytes));
        int offset = (bytes[4] & 0xff) | (bytes[5] & 0xff) << 8;   // u16 LE at offsetof(..., offset)
        assertThat(decoded.isOk()).isEqualTo(offset < 4096);
        if (decoded instanceof Decoded.Ok<NetifTxRequest>(var request)) {
            var again = new byte[NetifTxRequest.LENGTH];
            request.encode(segment(again));
            assertThat(again).isEqualTo(bytes);   // no padding: every byte is a field, so decode keeps them all
        }
    }
}
