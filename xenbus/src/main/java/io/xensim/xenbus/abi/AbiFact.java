package io.xensim.xenbus.abi;

import java.util.Objects;

/**
 * One fact of Xen's public ABI as the Java code uses it: a size, a field offset, a ring size or a constant.
 *
 * <p>{@code name} is spelled exactly as in the golden table ({@link GoldenAbi}, {@code abi-golden.tsv}), for example
 * {@code offsetof(struct netif_tx_request, gref)}, {@code sizeof(struct blkif_response)} or {@code XS_WRITE}, so
 * that {@code xensim abi} output can be diffed against that table and against a C probe compiled from the same
 * names. {@code value} is printed the way the table prints it (decimal, or the string for string constants).
 */
public record AbiFact(String name, String value) {
    public AbiFact {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (name.indexOf('\t') >= 0 || name.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("name: " + name + " (expected: no tab or newline)");
        }
    }

    public static AbiFact of(String name, long value) {
        return new AbiFact(name, Long.toString(value));
    }

    public static AbiFact of(String name, String value) {
        return new AbiFact(name, value);
    }
}
