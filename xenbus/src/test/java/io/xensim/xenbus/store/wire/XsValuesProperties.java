package io.xensim.xenbus.store.wire;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import java.math.BigInteger;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;

/** {@link XsValues} against an independent model: a regular expression over ASCII and {@link BigInteger}. */
class XsValuesProperties {
    /** What the class comment promises, written independently of the parser. */
    private static final Pattern SIGNED = Pattern.compile("[ \\t\\n\\u000B\\f\\r]*(-?[0-9]+)[ \\t\\n\\u000B\\f\\r]*");
    private static final Pattern UNSIGNED = Pattern.compile("[ \\t\\n\\u000B\\f\\r]*([0-9]+)[ \\t\\n\\u000B\\f\\r]*");

    /** Strings over the characters that matter: digits (ASCII and not), signs, white space of both kinds, junk. */
    @Provide
    Arbitrary<String> numberish() {
        return Arbitraries.of('0', '1', '4', '7', '9', '-', '+', ' ', '\t', '\n', '\u000B', 'x', 'a', '\u0664',
                        '\u0660', '\uFF14', '\u00A0', '\u2003', '\u0000')
                .list().ofMaxSize(24).map(cs -> {
                    StringBuilder b = new StringBuilder();
                    cs.forEach(b::append);
                    return b.toString();
                });
    }

    @Provide
    Arbitrary<String> longDigitRuns() {
        return Arbitraries.strings().withChars("0123456789").ofMinLength(1).ofMaxLength(40);
    }

    @Property(tries = 2000)
    void signedMatchesTheModel(@ForAll("numberish") String value) {
        assertSameOutcome(XsValues.parseSigned(value, Long.MIN_VALUE, Long.MAX_VALUE), model(SIGNED, value,
                BigInteger.valueOf(Long.MIN_VALUE), BigInteger.valueOf(Long.MAX_VALUE)));
    }

    @Property(tries = 2000)
    void unsignedMatchesTheModel(@ForAll("numberish") String value) {
        assertSameOutcome(XsValues.parseUnsigned(value, XsValues.U32_MAX), model(UNSIGNED, value,
                BigInteger.ZERO, BigInteger.valueOf(XsValues.U32_MAX)));
    }

    @Property
    void bigNumbersAreMalformedNotWrapped(@ForAll("longDigitRuns") String digits) {
        Decoded<Long> expected = model(UNSIGNED, digits, BigInteger.ZERO, BigInteger.valueOf(Long.MAX_VALUE));
        assertSameOutcome(XsValues.parseUnsigned(digits, Long.MAX_VALUE), expected);
        assertSameOutcome(XsValues.parseSigned("-" + digits, Long.MIN_VALUE, Long.MAX_VALUE), model(SIGNED,
                "-" + digits, BigInteger.valueOf(Long.MIN_VALUE), BigInteger.valueOf(Long.MAX_VALUE)));
    }

    @Property
    void everyU32RoundTripsThroughItsDecimalText(@ForAll @LongRange(min = 0, max = 0xFFFF_FFFFL) long n) {
        assertThat(XsValues.parseU32(Long.toString(n))).isEqualTo(Decoded.ok((int) n));
        assertThat(XsValues.parseU32(" " + n + "\n")).isEqualTo(Decoded.ok((int) n));
    }

    @Property
    void nonAsciiCharactersNeverParse(@ForAll String value) {
        boolean ascii = value.chars().allMatch(c -> c < 0x80);
        if (!ascii) {
            assertThat(XsValues.parseSigned(value, Long.MIN_VALUE, Long.MAX_VALUE)).isInstanceOf(
                    Decoded.Malformed.class);
            assertThat(XsValues.parseU32(value)).isInstanceOf(Decoded.Malformed.class);
        }
    }

    @Example
    void digitsOfOtherScriptsAreNotNumbers() {
        assertThat(XsValues.parseU32("\u0664\u0662")).isInstanceOf(Decoded.Malformed.class); // ٤٢
        assertThat(XsValues.parseU32("\uFF14")).isInstanceOf(Decoded.Malformed.class);       // FULLWIDTH DIGIT FOUR
        assertThat(XsValues.parseU32("4\u0662")).isInstanceOf(Decoded.Malformed.class);
        assertThat(XsValues.parseU32("42")).isEqualTo(Decoded.ok(42));
    }

    @Example
    void signsWhiteSpaceAndRangeFollowTheDocumentedRules() {
        assertThat(XsValues.parseSigned("-7", -10, 10)).isEqualTo(Decoded.ok(-7L));
        assertThat(XsValues.parseUnsigned("-7", 10)).isInstanceOf(Decoded.Malformed.class);  // %u takes no sign
        assertThat(XsValues.parseSigned("+7", -10, 10)).isInstanceOf(Decoded.Malformed.class); // vsscanf: no '+'
        assertThat(XsValues.parseSigned(" \t7\n", -10, 10)).isEqualTo(Decoded.ok(7L));
        assertThat(XsValues.parseSigned("\u00A07", -10, 10)).isInstanceOf(Decoded.Malformed.class); // NBSP
        assertThat(XsValues.parseSigned("7 7", -10, 10)).isInstanceOf(Decoded.Malformed.class);
        assertThat(XsValues.parseSigned("007", -10, 10)).isEqualTo(Decoded.ok(7L));             // decimal, not octal
        assertThat(XsValues.parseU32("4294967296")).isInstanceOf(Decoded.Malformed.class);
        assertThat(XsValues.parseU32("4294967295")).isEqualTo(Decoded.ok(-1));
        assertThat(XsValues.parseSigned("-9223372036854775808", Long.MIN_VALUE, Long.MAX_VALUE))
                .isEqualTo(Decoded.ok(Long.MIN_VALUE));
        assertThat(XsValues.parseSigned("9223372036854775808", Long.MIN_VALUE, Long.MAX_VALUE))
                .isInstanceOf(Decoded.Malformed.class);
        assertThat(XsValues.parseU32(null)).isInstanceOf(Decoded.Malformed.class);
    }

    /** The same value, or both malformed (the model does not word reasons). */
    private static void assertSameOutcome(Decoded<Long> actual, Decoded<Long> expected) {
        if (expected.isOk()) {
            assertThat(actual).isEqualTo(expected);
        } else {
            assertThat(actual).isInstanceOf(Decoded.Malformed.class);
        }
    }

    private static Decoded<Long> model(Pattern pattern, String value, BigInteger min, BigInteger max) {
        var m = pattern.matcher(value);
        if (!m.matches()) {
            return Decoded.malformed("any");
        }
        BigInteger n = new BigInteger(m.group(1));
        if (n.compareTo(min) < 0 || n.compareTo(max) > 0) {
            return Decoded.malformed("any");
        }
        return Decoded.ok(n.longValueExact());
    }
}
