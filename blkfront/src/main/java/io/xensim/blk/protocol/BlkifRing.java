package io.xensim.blk.protocol;

import io.xensim.xenbus.memory.Layouts;
import io.xensim.xenbus.ring.RingSize;
import io.xensim.xenbus.ring.RingType;
import io.xensim.xenbus.ring.SlotLayout;

/**
 * The geometry of the blkif ring ({@code DEFINE_RING_TYPES(blkif, struct blkif_request, struct blkif_response)} in
 * xen/io/blkif.h): an entry is the union of request and response, 112 bytes, and a ring of
 * {@code 2^ring-page-order} pages holds {@code __CONST_RING_SIZE(blkif, 4096 << order)} entries: 32, 64, 128, 256,
 * 512 for orders 0..4.
 */
public final class BlkifRing {
    /** {@code sizeof(union blkif_sring_entry)}: max(112, 16); a conditional so it stays a compile-time constant. */
    public static final int ENTRY_LENGTH =
            BlkifRequest.LENGTH > BlkifResponse.LENGTH ? BlkifRequest.LENGTH : BlkifResponse.LENGTH;
    /** The largest {@code ring-page-order} supported (16 pages), as {@link RingSize#MAX_RING_PAGE_ORDER}. */
    public static final int MAX_RING_PAGE_ORDER = RingSize.MAX_RING_PAGE_ORDER;
    /** {@code __CONST_RING_SIZE(blkif, 4096)}: entries in a one-page ring. */
    public static final int RING_SIZE = RingSize.entries(Layouts.XEN_PAGE_SIZE, ENTRY_LENGTH);

    /**
     * {@code DEFINE_RING_TYPES(blkif, struct blkif_request, struct blkif_response)}: requests are any of the
     * request structs sharing the slot ({@link BlkifRingRequest}, told apart by {@code operation}).
     */
    public static final RingType<BlkifRingRequest, BlkifResponse> BLKIF = RingType.of("blkif",
            SlotLayout.of("blkif_request", BlkifRequest.LENGTH, BlkifRingRequest::encode, BlkifRingRequest::decode),
            SlotLayout.of("blkif_response", BlkifResponse.LENGTH, BlkifResponse::encode, BlkifResponse::decode));

    private BlkifRing() {
    }

    /** Entries in a ring of {@code 2^ringPageOrder} pages (0..{@link #MAX_RING_PAGE_ORDER}). */
    public static int ringSize(int ringPageOrder) {
        return RingSize.entriesForOrder(ringPageOrder, ENTRY_LENGTH);
    }
}
