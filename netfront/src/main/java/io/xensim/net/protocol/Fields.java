package io.xensim.net.protocol;

/**
 * Range checks for values put into C fields by our own code: a value that does not fit its field is a bug on this
 * side ({@link IllegalArgumentException}), never a peer's fault. Peer bytes go through {@code decode}, which cannot
 * produce such values.
 */
final class Fields {
    private Fields() {
    }

    static int u8(String field, int value) {
        return check(field, value, 0, 0xff);
    }

    static int u16(String field, int value) {
        return check(field, value, 0, 0xffff);
    }

    static int s16(String field, int value) {
        return check(field, value, Short.MIN_VALUE, Short.MAX_VALUE);
    }

    private static int check(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + ": " + value + " (expected: " + min + ".." + max + ")");
        }
        return value;
    }
}
