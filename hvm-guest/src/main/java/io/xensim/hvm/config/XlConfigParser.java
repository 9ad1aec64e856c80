package io.xensim.hvm.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads the xl.cfg format: {@code key = value} statements ended by a newline or {@code ;}, values that are quoted
 * strings (single or double quotes, C escapes), numbers, or lists {@code [ v, v, ... ]} that may span lines and end
 * with a comma; {@code #} comments to the end of the line; {@code key += value} appends to an earlier string or list.
 *
 * <p>Errors are reported word for word as libxlutil 4.17 reports them, {@code <file>:<line>: config parsing error
 * near `<token>': <message>}, with bison's verbose syntax messages ({@code syntax error, unexpected NUMBER,
 * expecting += or '='}), including its quirks, because a user compares them with what xl printed:
 * <ul>
 *   <li>the expected-token lists are those of the state where bison detects the error, after its default
 *       reductions: after a complete value only {@code $end}, inside a list only {@code ']'};</li>
 *   <li>after a syntax error the parser skips to the end of the line ({@code error NEWLINE}) and reports the next
 *       error only once three tokens have been shifted ({@code yyerrstatus}); an error right after a value
 *       abandons the parse, since no state left on bison's stack can shift {@code error};</li>
 *   <li>a line with a lexical error reports nothing more; an error at a NEWLINE token names the line before it
 *       (line 0 on the first line); {@code $end} is located at the previous token;</li>
 *   <li>a comment must end with a newline; {@code \x} escapes are always rejected and octal escapes dropped.</li>
 * </ul>
 * The grammar is walked by hand, not generated: the states and their messages were compared with the installed
 * libxlutil 4.17 on a few thousand generated inputs.
 *
 * <p><b>Threading:</b> one parser per call; not shared.
 *
 * <p><b>Reference:</b> xen tools/libs/util/libxlu_cfg_l.l (tokens), libxlu_cfg_y.y (grammar, {@code error NEWLINE}
 * recovery), libxlu_cfg.c ({@code xlu__cfg_yyerror()}, {@code xlu__cfgl_lexicalerror()},
 * {@code xlu__cfgl_dequote()}, {@code xlu__cfg_set_store()} and {@code +=} concatenation, the "looks like Python"
 * warning).
 */
public final class XlConfigParser {

    /** The outcome: a config when no error was reported, and every message in order either way. */
    public record Parsed(Optional<XlConfig> config, List<String> errors) {
        public Parsed {
            Objects.requireNonNull(config, "config");
            errors = List.copyOf(errors);
        }

        public boolean ok() {
            return config.isPresent();
        }
    }

    private enum Kind {
        IDENT("IDENT"), STRING("STRING"), NUMBER("NUMBER"), NEWLINE("NEWLINE"), OP_ADD("+="), EQUALS("'='"),
        SEMICOLON("';'"), LBRACKET("'['"), RBRACKET("']'"), COMMA("','"), END("$end");

        final String bisonName;

        Kind(String bisonName) {
            this.bisonName = bisonName;
        }
    }

    /**
     * {@code text} is what the lexer matched (yytext), {@code value} the dequoted string for STRING, {@code line}
     * the token's location as the lexer sets it ({@code yylloc->first_line}): a NEWLINE is located on the line it
     * ends, the end of the file where the previous token was.
     */
    private record Token(Kind kind, String text, String value, int line) {
    }

    private final String source;
    private final String input;
    private final List<String> errors = new ArrayList<>();
    private final Map<String, Setting> settings = new LinkedHashMap<>();
    private int pos;
    private int line = 1;
    private int lexErrorLine = -1;
    private int lastLoc = 1;
    private String endText;
    /** bison's {@code yyerrstatus}: after a syntax error, errors stay silent until three tokens are shifted. */
    private int errStatus;
    private String lastText = "";
    private boolean likelyPython;
    private Token lookahead;

    private XlConfigParser(String source, String input) {
        this.source = source;
        this.input = input;
    }

    /** Parses {@code text}, naming {@code source} (normally the file name) in every message. */
    public static Parsed parse(String source, String text) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(text, "text");
        XlConfigParser parser = new XlConfigParser(source, text);
        parser.file();
        if (!parser.errors.isEmpty() && parser.likelyPython) {
            parser.errors.add("warning: Config file looks like it contains Python code.");
            parser.errors.add("warning:  Arbitrary Python is no longer supported.");
            parser.errors.add("warning:  See https://wiki.xen.org/wiki/PythonInXlConfig");
        }
        Optional<XlConfig> config = parser.errors.isEmpty()
                ? Optional.of(new XlConfig(source, parser.settings)) : Optional.empty();
        return new Parsed(config, parser.errors);
    }

    // ---- grammar: file: stmts | stmts assignment ----

    private void file() {
        while (true) {
            Token t = peek();
            switch (t.kind) {
                case END -> {
                    return;
                }
                case NEWLINE, SEMICOLON -> take();
                case IDENT -> {
                    if (!assignment()) {
                        recover();
                        continue;
                    }
                    Token end = peek();
                    if (end.kind == Kind.NEWLINE || end.kind == Kind.SEMICOLON) {
                        take();
                    } else if (end.kind != Kind.END) {
                        // The state after a value reduces "file: stmts assignment" by default, so bison reports
                        // the error one state later, where only the end of the file is expected; no state left
                        // on its stack can shift the error token, so the parse is abandoned there.
                        syntaxError(end, "$end");
                        return;
                    }
                }
                default -> {
                    syntaxError(t, "$end or IDENT or NEWLINE or ';'");
                    recover();
                }
            }
        }
    }

    /** {@code IDENT '=' value | IDENT "+=" value}; false after reporting a syntax error. */
    private boolean assignment() {
        Token name = take();
        Token op = peek();
        if (op.kind != Kind.EQUALS && op.kind != Kind.OP_ADD) {
            syntaxError(op, "+= or '='");
            return false;
        }
        take();
        Optional<ConfigValue> value = value("STRING or NUMBER or '['");
        if (value.isEmpty()) {
            return false;
        }
        store(name.text, op.kind == Kind.OP_ADD, value.get());
        return true;
    }

    /** {@code atom | '[' nlok valuelist ']'}; {@code expecting} is the message for a token that starts neither. */
    private Optional<ConfigValue> value(String expecting) {
        Token t = peek();
        switch (t.kind) {
            case STRING, NUMBER -> {
                take();
                return Optional.of(new ConfigValue.Atom(t.value, t.line));
            }
            case LBRACKET -> {
                take();
                return list(t.line);
            }
            default -> {
                syntaxError(t, expecting);
                return Optional.empty();
            }
        }
    }

    private Optional<ConfigValue> list(int startLine) {
        List<ConfigValue> items = new ArrayList<>();
        skipNewlines();
        if (peek().kind == Kind.RBRACKET) {
            take();
            return Optional.of(new ConfigValue.ListValue(items, startLine));
        }
        while (true) {
            // Inside a list, default reductions (to an empty or complete valuelist) run before the error is seen,
            // so bison always ends up expecting the closing bracket.
            Optional<ConfigValue> item = value("']'");
            if (item.isEmpty()) {
                return Optional.empty();
            }
            items.add(item.get());
            skipNewlines();
            Token t = peek();
            if (t.kind == Kind.RBRACKET) {
                take();
                return Optional.of(new ConfigValue.ListValue(items, startLine));
            }
            if (t.kind != Kind.COMMA) {
                syntaxError(t, "']'");
                return Optional.empty();
            }
            take();
            skipNewlines();
            if (peek().kind == Kind.RBRACKET) {
                take();
                return Optional.of(new ConfigValue.ListValue(items, startLine));
            }
        }
    }

    private void skipNewlines() {
        while (peek().kind == Kind.NEWLINE) {
            take();
        }
    }

    /** The {@code error NEWLINE} rule: drop tokens up to the next newline, which is shifted. */
    private void recover() {
        while (true) {
            Token t = peek();
            lookahead = null;
            if (t.kind == Kind.NEWLINE) {
                shifted();
                return;
            }
            if (t.kind == Kind.END) {
                return;
            }
        }
    }

    private void shifted() {
        if (errStatus > 0) {
            errStatus--;
        }
    }

    /** {@code xlu__cfg_set_store()}: a later setting replaces an earlier one; {@code +=} concatenates first. */
    private void store(String name, boolean addition, ConfigValue value) {
        ConfigValue stored = value;
        Setting previous = settings.get(name);
        if (addition && previous != null) {
            ConfigValue prev = previous.value();
            if (prev instanceof ConfigValue.Atom(String a, var _) && value instanceof ConfigValue.Atom(String b, int l2)) {
                stored = new ConfigValue.Atom(a + b, l2);
            } else if (prev instanceof ConfigValue.ListValue(List<ConfigValue> a, var _)
                    && value instanceof ConfigValue.ListValue(List<ConfigValue> b, int l2)) {
                List<ConfigValue> both = new ArrayList<>(a);
                both.addAll(b);
                stored = new ConfigValue.ListValue(both, l2);
            } else {
                lexicalError(lastText, "can't add [list] to \"string\" or vice versa");
                return;
            }
        }
        settings.remove(name);
        settings.put(name, new Setting(name, stored, addition, value.line()));
    }

    /** {@code xlu__cfg_yyerror()} with bison's verbose message. */
    private void syntaxError(Token t, String expecting) {
        if (errStatus == 0) {
            String msg = "syntax error, unexpected " + t.kind.bisonName + ", expecting " + expecting;
            report(t.line, t.text, msg);
        }
        errStatus = 3;
    }

    /**
     * {@code xlu__cfg_yyerror()}: nothing on or before a line that had a lexical error; a token ending in a newline
     * is shown without it and reported one line earlier than its location (so an error at a NEWLINE token names
     * the line before the one it ends, line 0 for the first, as xl prints it); trailing blanks are not shown. At
     * the end of the file the text is empty but quoted ({@code near `'}), since flex's yytext is then the NUL end
     * marker. {@code text} null means that end marker.
     */
    private void report(int loc, String text, String msg) {
        int at = loc;
        if (at <= lexErrorLine) {
            return;
        }
        String near;
        if (text == null) {
            near = "`'";
        } else {
            String shown = text;
            String newline = "";
            if (shown.endsWith("\n")) {
                shown = shown.substring(0, shown.length() - 1);
                at--;
                if (shown.isEmpty()) {
                    newline = "<newline>";
                }
            }
            shown = shown.replaceAll("[ \t]+$", "");
            near = (shown.isEmpty() ? "" : "`" + shown + "'") + newline;
        }
        errors.add(source + ":" + at + ": config parsing error near " + near + ": " + msg);
    }

    // ---- lexer ----

    private Token peek() {
        if (lookahead == null) {
            lookahead = lex();
        }
        return lookahead;
    }

    /** Consumes the lookahead as the grammar shifts it. */
    private Token take() {
        Token t = peek();
        lookahead = null;
        shifted();
        return t;
    }

    private Token lex() {
        Token t = scan();
        if (t.kind != Kind.END) {
            lastLoc = t.line;
            lastText = t.text;
        }
        return t;
    }

    private Token scan() {
        while (true) {
            if (pos >= input.length()) {
                return new Token(Kind.END, endText, null, lastLoc);
            }
            char c = input.charAt(pos);
            int start = pos;
            if (c == ' ' || c == '\t') {
                pos++;
                continue;
            }
            if (c == '\n') {
                pos++;
                return new Token(Kind.NEWLINE, "\n", null, line++);
            }
            int nl = c == '#' ? input.indexOf('\n', pos) : -1;
            if (nl >= 0) {
                // "\#.*\n": a comment is a NEWLINE; one without a newline (at the end of the file) is not.
                pos = nl + 1;
                return new Token(Kind.NEWLINE, input.substring(start, pos), null, line++);
            }
            if (c >= 'a' && c <= 'z') {
                pos++;
                while (pos < input.length() && isIdentChar(input.charAt(pos))) {
                    pos++;
                }
                return new Token(Kind.IDENT, input.substring(start, pos), null, line);
            }
            if (c >= '0' && c <= '9') {
                pos++;
                while (pos < input.length() && isNumberChar(input.charAt(pos))) {
                    pos++;
                }
                String text = input.substring(start, pos);
                return new Token(Kind.NUMBER, text, text, line);
            }
            if (c == '"' || c == '\'') {
                int end = closingQuote(c);
                if (end >= 0) {
                    pos = end + 1;
                    String text = input.substring(start, pos);
                    // A bad escape is reported, but the (partial) string is still a STRING token.
                    return new Token(Kind.STRING, text, dequote(text), line);
                }
            }
            switch (c) {
                case ',' -> {
                    pos++;
                    return new Token(Kind.COMMA, ",", null, line);
                }
                case '[' -> {
                    pos++;
                    return new Token(Kind.LBRACKET, "[", null, line);
                }
                case ']' -> {
                    pos++;
                    return new Token(Kind.RBRACKET, "]", null, line);
                }
                case '=' -> {
                    pos++;
                    return new Token(Kind.EQUALS, "=", null, line);
                }
                case ';' -> {
                    pos++;
                    return new Token(Kind.SEMICOLON, ";", null, line);
                }
                case '+' -> {
                    if (pos + 1 < input.length() && input.charAt(pos + 1) == '=') {
                        pos += 2;
                        return new Token(Kind.OP_ADD, "+=", null, line);
                    }
                }
                default -> {
                }
            }
            // Anything else: a lexical error covering the rest of the word; characters that are common in Python
            // but never in xl.cfg raise the "looks like Python" hint.
            if ("+-.():".indexOf(c) >= 0) {
                likelyPython = true;
            }
            pos++;
            if (pos >= input.length()) {
                // The end of the file ends the error state before any of its rules reports; flex's yytext is then
                // the pending text, which an error at the end of the file shows.
                endText = input.substring(start, pos);
                continue;
            }
            while (pos < input.length() && " \t\n".indexOf(input.charAt(pos)) < 0) {
                pos++;
            }
            boolean newline = pos == start + 1 && input.charAt(pos) == '\n';
            if (!newline && pos < input.length() && pos == start + 1) {
                pos++; // "<lexerr>[ \t]": a single blank right after the bad character joins its text
            }
            if (newline) {
                // "<lexerr>\n" matched the newline too, so yylineno has already moved on: the error is located on
                // the next line (shown one line earlier, as a token ending in a newline is), which it also
                // silences. The newline is still returned as a NEWLINE (the next scan does that).
                report(line + 1, input.substring(start, pos) + "\n", "lexical error");
                lexErrorLine = Math.max(lexErrorLine, line + 1);
            } else {
                lexicalError(input.substring(start, pos), "lexical error");
            }
        }
    }

    private static boolean isIdentChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_';
    }

    private static boolean isNumberChar(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == 'x';
    }

    /** The index of the quote closing the string opening at {@code pos}, or -1 if the line ends first. */
    private int closingQuote(char quote) {
        int i = pos + 1;
        while (i < input.length()) {
            char c = input.charAt(i);
            if (c == '\n') {
                return -1;
            }
            if (c == '\\') {
                if (i + 1 >= input.length() || input.charAt(i + 1) == '\n') {
                    return -1;
                }
                i += 2;
                continue;
            }
            if (c == quote) {
                return i;
            }
            i++;
        }
        return -1;
    }

    /**
     * {@code xlu__cfgl_dequote()}: C escapes inside a quoted string; what was read before a bad one. Like every
     * libxlutil lexer helper it does nothing once an error has been recorded.
     */
    private String dequote(String text) {
        if (!errors.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        int end = text.length() - 1;
        for (int i = 1; i < end; i++) {
            char c = text.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            char nc = text.charAt(++i);
            switch (nc) {
                case '"', '\'', '\\' -> out.append(nc);
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'v' -> out.append('\u000b');
                case 'x' -> {
                    // libxlutil 4.17's NUMERIC_CHAR(2,2,16) skips the first digit and then needs more than two:
                    // every \x escape is rejected (its message also lacks a space).
                    lexicalError(text, "invalid digit after backslash hexnumerical character escape in quoted"
                            + " string");
                    return out.toString();
                }
                default -> {
                    if (nc >= '0' && nc <= '7') {
                        // NUMERIC_CHAR(1,3,10): after the first digit, the next (up to three) characters are read
                        // as a decimal number that must have at least two digits; they are skipped and nothing is
                        // stored, so "\101" vanishes from the string.
                        int digits = 0;
                        while (digits < 3 && i + 1 + digits < text.length()
                                && Character.isDigit(text.charAt(i + 1 + digits))) {
                            digits++;
                        }
                        if (digits < 2) {
                            lexicalError(text, "invalid digit after backslash octalnumerical character escape in"
                                    + " quoted string");
                            return out.toString();
                        }
                        i += digits;
                    } else {
                        // (sic) libxlutil's message says "backlash".
                        lexicalError(text, "invalid character after backlash in quoted string");
                        return out.toString();
                    }
                }
            }
        }
        return out.toString();
    }

    /** {@code xlu__cfgl_lexicalerror()}: reported at the current line, which then reports nothing more. */
    private void lexicalError(String text, String msg) {
        report(line, text, msg);
        lexErrorLine = Math.max(lexErrorLine, line);
    }
}
