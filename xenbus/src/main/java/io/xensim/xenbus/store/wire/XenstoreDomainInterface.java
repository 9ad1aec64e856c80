package io.xensim.xenbus.store.wire;

/**
 * The xenstore ring page shared by a guest and xenstored ({@code struct xenstore_domain_interface},
 * xen/io/xs_wire.h; semantics in docs/misc/xenstore-ring.txt).
 * <pre>
 *  offset  size
 * +------+------+---------------------------------------------------------------+
 * |    0 | 1024 | req[XENSTORE_RING_SIZE]   byte ring, guest -> xenstored ("Input")|
 * | 1024 | 1024 | rsp[XENSTORE_RING_SIZE]   byte ring, xenstored -> guest         |
 * |      |      |                           (replies and watch events, "Output")|
 * | 2048 |    4 | req_cons (XENSTORE_RING_IDX)   advanced by xenstored          |
 * | 2052 |    4 | req_prod (XENSTORE_RING_IDX)   advanced by the guest          |
 * | 2056 |    4 | rsp_cons (XENSTORE_RING_IDX)   advanced by the guest          |
 * | 2060 |    4 | rsp_prod (XENSTORE_RING_IDX)   advanced by xenstored          |
 * | 2064 |    4 | server_features (u32)  bits set by xenstored, never cleared   |
 * | 2068 |    4 | connection (u32)       XENSTORE_CONNECTED / XENSTORE_RECONNECT|
 * | 2072 |    4 | error (u32)            XENSTORE_ERROR_*                       |
 * +------+------+---------------------------------------------------------------+  2076 = sizeof
 * </pre>
 * The rest of the 4096-byte page is unused. All fields are little-endian; there is no padding.
 *
 * <p>Each direction is a byte stream, not a ring of slots: the indices are free-running unsigned 32-bit byte
 * counts, byte {@code k} of a stream lives at {@code MASK_XENSTORE_IDX(k)} of its array, and a 16-byte
 * {@code xsd_sockmsg} header or its payload may straddle the wrap point. Guests must not assume the indices start
 * at 0 nor that the arrays hold anything meaningful at start.
 *
 * <p><b>Threading:</b> this class holds only the layout; the page itself is shared memory written by two
 * domains. Each index has one writer (see the diagram). A writer fills the bytes and then stores its
 * {@code *_prod} with release semantics ({@code Layouts.ATOMIC_U32.setRelease}); a reader loads the peer's
 * {@code *_prod} with acquire semantics before reading the bytes, and stores its {@code *_cons} with release after
 * copying them out, so the producer never overwrites bytes still being read. Either side signals the event
 * channel after every update.
 *
 * <p><b>Reference:</b> index validation follows Xen's C xenstored ({@code check_indexes} in
 * tools/xenstore/xenstored_domain.c): a pair whose distance exceeds {@link #XENSTORE_RING_SIZE} is corrupt, and
 * the server stops serving the ring with {@link #XENSTORE_ERROR_RINGIDX} if it advertised
 * {@link #XENSTORE_SERVER_FEATURE_ERROR}.
 */
public final class XenstoreDomainInterface {
    /** {@code XENSTORE_RING_SIZE}: bytes in each direction's array; a power of two. */
    public static final int XENSTORE_RING_SIZE = 1024;
    /** {@code sizeof(XENSTORE_RING_IDX)}: the indices are {@code uint32_t}. */
    public static final int XENSTORE_RING_IDX_LENGTH = 4;
    /** {@code sizeof} each {@code uint32_t} field: {@code server_features}, {@code connection}, {@code error}. */
    public static final int U32_FIELD_LENGTH = 4;

    public static final int REQ_OFFSET = 0;
    public static final int REQ_LENGTH = XENSTORE_RING_SIZE;
    public static final int RSP_OFFSET = REQ_OFFSET + REQ_LENGTH;
    public static final int RSP_LENGTH = XENSTORE_RING_SIZE;
    public static final int REQ_CONS_OFFSET = RSP_OFFSET + RSP_LENGTH;
    public static final int REQ_PROD_OFFSET = REQ_CONS_OFFSET + XENSTORE_RING_IDX_LENGTH;
    public static final int RSP_CONS_OFFSET = REQ_PROD_OFFSET + XENSTORE_RING_IDX_LENGTH;
    public static final int RSP_PROD_OFFSET = RSP_CONS_OFFSET + XENSTORE_RING_IDX_LENGTH;
    public static final int SERVER_FEATURES_OFFSET = RSP_PROD_OFFSET + XENSTORE_RING_IDX_LENGTH;
    public static final int CONNECTION_OFFSET = SERVER_FEATURES_OFFSET + U32_FIELD_LENGTH;
    public static final int ERROR_OFFSET = CONNECTION_OFFSET + U32_FIELD_LENGTH;
    /** {@code sizeof(struct xenstore_domain_interface)}. */
    public static final int LENGTH = ERROR_OFFSET + U32_FIELD_LENGTH;

    /** {@code XENSTORE_SERVER_FEATURE_RECONNECTION}: the {@code connection} field may be used to reset the ring. */
    public static final int XENSTORE_SERVER_FEATURE_RECONNECTION = 1;
    /**
     * {@code XENSTORE_SERVER_FEATURE_ERROR}: the {@code error} field is valid. (xenstore-ring.txt also lists bit 2,
     * mask 4, for a WATCH depth parameter; 4.17's xs_wire.h defines no macro for it, so neither do we.)
     */
    public static final int XENSTORE_SERVER_FEATURE_ERROR = 2;

    /** {@code XENSTORE_CONNECTED}: the steady state; only xenstored writes it (to end a reconnect). */
    public static final int XENSTORE_CONNECTED = 0;
    /** {@code XENSTORE_RECONNECT}: a reconnect is in progress; only the guest writes it. */
    public static final int XENSTORE_RECONNECT = 1;

    /** {@code XENSTORE_ERROR_NONE}: the connection is valid. */
    public static final int XENSTORE_ERROR_NONE = 0;
    /** {@code XENSTORE_ERROR_COMM}: the event channel does not work. */
    public static final int XENSTORE_ERROR_COMM = 1;
    /** {@code XENSTORE_ERROR_RINGIDX}: a producer/consumer pair is inconsistent. */
    public static final int XENSTORE_ERROR_RINGIDX = 2;
    /** {@code XENSTORE_ERROR_PROTO}: protocol violation (a payload too long). Unknown values must be tolerated. */
    public static final int XENSTORE_ERROR_PROTO = 3;

    private XenstoreDomainInterface() {
    }

    /** {@code MASK_XENSTORE_IDX(idx)}: the position in a direction's array of stream byte {@code idx}. */
    public static int maskXenstoreIdx(int idx) {
        return idx & (XENSTORE_RING_SIZE - 1);
    }

    /**
     * The bytes queued between a consumer and a producer index, {@code prod - cons} modulo 2^32; meaningful only
     * when {@link #checkIndexes(int, int)} holds.
     */
    public static int queued(int cons, int prod) {
        return prod - cons;
    }

    /**
     * Whether a (cons, prod) pair read from a peer is consistent: at most {@link #XENSTORE_RING_SIZE} bytes
     * queued, comparing modulo 2^32 (C xenstored's {@code check_indexes}). A peer's indices are untrusted.
     */
    public static boolean checkIndexes(int cons, int prod) {
        return Integer.compareUnsigned(prod - cons, XENSTORE_RING_SIZE) <= 0;
    }
}
