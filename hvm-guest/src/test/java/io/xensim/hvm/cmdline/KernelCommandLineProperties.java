package io.xensim.hvm.cmdline;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class KernelCommandLineProperties {

    /** A parameter as a user would write it: a name, maybe a value, which may need quoting for its spaces. */
    record Written(String name, Optional<String> value) {
        String text() {
            return value.map(v -> name + "=\"" + v + "\"").orElse(name);
        }
    }

    @Provide
    Arbitrary<Written> written() {
        Arbitrary<String> names = Arbitraries.strings().withChars("abcxyz_-.019/").ofMinLength(1).ofMaxLength(12)
                .filter(n -> !n.equals("--"));
        Arbitrary<Optional<String>> values = Arbitraries.strings().withChars("abc xyz,=_-/\t019").ofMaxLength(16)
                .optional(0.7);
        return Combinators.combine(names, values).as(Written::new);
    }

    @Property
    void quotedValuesRoundTrip(@ForAll("lines") List<Written> params, @ForAll("spaces") String gap) {
        String line = params.stream().map(Written::text).collect(Collectors.joining(gap, gap, ""));
        KernelCommandLine parsed = KernelCommandLine.parse(line).orElseThrow();
        assertThat(parsed.params()).extracting(KernelParam::name).containsExactlyElementsOf(
                params.stream().map(Written::name).toList());
        assertThat(parsed.params()).extracting(KernelParam::value).containsExactlyElementsOf(
                params.stream().map(Written::value).toList());
        assertThat(parsed.initArgs()).isEmpty();
    }

    @Provide
    Arbitrary<List<Written>> lines() {
        return written().list().ofMaxSize(8);
    }

    @Provide
    Arbitrary<String> spaces() {
        return Arbitraries.strings().withChars(" \t").ofMinLength(1).ofMaxLength(3);
    }

    @Property
    void anyLineParsesOrNamesAnUnclosedQuote(@ForAll("anyLine") String line) {
        Decoded<KernelCommandLine> parsed = KernelCommandLine.parse(line);
        long quotes = line.chars().filter(c -> c == '"').count();
        if (parsed instanceof Decoded.Malformed<KernelCommandLine>(String reason)) {
            assertThat(reason).startsWith("unterminated quote");
            assertThat(quotes % 2).isEqualTo(1);
        } else {
            // Every word starts where the line has a non-space character, and words come in order.
            int previous = -1;
            for (KernelParam p : parsed.orElseThrow().params()) {
                assertThat(KernelCommandLine.isSpace(line.charAt(p.position()))).isFalse();
                assertThat(p.position()).isGreaterThan(previous);
                previous = p.position();
            }
        }
    }

    @Provide
    Arbitrary<String> anyLine() {
        return Arbitraries.strings().withChars("ab= \"\t-").ofMaxLength(24);
    }

    @Property
    void evenQuoteCountsAlwaysParse(@ForAll("anyLine") String line) {
        long quotes = line.chars().filter(c -> c == '"').count();
        if (quotes % 2 == 0) {
            assertThat(KernelCommandLine.parse(line).isOk()).isTrue();
        }
    }
}
