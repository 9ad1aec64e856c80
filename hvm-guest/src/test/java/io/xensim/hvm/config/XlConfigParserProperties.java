package io.xensim.hvm.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class XlConfigParserProperties {

    @Property
    void anyTextParsesOrReportsWithoutThrowing(@ForAll("configish") String text) {
        XlConfigParser.Parsed parsed = XlConfigParser.parse("f", text);
        assertThat(parsed.ok()).isEqualTo(parsed.errors().isEmpty());
        // Every message is libxlutil's "<file>:<line>: config parsing error near ..." or the Python hint.
        parsed.errors().forEach(e -> assertThat(e).matches("(f:[0-9]+: config parsing error near .*: .+|warning: .*)"));
    }

    @Provide
    Arbitrary<String> configish() {
        return Arbitraries.strings().withChars("ab1 =[],;'\"#\n\\+x.").ofMaxLength(40);
    }

    @Property
    void quotedStringsRoundTrip(@ForAll("keys") String key, @ForAll("plain") String value,
                                @ForAll boolean single) {
        char q = single ? '\'' : '"';
        String text = key + " = " + q + value.replace("\\", "\\\\").replace(String.valueOf(q), "\\" + q) + q + "\n";
        XlConfig c = XlConfigParser.parse("f", text).config().orElseThrow();
        assertThat(c.string(key, new ArrayList<>())).contains(value);
    }

    @Property
    void listsKeepTheirItemsInOrder(@ForAll("keys") String key, @ForAll("items") List<String> items,
                                    @ForAll boolean trailingComma, @ForAll boolean oneItemPerLine) {
        StringBuilder text = new StringBuilder(key).append(" = [");
        for (int i = 0; i < items.size(); i++) {
            text.append(oneItemPerLine ? "\n  " : " ").append('\'').append(items.get(i)).append('\'');
            if (i < items.size() - 1 || trailingComma && !items.isEmpty()) {
                text.append(',');
            }
        }
        text.append(oneItemPerLine ? "\n]\n" : " ]\n");
        XlConfig c = XlConfigParser.parse("f", text.toString()).config().orElseThrow();
        assertThat(c.list(key, new ArrayList<>()).orElseThrow())
                .extracting(v -> ((ConfigValue.Atom) v).text()).containsExactlyElementsOf(items);
        assertThat(c.settings()).containsOnlyKeys(key);
    }

    @Provide
    Arbitrary<String> keys() {
        return Arbitraries.strings().withChars("abcz_.019").ofMinLength(1).ofMaxLength(10)
                .filter(k -> k.charAt(0) >= 'a' && k.charAt(0) <= 'z');
    }

    @Provide
    Arbitrary<String> plain() {
        return Arbitraries.strings().withChars("abc =,[]#;:/\\'\"").ofMaxLength(20);
    }

    @Provide
    Arbitrary<List<String>> items() {
        return Arbitraries.strings().withChars("abc=,: /").ofMaxLength(12).list().ofMaxSize(5);
    }
}
