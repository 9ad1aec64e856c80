package io.xensim.hvm.cmdline;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class KernelCommandLineTest {

    private static List<String> words(String line) {
        return KernelCommandLine.parse(line).orElseThrow().params().stream().map(KernelParam::text).toList();
    }

    @Test
    void splitsOnSpacesAndTabsAndSkipsRuns() {
        assertThat(words("  ro root=/dev/hda1\t quiet  ")).containsExactly("ro", "root=/dev/hda1", "quiet");
    }

    @Test
    void theFirstEqualsSeparatesNameAndValue() {
        KernelParam p = KernelCommandLine.parse("a=b=c").orElseThrow().params().getFirst();
        assertThat(p.name()).isEqualTo("a");
        assertThat(p.value()).contains("b=c");
    }

    @Test
    void aBareWordHasNoValueAndAnEmptyValueIsAValue() {
        var params = KernelCommandLine.parse("quiet xen_pv_hvm=").orElseThrow().params();
        assertThat(params.get(0).value()).isEmpty();
        assertThat(params.get(1).value()).contains("");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "foo=\"a b\"          | foo | a b",
            "\"foo=a b\"          | foo | a b",
            "foo=\"a b\"c         | foo | a b\"c",
            "foo=a\"b c\"         | foo | a\"b c\"",
            "\"quoted word\"      | quoted word | ",
    })
    void quotesAreStrippedAsNextArgStripsThem(String line, String name, String value) {
        KernelParam p = KernelCommandLine.parse(line.strip()).orElseThrow().params().getFirst();
        assertThat(p.name()).isEqualTo(name);
        assertThat(p.value()).isEqualTo(Optional.ofNullable(value));
    }

    @Test
    void anEqualsSignFirstIsNotASeparator() {
        // next_arg() keeps "equals == 0" as "no '=' seen", so a word starting with '=' is all name.
        KernelParam p = KernelCommandLine.parse("=x").orElseThrow().params().getFirst();
        assertThat(p.name()).isEqualTo("=x");
        assertThat(p.value()).isEmpty();
    }

    @Test
    void doubleDashEndsTheKernelParametersAndTheRestGoToInit() {
        KernelCommandLine line = KernelCommandLine.parse("ro -- single xen_pv_hvm=enable").orElseThrow();
        assertThat(line.params()).extracting(KernelParam::text).containsExactly("ro");
        assertThat(line.initArgs()).extracting(KernelParam::text).containsExactly("single", "xen_pv_hvm=enable");
        assertThat(line.has("xen_pv_hvm")).isFalse();
    }

    @Test
    void aDoubleDashWithAValueIsAnOrdinaryParameter() {
        assertThat(KernelCommandLine.parse("--=x ro").orElseThrow().params()).hasSize(2);
    }

    @Test
    void dashesAndUnderscoresNameTheSameParameter() {
        KernelCommandLine line = KernelCommandLine.parse("xen-emul-unplug=never").orElseThrow();
        assertThat(line.has("xen_emul_unplug")).isTrue();
        assertThat(line.all("xen_emul_unplug")).hasSize(1);
    }

    @Test
    void positionsPointAtEachWord() {
        var params = KernelCommandLine.parse(" ab  \"c d\" e=f").orElseThrow().params();
        assertThat(params).extracting(KernelParam::position).containsExactly(1, 5, 11);
    }

    @Test
    void anUnterminatedQuoteIsAnErrorNamingItsPosition() {
        Decoded<KernelCommandLine> parsed = KernelCommandLine.parse("ro root=\"/dev/hda1 xen_pv_hvm=enable");
        assertThat(parsed).isInstanceOfSatisfying(Decoded.Malformed.class, m -> assertThat(m.reason())
                .startsWith("unterminated quote: the '\"' at position 8 ")
                .contains("`\"/dev/hda1 xen_pv_hvm=enable'"));
    }

    @Test
    void anUnterminatedQuoteOpeningAWordIsFound() {
        assertThat(KernelCommandLine.parse("a \"b c")).isInstanceOfSatisfying(Decoded.Malformed.class,
                m -> assertThat(m.reason()).contains("position 2 "));
    }

    @Test
    void anEmptyOrBlankLineHasNoWords() {
        assertThat(words("")).isEmpty();
        assertThat(words(" \t ")).isEmpty();
        assertThat(KernelCommandLine.empty().params()).isEmpty();
    }
}
