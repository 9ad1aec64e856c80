package io.xensim.xenbus.store.wire;

import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class XenstoreDomainInterfaceTest {
    /** The 28 bytes after the two 1024-byte arrays, field by field (all u32 little-endian). */
    private static final String CONTROL_BLOCK =
            "10000000"      // req_cons        = 16
            + "2c000000"    // req_prod        = 44
            + "fcffffff"    // rsp_cons        = 0xfffffffc (about to wrap)
            + "04000000"    // rsp_prod        = 4 (wrapped: 8 bytes queued)
            + "03000000"    // server_features = RECONNECTION | ERROR
            + "01000000"    // connection      = XENSTORE_RECONNECT
            + "02000000";   // error           = XENSTORE_ERROR_RINGIDX

    @Test
    void controlFieldsSitAfterTheTwoArraysBothWays() {
        byte[] golden = HexFormat.of().parseHex(CONTROL_BLOCK);
        var page = Arena.ofAuto().allocate(Layouts.XEN_PAGE_SIZE, Layouts.XEN_PAGE_SIZE);

        // Encode: storing each field at its offset produces the golden bytes.
        page.set(Layouts.U32, REQ_CONS_OFFSET, 16);
        page.set(Layouts.U32, REQ_PROD_OFFSET, 44);
        page.set(Layouts.U32, RSP_CONS_OFFSET, 0xfffffffc);
        page.set(Layouts.U32, RSP_PROD_OFFSET, 4);
        page.set(Layouts.U32, SERVER_FEATURES_OFFSET,
                XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR);
        page.set(Layouts.U32, CONNECTION_OFFSET, XENSTORE_RECONNECT);
        page.set(Layouts.U32, ERROR_OFFSET, XENSTORE_ERROR_RINGIDX);
        assertThat(page.asSlice(REQ_CONS_OFFSET, LENGTH - REQ_CONS_OFFSET).toArray(Layouts.U8)).isEqualTo(golden);

        // Decode: reading the golden bytes at the offsets gives the values back.
        var other = Arena.ofAuto().allocate(Layouts.XEN_PAGE_SIZE, Layouts.XEN_PAGE_SIZE);
        MemorySegment.copy(MemorySegment.ofArray(golden), 0, other, REQ_CONS_OFFSET, golden.length);
        assertThat(other.get(Layouts.U32, REQ_CONS_OFFSET)).isEqualTo(16);
        assertThat(other.get(Layouts.U32, REQ_PROD_OFFSET)).isEqualTo(44);
        assertThat(other.get(Layouts.U32, RSP_CONS_OFFSET)).isEqualTo(0xfffffffc);
        assertThat(other.get(Layouts.U32, RSP_PROD_OFFSET)).isEqualTo(4);
        assertThat(other.get(Layouts.U32, SERVER_FEATURES_OFFSET)).isEqualTo(3);
        assertThat(other.get(Layouts.U32, CONNECTION_OFFSET)).isEqualTo(XENSTORE_RECONNECT);
        assertThat(other.get(Layouts.U32, ERROR_OFFSET)).isEqualTo(XENSTORE_ERROR_RINGIDX);
        assertThat(queued(other.get(Layouts.U32, RSP_CONS_OFFSET), other.get(Layouts.U32, RSP_PROD_OFFSET)))
                .isEqualTo(8);
    }

    @Test
    void theStructFitsInOnePageAndTheIndicesAreAligned() {
        assertThat(LENGTH).isEqualTo(2076).isLessThanOrEqualTo(Layouts.XEN_PAGE_SIZE);
        assertThat(Integer.bitCount(XENSTORE_RING_SIZE)).isEqualTo(1);
        // Atomic VarHandle access modes need naturally aligned u32 fields.
        for (int offset : new int[] {REQ_CONS_OFFSET, REQ_PROD_OFFSET, RSP_CONS_OFFSET, RSP_PROD_OFFSET,
                SERVER_FEATURES_OFFSET, CONNECTION_OFFSET, ERROR_OFFSET}) {
            assertThat(offset % XENSTORE_RING_IDX_LENGTH).as("offset %d", offset).isZero();
        }
    }

    @Test
    void indexChecksAtTheEdges() {
        assertThat(maskXenstoreIdx(1023)).isEqualTo(1023);
        assertThat(maskXenstoreIdx(1024)).isZero();
        assertThat(maskXenstoreIdx(-1)).isEqualTo(1023);
        assertThat(checkIndexes(0, 1024)).isTrue();
        assertThat(checkIndexes(0, 1025)).isFalse();
        assertThat(checkIndexes(-512, 512)).isTrue();     // wrapped, exactly full
        assertThat(checkIndexes(1, 0)).isFalse();         // prod behind cons: 2^32 - 1 queued
    }
}
