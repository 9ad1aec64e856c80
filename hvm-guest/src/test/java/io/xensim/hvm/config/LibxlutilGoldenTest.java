package io.xensim.hvm.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Decoded;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden vectors: inputs and what the real libxlutil 4.17 printed for them (see the header of each table), so the
 * parsers are checked against the library's behaviour, not against our reading of its source.
 */
class LibxlutilGoldenTest {

    static Stream<Arguments> cfg() throws IOException {
        return table("libxlutil-4.17-cfg.tsv");
    }

    static Stream<Arguments> disk() throws IOException {
        return table("libxlutil-4.17-disk.tsv");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("cfg")
    void configFilesAsLibxlutilReadsThem(String input, String expected) {
        XlConfigParser.Parsed parsed = XlConfigParser.parse("f", input);
        StringBuilder out = new StringBuilder();
        parsed.errors().forEach(e -> out.append(e).append('\n'));
        out.append("RC=").append(parsed.ok() ? 0 : 22).append('\n');
        assertThat(out.toString()).isEqualTo(expected);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("disk")
    void diskSpecsAsLibxlutilReadsThem(String input, String expected) {
        String out = switch (DiskSpecParser.parse("f", input)) {
            case Decoded.Malformed<DiskSpec>(String reason) -> reason + "\nRC=22\n";
            case Decoded.Ok<DiskSpec>(DiskSpec d) -> "RC=0\ntarget=" + d.target().orElse("") + " format="
                    + d.format().name().toLowerCase(Locale.ROOT) + " vdev=" + d.vdev() + " rw=" + (d.readwrite() ? 1 : 0)
                    + " cdrom=" + (d.cdrom() ? 1 : 0) + " removable=" + (d.cdrom() ? 1 : 0) + " backend="
                    + d.backendType().map(t -> t.name().toLowerCase(Locale.ROOT)).orElse("unknown") + " script="
                    + d.script().orElse("(null)") + " bdom=" + d.backendDomain().orElse("(null)") + "\n";
        };
        assertThat(out).isEqualTo(expected);
    }

    private static Stream<Arguments> table(String name) throws IOException {
        try (InputStream in = LibxlutilGoldenTest.class.getResourceAsStream(name)) {
            assertThat(in).as(name).isNotNull();
            String text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            return Arrays.stream(text.split("\n")).filter(l -> !l.startsWith("#") && !l.isEmpty()).map(l -> {
                int tab = l.indexOf('\t');
                return Arguments.of(unescape(l.substring(0, tab)), unescape(l.substring(tab + 1)));
            }).toList().stream();
        }
    }

    private static String unescape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                char n = s.charAt(++i);
                b.append(switch (n) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    default -> n;
                });
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
