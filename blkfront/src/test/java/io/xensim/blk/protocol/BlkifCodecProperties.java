package io.xensim.blk.protocol;

import static io.xensim.xenbus.memory.TestSlots.encodeOver;
import static io.xensim.xenbus.memory.TestSlots.segment;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.memory.Layouts;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/** Round trips of every blkif struct: decode(encode(x)) == x, and encode overwrites whatever the slot held. */
class BlkifCodecProperties {
    @Provide
    Arbitrary<BlkifRingRequest> validRequests() {
        var segment = Combinators.combine(Arbitraries.integers(), Arbitraries.integers().between(0, 7),
                        Arbitraries.integers().between(0, 7))
                .filter((gref, first, last) -> first <= last)
                .as(BlkifRequestSegment::new);
        Arbitrary<BlkifRingRequest> readWrite = Combinators.combine(
                        Arbitraries.of(BlkifOp.BLKIF_OP_READ, BlkifOp.BLKIF_OP_WRITE),
                        Arbitraries.integers().between(0, 0xffff), Arbitraries.longs(), Arbitraries.longs(),
                        segment.list().ofMinSize(1).ofMaxSize(BlkifRequest.BLKIF_MAX_SEGMENTS_PER_REQUEST))
                .as(BlkifRequest::new);
        Arbitrary<BlkifRingRequest> flush = Combinators.combine(
                        Arbitraries.of(BlkifOp.BLKIF_OP_WRITE_BARRIER, BlkifOp.BLKIF_OP_FLUSH_DISKCACHE),
                        Arbitraries.integers().between(0, 0xffff), Arbitraries.longs(), Arbitraries.longs(),
                        segment.list().ofMaxSize(BlkifRequest.BLKIF_MAX_SEGMENTS_PER_REQUEST))
                .as(BlkifRequest::new);
        Arbitrary<BlkifRingRequest> discard = Combinators.combine(Arbitraries.integers().between(0, 0xff),
                        Arbitraries.integers().between(0, 0xffff), Arbitraries.longs(), Arbitraries.longs(),
                        Arbitraries.longs())
                .as(BlkifRequestDiscard::new);
        Arbitrary<BlkifRingRequest> indirect = Arbitraries.integers()
                .between(1, BlkifRequestIndirect.MAX_INDIRECT_SEGMENTS)
                .flatMap(nr -> Combinators.combine(Arbitraries.of(BlkifOp.BLKIF_OP_READ, BlkifOp.BLKIF_OP_WRITE),
                                Arbitraries.longs(), Arbitraries.longs(), Arbitraries.integers().between(0, 0xffff),
                                Arbitraries.integers().list().ofSize(BlkifRequestIndirect.indirectPages(nr)))
                        .as((op, id, sector, handle, grefs) ->
                                new BlkifRequestIndirect(op, nr, id, sector, handle, grefs)));
        return Arbitraries.oneOf(readWrite, flush, discard, indirect);
    }

    @Property
    void requestsRoundTripThroughAStaleSlot(@ForAll("validRequests") BlkifRingRequest request,
                                            @ForAll @Size(BlkifRing.ENTRY_LENGTH) byte[] stale) {
        byte[] bytes = encodeOver(stale, request::encode);
        assertThat(BlkifRingRequest.decode(segment(bytes))).isEqualTo(Decoded.ok(request));
        assertThat(BlkifRingRequest.id(segment(bytes))).isEqualTo(request.id());
        assertThat(BlkifRingRequest.operation(segment(bytes))).isEqualTo(request.operation());
        // Every byte of the struct is written: the stale content does not change the encoding.
        int length = switch (request) {
            case BlkifRequest r -> BlkifRequest.LENGTH;
            case BlkifRequestDiscard d -> BlkifRequestDiscard.LENGTH;
            case BlkifRequestIndirect i -> BlkifRequestIndirect.LENGTH;
        };
        byte[] clean = encodeOver(new byte[BlkifRing.ENTRY_LENGTH], request::encode);
        assertThat(Arrays.copyOf(bytes, length)).isEqualTo(Arrays.copyOf(clean, length));
    }

    @Property
    void responsesRoundTripThroughAStaleSlot(@ForAll long id, @ForAll @IntRange(max = 0xff) int operation,
                                             @ForAll short status, @ForAll @Size(BlkifResponse.LENGTH) byte[] stale) {
        var response = new BlkifResponse(id, operation, status);
        byte[] bytes = encodeOver(stale, response::encode);
        assertThat(bytes).isEqualTo(encodeOver(new byte[BlkifResponse.LENGTH], response::encode));
        assertThat(BlkifResponse.decode(segment(bytes))).isEqualTo(Decoded.ok(response));
    }

    @Property
    void everyResponseBitPatternDecodes(@ForAll @Size(BlkifResponse.LENGTH) byte[] bytes) {
        var response = BlkifResponse.decode(segment(bytes)).orElseThrow();
        assertThat(response.id()).isEqualTo(segment(bytes).get(Layouts.U64, 0));
    }
}
