package io.xensim.xenbus.store.wire;

import java.util.OptionalLong;

/**
 * The C library number parsing C xenstored applies to payload fields, so that odd input is read the same way:
 * {@code atoi()} (domids, offsets, ports) and {@code strtol(s, &end, base)} (permission domids).
 */
public final class CNumbers {
    private CNumbers() {
    }

    /**
     * {@code atoi(s)} as glibc computes it, {@code (int) strtol(s, NULL, 10)}: leading white space, an optional
     * sign, then digits up to the first non-digit; no digits gives 0; out-of-range values saturate at the
     * {@code long} limits before the cast.
     */
    public static int atoi(String s) {
        var r = strtol(s, 10);
        return (int) r.value;
    }

    /** {@code atol(s)}: {@code strtol(s, NULL, 10)}. */
    public static long atol(String s) {
        return strtol(s, 10).value;
    }

    /**
     * {@code strtol(s, &end, base)} that must consume the whole non-empty string ({@code *end == 0}), as in
     * {@code xs_strings_to_perms()}; empty if it does not.
     */
    public static OptionalLong strtolWhole(String s, int base) {
        if (s.isEmpty()) {
            return OptionalLong.empty();
        }
        var r = strtol(s, base);
        return r.end == s.length() && r.digits ? OptionalLong.of(r.value) : OptionalLong.empty();
    }

    private record Result(long value, int end, boolean digits) {
    }

    private static Result strtol(String s, int base) {
        int i = 0;
        int n = s.length();
        while (i < n && isSpace(s.charAt(i))) {
            i++;
        }
        boolean negative = false;
        if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        if (base == 0) {
            if (i + 1 < n && s.charAt(i) == '0' && (s.charAt(i + 1) == 'x' || s.charAt(i + 1) == 'X')
                    && i + 2 < n && Character.digit(s.charAt(i + 2), 16) >= 0) {
                base = 16;
                i += 2;
            } else if (i < n && s.charAt(i) == '0') {
                base = 8;
            } else {
                base = 10;
            }
        }
        int start = i;
        long value = 0;
        boolean overflow = false;
        while (i < n) {
            int d = Character.digit(s.charAt(i), base);
            if (d < 0 || s.charAt(i) > 0x7f) {
                break;
            }
            if (!overflow) {
                try {
                    value = Math.addExact(Math.multiplyExact(value, base), d);
                } catch (ArithmeticException e) {
                    overflow = true;
                }
            }
            i++;
        }
        boolean digits = i > start;
        if (!digits) {
            return new Result(0, 0, false);
        }
        if (overflow) {
            value = negative ? Long.MIN_VALUE : Long.MAX_VALUE;
        } else if (negative) {
            value = -value;
        }
        return new Result(value, i, true);
    }

    private static boolean isSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
