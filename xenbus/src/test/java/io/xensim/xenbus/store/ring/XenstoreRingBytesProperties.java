package io.xensim.xenbus.store.ring;

import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.REQ_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.RSP_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_RING_SIZE;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.maskXenstoreIdx;
import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Stream copies into a direction's array: byte k of the stream is at MASK_XENSTORE_IDX(k), for any index. */
class XenstoreRingBytesProperties {
    @Property
    void bytesLandAtTheMaskedIndexAndComeBackOut(@ForAll int idx,
            @ForAll @Size(max = XENSTORE_RING_SIZE) byte[] bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(4096, 4096);
            XenstoreRingBytes.copyIn(bytes, 0, page, RSP_OFFSET, idx, bytes.length);
            for (int k = 0; k < bytes.length; k++) {
                assertThat(page.get(ValueLayout.JAVA_BYTE, RSP_OFFSET + maskXenstoreIdx(idx + k))).isEqualTo(bytes[k]);
            }
            // The other direction's array is untouched.
            for (int k = 0; k < XENSTORE_RING_SIZE; k++) {
                assertThat(page.get(ValueLayout.JAVA_BYTE, REQ_OFFSET + k)).isZero();
            }
            byte[] back = new byte[bytes.length];
            XenstoreRingBytes.copyOut(page, RSP_OFFSET, idx, back, 0, bytes.length);
            assertThat(back).isEqualTo(bytes);
        }
    }

    @Property
    void aStreamWrittenInPiecesReadsBackInOtherPieces(@ForAll int start, @ForAll @Size(max = 3000) byte[] stream,
            @ForAll @IntRange(min = 1, max = XENSTORE_RING_SIZE) int writeChunk,
            @ForAll @IntRange(min = 1, max = XENSTORE_RING_SIZE) int readChunk) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment page = arena.allocate(4096, 4096);
            int prod = start;
            int cons = start;
            int written = 0;
            int read = 0;
            byte[] out = new byte[stream.length];
            while (read < stream.length) {
                // Producer: as much as fits, never overwriting unconsumed bytes.
                int n = Math.min(Math.min(writeChunk, stream.length - written), XENSTORE_RING_SIZE - (prod - cons));
                XenstoreRingBytes.copyIn(stream, written, page, REQ_OFFSET, prod, n);
                prod += n;
                written += n;
                int m = Math.min(readChunk, prod - cons);
                XenstoreRingBytes.copyOut(page, REQ_OFFSET, cons, out, read, m);
                cons += m;
                read += m;
                assertThat(Integer.compareUnsigned(prod - cons, XENSTORE_RING_SIZE)).isLessThanOrEqualTo(0);
            }
            assertThat(out).isEqualTo(stream);
        }
    }
}
