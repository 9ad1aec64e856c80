package io.xensim.xenbus.store.wire;

import io.xensim.xenbus.abi.AbiFact;
import io.xensim.xenbus.abi.AbiFactList;
import io.xensim.xenbus.abi.AbiFactSource;
import java.util.ArrayList;
import java.util.List;

/**
 * The xs_wire.h facts the xenstore wire code relies on, named as in {@code abi-golden.tsv}: the
 * {@code XS_*} type numbers, the {@code xsd_sockmsg} layout, the {@code xsd_errors} table and the size limits.
 * Every value comes from the constant the code uses.
 */
public final class XsWireAbiFacts implements AbiFactSource {
    @Override
    public String group() {
        return "xs_wire";
    }

    @Override
    public List<AbiFact> facts() {
        String header = "struct xsd_sockmsg";
        List<AbiFact> facts = new ArrayList<>(new AbiFactList()
                .sizeof(header, XsdSockmsg.LENGTH)
                .field(header, "type", XsdSockmsg.TYPE_OFFSET, Integer.BYTES)
                .field(header, "req_id", XsdSockmsg.REQ_ID_OFFSET, Integer.BYTES)
                .field(header, "tx_id", XsdSockmsg.TX_ID_OFFSET, Integer.BYTES)
                .field(header, "len", XsdSockmsg.LEN_OFFSET, Integer.BYTES)
                .toList());
        for (XsType type : XsType.values()) {
            facts.add(AbiFact.of(type.name(), type.code()));
            if (type == XsType.XS_CONTROL) {
                facts.add(AbiFact.of("XS_DEBUG", XsType.XS_DEBUG.code()));
            }
        }
        facts.add(AbiFact.of("XS_WATCH_PATH", XsdSockmsg.XS_WATCH_PATH));
        facts.add(AbiFact.of("XS_WATCH_TOKEN", XsdSockmsg.XS_WATCH_TOKEN));
        facts.add(AbiFact.of("XS_WRITE_NONE", XsPayloads.XS_WRITE_NONE));
        facts.add(AbiFact.of("XS_WRITE_CREATE", XsPayloads.XS_WRITE_CREATE));
        facts.add(AbiFact.of("XS_WRITE_CREATE_EXCL", XsPayloads.XS_WRITE_CREATE_EXCL));
        facts.add(AbiFact.of("XENSTORE_PAYLOAD_MAX", XsdSockmsg.XENSTORE_PAYLOAD_MAX));
        facts.add(AbiFact.of("XENSTORE_ABS_PATH_MAX", XsdSockmsg.XENSTORE_ABS_PATH_MAX));
        facts.add(AbiFact.of("XENSTORE_REL_PATH_MAX", XsdSockmsg.XENSTORE_REL_PATH_MAX));
        XsError[] errors = XsError.values();
        facts.add(AbiFact.of("xsd_errors.count", errors.length));
        for (int i = 0; i < errors.length; i++) {
            facts.add(AbiFact.of("xsd_errors[" + i + "].errstring", errors[i].errstring()));
            facts.add(AbiFact.of("xsd_errors[" + i + "].errnum", errors[i].errnum()));
        }
        return facts;
    }
}
