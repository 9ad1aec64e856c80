package io.xensim.blk.protocol;

import static io.xensim.xenbus.memory.TestSlots.segment;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.memory.Layouts;
import org.junit.jupiter.api.Test;

class BlkifRingRequestTest {
    private static byte[] slot(int operation, long id) {
        byte[] bytes = new byte[BlkifRing.ENTRY_LENGTH];
        bytes[0] = (byte) operation;
        segment(bytes).set(Layouts.U64, BlkifRingRequest.ID_OFFSET, id);
        return bytes;
    }

    @Test
    void dispatchesOnTheOperation() {
        byte[] discard = slot(BlkifOp.BLKIF_OP_DISCARD, 3);
        assertThat(BlkifRingRequest.decode(segment(discard)))
                .isEqualTo(Decoded.ok(new BlkifRequestDiscard(0, 0, 3, 0, 0)));
        byte[] barrier = slot(BlkifOp.BLKIF_OP_WRITE_BARRIER, 4);
        assertThat(BlkifRingRequest.decode(segment(barrier)).orElseThrow())
                .isInstanceOf(BlkifRequest.class).extracting(BlkifRingRequest::operation)
                .isEqualTo(BlkifOp.BLKIF_OP_WRITE_BARRIER);
    }

    @Test
    void anUnknownOperationIsMalformedAndAnsweredNotSupported() {
        byte[] bytes = slot(42, -1L);
        assertThat(BlkifRingRequest.decode(segment(bytes)))
                .isEqualTo(Decoded.malformed("operation: 42 (expected: a BLKIF_OP_* of 0..6)"));
        assertThat(BlkifRingRequest.id(segment(bytes))).isEqualTo(-1L);   // u64 0xffff_ffff_ffff_ffff
        assertThat(BlkifRingRequest.operation(segment(bytes))).isEqualTo(42);
        assertThat(BlkifRingRequest.rejectionStatus(segment(bytes))).isEqualTo(BlkifStatus.BLKIF_RSP_EOPNOTSUPP);
    }

    @Test
    void theReservedOperationIsNotSupported() {
        byte[] bytes = slot(BlkifOp.BLKIF_OP_RESERVED_1, 5);
        assertThat(BlkifRingRequest.decode(segment(bytes)).isOk()).isFalse();
        assertThat(BlkifRingRequest.rejectionStatus(segment(bytes))).isEqualTo(BlkifStatus.BLKIF_RSP_EOPNOTSUPP);
    }

    @Test
    void aKnownOperationWithBadFieldsIsAnsweredError() {
        byte[] bytes = slot(BlkifOp.BLKIF_OP_READ, 6);   // nr_segments 0
        assertThat(BlkifRingRequest.decode(segment(bytes)))
                .isEqualTo(Decoded.malformed("nr_segments: 0 (expected: 1..11 for BLKIF_OP_READ)"));
        assertThat(BlkifRingRequest.rejectionStatus(segment(bytes))).isEqualTo(BlkifStatus.BLKIF_RSP_ERROR);
    }

    @Test
    void theSpecificDecodersRefuseOtherOperations() {
        assertThat(BlkifRequest.decode(segment(slot(BlkifOp.BLKIF_OP_DISCARD, 1))).isOk()).isFalse();
        assertThat(BlkifRequestIndirect.decode(segment(slot(BlkifOp.BLKIF_OP_READ, 1))).isOk()).isFalse();
        assertThat(BlkifOp.name(BlkifOp.BLKIF_OP_INDIRECT)).isEqualTo("BLKIF_OP_INDIRECT");
        assertThat(BlkifOp.name(99)).isEqualTo("unknown");
    }
}
