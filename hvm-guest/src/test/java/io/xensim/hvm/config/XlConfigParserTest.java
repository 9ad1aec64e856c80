package io.xensim.hvm.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class XlConfigParserTest {
    private static final String FILE = "/etc/xen/guest.cfg";

    private static XlConfig ok(String text) {
        XlConfigParser.Parsed parsed = XlConfigParser.parse(FILE, text);
        assertThat(parsed.errors()).isEmpty();
        return parsed.config().orElseThrow();
    }

    private static List<String> errors(String text) {
        XlConfigParser.Parsed parsed = XlConfigParser.parse(FILE, text);
        assertThat(parsed.ok()).isFalse();
        return parsed.errors();
    }

    private static String str(XlConfig c, String key) {
        return c.string(key, new ArrayList<>()).orElseThrow();
    }

    @Test
    void readsStringsNumbersListsAndComments() {
        XlConfig c = ok("""
                # the seed's guest
                name = "rhel6"   # trailing comment
                builder='hvm'
                memory = 1024
                vcpus=2; xen_platform_pci = 1
                vif = [ 'bridge=xenbr0,type=netfront',
                        "mac=00:16:3e:00:00:01",
                      ]
                disk = []
                """);
        assertThat(str(c, "name")).isEqualTo("rhel6");
        assertThat(str(c, "builder")).isEqualTo("hvm");
        assertThat(c.number("memory", new ArrayList<>())).contains(1024L);
        assertThat(c.number("vcpus", new ArrayList<>())).contains(2L);
        assertThat(c.bool("xen_platform_pci", new ArrayList<>())).contains(true);
        assertThat(c.list("vif", new ArrayList<>()).orElseThrow()).extracting(v -> ((ConfigValue.Atom) v).text())
                .containsExactly("bridge=xenbr0,type=netfront", "mac=00:16:3e:00:00:01");
        assertThat(c.list("disk", new ArrayList<>())).contains(List.of());
        assertThat(c.setting("vif").orElseThrow().line()).isEqualTo(6);
    }

    @Test
    void theLastLineNeedsNoNewline() {
        assertThat(str(ok("name = 'x'"), "name")).isEqualTo("x");
    }

    @Test
    void aLaterAssignmentWinsAndPlusEqualsAppends() {
        XlConfig c = ok("""
                name = "a"
                name = "b"
                extra = "ro "
                extra += "xen_pv_hvm=enable"
                vif = [ 'bridge=xenbr0' ]
                vif += [ 'bridge=xenbr1' ]
                """);
        assertThat(str(c, "name")).isEqualTo("b");
        assertThat(str(c, "extra")).isEqualTo("ro xen_pv_hvm=enable");
        assertThat(c.list("vif", new ArrayList<>()).orElseThrow()).hasSize(2);
    }

    @Test
    void escapesInQuotedStrings() {
        assertThat(str(ok("a = \"q\\\"d \\\\ \\t\\n\"\n"), "a")).isEqualTo("q\"d \\ \t\n");
        assertThat(str(ok("a = 'it\\'s'\n"), "a")).isEqualTo("it's");
        // libxlutil 4.17 reads an "octal" escape's digits but never stores the character.
        assertThat(str(ok("a = \"x\\101y\"\n"), "a")).isEqualTo("xy");
    }

    @Test
    void afterASyntaxErrorThreeTokensMustBeShiftedBeforeTheNextIsReported() {
        // bison's yyerrstatus: "vcpus 2" comes only two tokens after the recovery, so it stays silent.
        assertThat(errors("memory 5\nvcpus 2\n")).hasSize(1);
        assertThat(errors("memory 5\n\nvcpus 2\n")).hasSize(2);
    }

    @Test
    void aCommentIsANewlineSoOneWithoutANewlineAtTheEndIsALexicalError() {
        assertThat(errors("name = 'x'\n# last words")).containsExactly(
                FILE + ":2: config parsing error near `#': lexical error");
    }

    @Test
    void anErrorRightAfterAValueAbandonsTheParse() {
        assertThat(errors("name = 'x' 'y'\nmemory 5\n\n\nvcpus 2\n")).hasSize(1);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "name \"x\"                  | /etc/xen/guest.cfg:1: config parsing error near `\"x\"': syntax error,"
                    + " unexpected STRING, expecting += or '='",
            // libxlutil reports an error at a NEWLINE token one line early: line 0 for the first line.
            "name =                      | /etc/xen/guest.cfg:0: config parsing error near <newline>: syntax error,"
                    + " unexpected NEWLINE, expecting STRING or NUMBER or '['",
            "name = 'x' 'y'              | /etc/xen/guest.cfg:1: config parsing error near `'y'': syntax error,"
                    + " unexpected STRING, expecting $end",
            "= 3                         | /etc/xen/guest.cfg:1: config parsing error near `=': syntax error,"
                    + " unexpected '=', expecting $end or IDENT or NEWLINE or ';'",
            "vif = [ 'a' 'b' ]           | /etc/xen/guest.cfg:1: config parsing error near `'b'': syntax error,"
                    + " unexpected STRING, expecting ']'",
            "vif = [ = ]                 | /etc/xen/guest.cfg:1: config parsing error near `=': syntax error,"
                    + " unexpected '=', expecting ']'",
            "x = 1 ]                     | /etc/xen/guest.cfg:1: config parsing error near `]': syntax error,"
                    + " unexpected ']', expecting $end",
            "a = \"\\x41\"                | /etc/xen/guest.cfg:1: config parsing error near `\"\\x41\"': invalid"
                    + " digit after backslash hexnumerical character escape in quoted string",
            "a = \"\\1\"                  | /etc/xen/guest.cfg:1: config parsing error near `\"\\1\"': invalid"
                    + " digit after backslash octalnumerical character escape in quoted string",
            "m = -5                      | /etc/xen/guest.cfg:1: config parsing error near `-5': lexical error",
            "Name = 'x'                  | /etc/xen/guest.cfg:1: config parsing error near `Name': lexical error",
            "name = \"unterminated       | /etc/xen/guest.cfg:1: config parsing error near `\"unterminated':"
                    + " lexical error",
            "a = 'bad \\q escape'        | /etc/xen/guest.cfg:1: config parsing error near `'bad \\q escape'':"
                    + " invalid character after backlash in quoted string",
    })
    void syntaxAndLexicalErrorsNameFileLineTokenAndWhatWasExpected(String line, String message) {
        assertThat(errors(line + "\n")).first().isEqualTo(message);
    }

    @Test
    void recoversAtTheNextLineAndReportsEveryBadLine() {
        List<String> errors = errors("""
                name = "ok"
                memory 512
                vcpus = 2
                vif = [ 'x'
                """);
        assertThat(errors).hasSize(2);
        assertThat(errors.get(0)).startsWith(FILE + ":2: config parsing error near `512'");
        // The list is still open when the file ends: $end is located where the last token was, and shown as `'.
        assertThat(errors.get(1)).isEqualTo(FILE + ":4: config parsing error near `': syntax error, unexpected $end,"
                + " expecting ']'");
    }

    @Test
    void aLineWithALexicalErrorReportsNothingMore() {
        assertThat(errors("name = 'x' $junk 'y'\n")).hasSize(1);
    }

    @Test
    void pythonLooksGetTheHint() {
        List<String> errors = errors("name = os.getenv('NAME')\n");
        assertThat(errors).contains("warning: Config file looks like it contains Python code.",
                "warning:  See https://wiki.xen.org/wiki/PythonInXlConfig");
    }

    @Test
    void addingAListToAStringIsAnError() {
        assertThat(errors("a = 'x'\na += [ 'y' ]\n")).first().asString()
                .contains("can't add [list] to \"string\" or vice versa");
    }

    @Test
    void gettersWarnAboutTheWrongShapeNamingFileLineAndKey() {
        XlConfig c = ok("name = [ 'x' ]\nmemory = 'lots'\nvcpus += 2\nvif = 'bridge=xenbr0'\nmaxmem = 0x400\n"
                + "big = 99999999999999999999\n");
        List<String> report = new ArrayList<>();
        assertThat(c.string("name", report)).isEmpty();
        assertThat(c.number("memory", report)).isEmpty();
        assertThat(c.number("vcpus", report)).isEmpty();
        assertThat(c.list("vif", report)).isEmpty();
        assertThat(c.number("big", report)).isEmpty();
        assertThat(c.number("maxmem", report)).contains(1024L);
        assertThat(c.string("absent", report)).isEmpty();
        assertThat(report).containsExactly(
                FILE + ":1: warning: parameter `name' is a list but should be a single value",
                FILE + ":2: warning: parameter `memory' is not a valid number",
                FILE + ":3: warning: can't use += with numbers for parameter `vcpus'",
                FILE + ":4: warning: parameter `vif' is a single value but should be a list",
                FILE + ":6: warning: parameter `big' could not be parsed as a number: Numerical result out of range");
    }
}
