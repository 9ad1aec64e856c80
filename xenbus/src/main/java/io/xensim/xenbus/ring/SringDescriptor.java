package io.xensim.xenbus.ring;

/**
 * The header of every shared ring page ({@code struct <name>_sring}, defined by {@code DEFINE_RING_TYPES} in
 * xen/io/ring.h), identical for netif tx/rx, blkif and the netif control ring.
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +---------------------------------------------------------------+  0
 * |                       req_prod (RING_IDX)                     |  written by the frontend
 * +---------------------------------------------------------------+  4
 * |                       req_event (RING_IDX)                    |  written by the backend
 * +---------------------------------------------------------------+  8
 * |                       rsp_prod (RING_IDX)                     |  written by the backend
 * +---------------------------------------------------------------+ 12
 * |                       rsp_event (RING_IDX)                    |  written by the frontend
 * +---------------------------------------------------------------+ 16
 * |  pvt: union { netif.smartpoll_active; tapif_user.msg; pvt_pad[4] }  (legacy, zero)
 * +---------------------------------------------------------------+ 20
 * |                       __pad[44] (zero)                        |
 * +---------------------------------------------------------------+ 64
 * |  ring[]: union { req; rsp; } entries, each max(sizeof req, sizeof rsp) bytes
 * </pre>
 * {@code RING_IDX} is a free-running unsigned 32-bit index; slot {@code i} lives at
 * {@code RING_OFFSET + (i & (size - 1)) * entrySize}.
 */
public final class SringDescriptor {
    public static final int REQ_PROD_OFFSET = 0;
    public static final int REQ_EVENT_OFFSET = 4;
    public static final int RSP_PROD_OFFSET = 8;
    public static final int RSP_EVENT_OFFSET = 12;
    /** {@code pvt}: a 4-byte union of legacy per-protocol bytes, zeroed by {@code SHARED_RING_INIT}. */
    public static final int PVT_OFFSET = 16;
    public static final int PVT_LENGTH = 4;
    /** {@code __pad}: 44 bytes that keep the entries 64-byte aligned. */
    public static final int PAD_OFFSET = 20;
    public static final int PAD_LENGTH = 44;
    /** {@code offsetof(struct <name>_sring, ring)}: where slot 0 starts. */
    public static final int RING_OFFSET = 64;
    /** {@code sizeof(RING_IDX)}. */
    public static final int RING_IDX_LENGTH = 4;

    /** {@code SHARED_RING_INIT} leaves {@code req_prod} and {@code rsp_prod} at 0 ... */
    public static final int INITIAL_PROD = 0;
    /** ... and {@code req_event} and {@code rsp_event} at 1, so the first entry published is notified. */
    public static final int INITIAL_EVENT = 1;

    private SringDescriptor() {
    }
}
