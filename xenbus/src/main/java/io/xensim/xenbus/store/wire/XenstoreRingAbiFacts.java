package io.xensim.xenbus.store.wire;

import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.*;

import io.xensim.xenbus.abi.AbiFact;
import io.xensim.xenbus.abi.AbiFactList;
import io.xensim.xenbus.abi.AbiFactSource;
import java.util.List;

/**
 * The ABI facts of the xenstore ring page ({@link XenstoreDomainInterface}) under their names in
 * {@code abi-golden.tsv}, computed from the constants the code uses.
 */
public final class XenstoreRingAbiFacts implements AbiFactSource {
    private static final String STRUCT = "struct xenstore_domain_interface";

    @Override
    public String group() {
        return "xenstore-ring";
    }

    @Override
    public List<AbiFact> facts() {
        return new AbiFactList()
                .sizeof("XENSTORE_RING_IDX", XENSTORE_RING_IDX_LENGTH)
                .constant("XENSTORE_RING_SIZE", XENSTORE_RING_SIZE)
                .sizeof(STRUCT, LENGTH)
                .field(STRUCT, "req", REQ_OFFSET, REQ_LENGTH)
                .field(STRUCT, "rsp", RSP_OFFSET, RSP_LENGTH)
                .field(STRUCT, "req_cons", REQ_CONS_OFFSET, XENSTORE_RING_IDX_LENGTH)
                .field(STRUCT, "req_prod", REQ_PROD_OFFSET, XENSTORE_RING_IDX_LENGTH)
                .field(STRUCT, "rsp_cons", RSP_CONS_OFFSET, XENSTORE_RING_IDX_LENGTH)
                .field(STRUCT, "rsp_prod", RSP_PROD_OFFSET, XENSTORE_RING_IDX_LENGTH)
                .field(STRUCT, "server_features", SERVER_FEATURES_OFFSET, U32_FIELD_LENGTH)
                .field(STRUCT, "connection", CONNECTION_OFFSET, U32_FIELD_LENGTH)
                .field(STRUCT, "error", ERROR_OFFSET, U32_FIELD_LENGTH)
                .constant("XENSTORE_SERVER_FEATURE_RECONNECTION", XENSTORE_SERVER_FEATURE_RECONNECTION)
                .constant("XENSTORE_SERVER_FEATURE_ERROR", XENSTORE_SERVER_FEATURE_ERROR)
                .constant("XENSTORE_CONNECTED", XENSTORE_CONNECTED)
                .constant("XENSTORE_RECONNECT", XENSTORE_RECONNECT)
                .constant("XENSTORE_ERROR_NONE", XENSTORE_ERROR_NONE)
                .constant("XENSTORE_ERROR_COMM", XENSTORE_ERROR_COMM)
                .constant("XENSTORE_ERROR_RINGIDX", XENSTORE_ERROR_RINGIDX)
                .constant("XENSTORE_ERROR_PROTO", XENSTORE_ERROR_PROTO)
                .toList();
    }
}
