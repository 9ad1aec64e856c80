package io.xensim.xenbus.store.wire;

import io.xensim.xenbus.Decoded;

/**
 * Numbers in xenstore values, read the way a Linux guest's xenbus code reads them: every {@code state}, grant ref,
 * port, order, count and feature flag another domain wrote goes through here, so that every reader in xensim agrees
 * on what is a number. A value is ASCII decimal text, as {@code xenbus_scanf(..., "%d")} / {@code "%u"} and
 * {@code simple_strtoul(s, NULL, 10)} read it:
 * <ul>
 *   <li>leading ASCII white space (space, {@code \t \n \v \f \r}) is skipped, as {@code vsscanf}'s
 *       {@code skip_spaces()} does before a numeric conversion;</li>
 *   <li>a signed value may start with {@code '-'} ({@code %d}); an unsigned one may not ({@code %u} stops
 *       there and matches nothing); {@code '+'} is never accepted ({@code vsscanf} does not take it either);</li>
 *   <li>then one or more of the ASCII digits {@code '0'..'9'}; nothing else is a digit: {@code "\u0664"}
 *       (ARABIC-INDIC DIGIT FOUR), which {@link Character#isDigit} accepts, is not a number here, as it is not for
 *       the kernel's {@code isdigit()} over bytes.</li>
 * </ul>
 * Two deliberate differences, both stricter than Linux, because no well-behaved peer writes such values and
 * accepting them would only hide a peer's bug: text after the digits other than ASCII white space is malformed
 * ({@code "4x"}: Linux's {@code %d} reads 4 and ignores the rest), and a value outside the caller's range is
 * malformed (Linux wraps it modulo the width of the C variable).
 *
 * <p>Results are {@link Decoded} values, never exceptions: the text came from another domain. The reasons name the
 * value; callers prefix the key.
 *
 * <p><b>Threading:</b> stateless; any thread.
 *
 * <p><b>Reference:</b> Linux lib/vsprintf.c ({@code vsscanf}, {@code simple_strtoul}),
 * drivers/xen/xenbus/xenbus_xs.c ({@code xenbus_scanf}, {@code xenbus_read_unsigned}). The server's own number
 * parsing, which follows C xenstored's {@code atoi()}, is {@link CNumbers}.
 */
public final class XsValues {
    /** The largest u32: grant refs, ports and domids are written as unsigned 32-bit decimals. */
    public static final long U32_MAX = 0xFFFF_FFFFL;

    private XsValues() {
    }

    /** True for the ten ASCII digits only (C's {@code isdigit()} in the "C" locale). */
    public static boolean isAsciiDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** C's {@code isspace()} in the "C" locale: space, tab, newline, vertical tab, form feed, carriage return. */
    public static boolean isAsciiSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    /** An unsigned decimal ({@code %u}) in {@code 0..max}. */
    public static Decoded<Long> parseUnsigned(String value, long max) {
        if (max < 0) {
            throw new IllegalArgumentException("max: " + max + " (expected: >= 0)");
        }
        return parse(value, false, 0, max);
    }

    /** A signed decimal ({@code %d}) in {@code min..max}. */
    public static Decoded<Long> parseSigned(String value, long min, long max) {
        if (min > max) {
            throw new IllegalArgumentException("min: " + min + " (expected: <= max " + max + ")");
        }
        return parse(value, true, min, max);
    }

    /** An unsigned 32-bit decimal (a grant ref, a port), as the {@code int} with the same 32 bits. */
    public static Decoded<Integer> parseU32(String value) {
        return switch (parse(value, false, 0, U32_MAX)) {
            case Decoded.Ok<Long>(Long v) -> Decoded.ok((int) v.longValue());
            case Decoded.Malformed<Long>(String reason) -> Decoded.malformed(reason);
        };
    }

    /** A signed decimal in {@code min..max} that fits an {@code int} (a {@code state}, an order, a count). */
    public static Decoded<Integer> parseInt(String value, int min, int max) {
        return switch (parseSigned(value, min, max)) {
            case Decoded.Ok<Long>(Long v) -> Decoded.ok((int) v.longValue());
            case Decoded.Malformed<Long>(String reason) -> Decoded.malformed(reason);
        };
    }

    private static Decoded<Long> parse(String value, boolean signed, long min, long max) {
        if (value == null) {
            return Decoded.malformed("missing");
        }
        int n = value.length();
        int i = 0;
        while (i < n && isAsciiSpace(value.charAt(i))) {
            i++;
        }
        boolean negative = false;
        if (signed && i < n && value.charAt(i) == '-') {
            negative = true;
            i++;
        }
        int firstDigit = i;
        // Accumulate the magnitude as a negative number, so that Long.MIN_VALUE fits; stop counting once it is out
        // of every range this class serves (the digits are still checked to the end).
        long acc = 0;
        boolean tooBig = false;
        while (i < n && isAsciiDigit(value.charAt(i))) {
            int d = value.charAt(i) - '0';
            if (!tooBig) {
                if (acc < (Long.MIN_VALUE + d) / 10) {
                    tooBig = true;
                } else {
                    acc = acc * 10 - d;
                }
            }
            i++;
        }
        if (i == firstDigit) {
            return Decoded.malformed(quote(value) + " (expected: " + expected(signed, min, max) + ")");
        }
        int end = i;
        while (i < n && isAsciiSpace(value.charAt(i))) {
            i++;
        }
        if (i != n) {
            return Decoded.malformed(quote(value) + " (expected: " + expected(signed, min, max)
                    + "; text after the digits at index " + end + ")");
        }
        boolean inRange;
        long result = 0;
        if (tooBig || (!negative && acc == Long.MIN_VALUE)) {
            inRange = false;
        } else {
            result = negative ? acc : -acc;
            inRange = result >= min && result <= max;
        }
        if (!inRange) {
            return Decoded.malformed(quote(value) + " (expected: " + min + ".." + max + ")");
        }
        return Decoded.ok(result);
    }

    private static String expected(boolean signed, long min, long max) {
        return (signed ? "a decimal " : "an unsigned decimal ") + min + ".." + max;
    }

    private static String quote(String value) {
        StringBuilder b = new StringBuilder(value.length() + 2).append('"');
        int shown = Math.min(value.length(), 64);
        for (int k = 0; k < shown; k++) {
            char c = value.charAt(k);
            if (c >= 0x20 && c < 0x7f) {
                b.append(c);
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        if (shown < value.length()) {
            b.append("...");
        }
        return b.append('"').toString();
    }
}
