package io.xensim.xenbus.ring;

import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Shared-ring areas and header pokes for the ring tests (the tests play the peer that writes the header). */
final class RingFixtures {
    /** {@code sizeof(struct netif_tx_request)}: the 12-byte entry the stress test and benchmark use. */
    static final int NETIF_TX_ENTRY = 12;

    private RingFixtures() {
    }

    /** A native, page-aligned area of {@code XEN_PAGE_SIZE << order} bytes, as guest memory is allocated. */
    static MemorySegment area(Arena arena, int order) {
        return arena.allocate((long) Layouts.XEN_PAGE_SIZE << order, Layouts.XEN_PAGE_SIZE);
    }

    /** The header of a live ring that both ends have run up to {@code index} and that asks for no notification yet. */
    static void liveHeader(MemorySegment area, int index) {
        header(area, index, index + 1, index, index + 1);
    }

    static void header(MemorySegment area, int reqProd, int reqEvent, int rspProd, int rspEvent) {
        area.set(Layouts.ALIGNED_U32, SringDescriptor.REQ_PROD_OFFSET, reqProd);
        area.set(Layouts.ALIGNED_U32, SringDescriptor.REQ_EVENT_OFFSET, reqEvent);
        area.set(Layouts.ALIGNED_U32, SringDescriptor.RSP_PROD_OFFSET, rspProd);
        area.set(Layouts.ALIGNED_U32, SringDescriptor.RSP_EVENT_OFFSET, rspEvent);
    }

    static int reqProd(MemorySegment area) {
        return area.get(Layouts.ALIGNED_U32, SringDescriptor.REQ_PROD_OFFSET);
    }

    static int reqEvent(MemorySegment area) {
        return area.get(Layouts.ALIGNED_U32, SringDescriptor.REQ_EVENT_OFFSET);
    }

    static int rspProd(MemorySegment area) {
        return area.get(Layouts.ALIGNED_U32, SringDescriptor.RSP_PROD_OFFSET);
    }

    static int rspEvent(MemorySegment area) {
        return area.get(Layouts.ALIGNED_U32, SringDescriptor.RSP_EVENT_OFFSET);
    }

    /** A misbehaving frontend: writes {@code req_prod} directly. */
    static void pokeReqProd(MemorySegment area, int value) {
        area.set(Layouts.ALIGNED_U32, SringDescriptor.REQ_PROD_OFFSET, value);
    }

    /** A misbehaving backend: writes {@code rsp_prod} directly. */
    static void pokeRspProd(MemorySegment area, int value) {
        area.set(Layouts.ALIGNED_U32, SringDescriptor.RSP_PROD_OFFSET, value);
    }
}
