package io.xensim.xenbus.abi;

import java.util.ArrayList;
import java.util.List;

/**
 * Builds an {@link AbiFactSource}'s list with the C spellings of {@code abi-golden.tsv}, so that a source names a
 * field once and the {@code offsetof}/{@code sizeof} rows come out spelled alike in every module.
 *
 * <p>{@code type} is the C type as the table writes it: {@code "struct netif_tx_request"},
 * {@code "union grant_entry_v2"}. A nested field is a dotted path: {@code "u.gso.size"}.
 */
public final class AbiFactList {
    private final List<AbiFact> facts = new ArrayList<>();

    /** A constant (a {@code #define} or an enumerator) under its C name. */
    public AbiFactList constant(String name, long value) {
        facts.add(AbiFact.of(name, value));
        return this;
    }

    /** {@code sizeof(type)}. */
    public AbiFactList sizeof(String type, long size) {
        facts.add(AbiFact.of("sizeof(" + type + ")", size));
        return this;
    }

    /** {@code offsetof(type, field)} alone, for rows such as {@code offsetof(struct blkif_request, seg[10])}. */
    public AbiFactList offsetof(String type, String field, long offset) {
        facts.add(AbiFact.of("offsetof(" + type + ", " + field + ")", offset));
        return this;
    }

    /** {@code offsetof(type, field)} and {@code sizeof(type.field)}. */
    public AbiFactList field(String type, String field, long offset, long size) {
        offsetof(type, field, offset);
        facts.add(AbiFact.of("sizeof(" + type + "." + field + ")", size));
        return this;
    }

    /** Appends facts built elsewhere (e.g. a ring's sring facts). */
    public AbiFactList addAll(List<AbiFact> more) {
        facts.addAll(more);
        return this;
    }

    public List<AbiFact> toList() {
        return List.copyOf(facts);
    }
}
