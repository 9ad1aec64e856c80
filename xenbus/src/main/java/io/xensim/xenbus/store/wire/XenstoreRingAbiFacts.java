package io.xensim.xenbus.store.wire;

import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.*;

import io.xensim.xenbus.abi.AbiFact;
import io.xensim.xenbus.abi.AbiFactSource;
import java.util.ArrayList;
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
        List<AbiFact> facts = new ArrayList<>();
        facts.add(AbiFact.of("sizeof(XENSTORE_RING_IDX)", XENSTORE_RING_IDX_LENGTH));
        facts.add(AbiFact.of("XENSTORE_RING_SIZE", XENSTORE_RING_SIZE));
        facts.add(AbiFact.of("sizeof(" + STRUCT + ")", LENGTH));
        field(facts, "req", REQ_OFFSET, REQ_LENGTH);
        field(facts, "rsp", RSP_OFFSET, RSP_LENGTH);
        field(facts, "req_cons", REQ_CONS_OFFSET, XENSTORE_RING_IDX_LENGTH);
        field(facts, "req_prod", REQ_PROD_OFFSET, XENSTORE_RING_IDX_LENGTH);
        field(facts, "rsp_cons", RSP_CONS_OFFSET, XENSTORE_RING_IDX_LENGTH);
        field(facts, "rsp_prod", RSP_PROD_OFFSET, XENSTORE_RING_IDX_LENGTH);
        field(facts, "server_features", SERVER_FEATURES_OFFSET, U32_FIELD_LENGTH);
        field(facts, "connection", CONNECTION_OFFSET, U32_FIELD_LENGTH);
        field(facts, "error", ERROR_OFFSET, U32_FIELD_LENGTH);
        facts.add(AbiFact.of("XENSTORE_SERVER_FEATURE_RECONNECTION", XENSTORE_SERVER_FEATURE_RECONNECTION));
        facts.add(AbiFact.of("XENSTORE_SERVER_FEATURE_ERROR", XENSTORE_SERVER_FEATURE_ERROR));
        facts.add(AbiFact.of("XENSTORE_CONNECTED", XENSTORE_CONNECTED));
        facts.add(AbiFact.of("XENSTORE_RECONNECT", XENSTORE_RECONNECT));
        facts.add(AbiFact.of("XENSTORE_ERROR_NONE", XENSTORE_ERROR_NONE));
        facts.add(AbiFact.of("XENSTORE_ERROR_COMM", XENSTORE_ERROR_COMM));
        facts.add(AbiFact.of("XENSTORE_ERROR_RINGIDX", XENSTORE_ERROR_RINGIDX));
        facts.add(AbiFact.of("XENSTORE_ERROR_PROTO", XENSTORE_ERROR_PROTO));
        return List.copyOf(facts);
    }

    private static void field(List<AbiFact> facts, String field, int offset, int size) {
        facts.add(AbiFact.of("offsetof(" + STRUCT + ", " + field + ")", offset));
        facts.add(AbiFact.of("sizeof(" + STRUCT + "." + field + ")", size));
    }
}
