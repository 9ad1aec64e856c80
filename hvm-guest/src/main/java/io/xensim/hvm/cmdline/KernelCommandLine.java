package io.xensim.hvm.cmdline;

import io.xensim.xenbus.Decoded;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A guest kernel's command line split into words as Linux splits it: the kernel's own parameters, then, after a
 * bare {@code --}, the arguments Linux hands to init.
 *
 * <p>The command line comes from the domain config ({@code extra=}/{@code cmdline=}), so it is the user's input, not
 * ours: {@link #parse} returns {@link Decoded.Malformed} instead of throwing. Linux itself accepts an unterminated
 * double quote (the word silently runs to the end of the line and swallows every parameter after it); here that is
 * reported as an error naming the quote's position, because a swallowed {@code xen_pv_hvm=enable} is exactly the
 * kind of silent mistake the seed is about.
 *
 * <p><b>Threading:</b> immutable.
 *
 * <p><b>Reference:</b> Linux 6.1 lib/cmdline.c {@code next_arg()} (word splitting, quote stripping, the first
 * {@code =} separates name and value) and kernel/params.c {@code parse_args()} (leading spaces skipped, a bare
 * {@code --} ends the kernel's parameters).
 */
public final class KernelCommandLine {
    private final String raw;
    private final List<KernelParam> params;
    private final List<KernelParam> initArgs;

    private KernelCommandLine(String raw, List<KernelParam> params, List<KernelParam> initArgs) {
        this.raw = raw;
        this.params = List.copyOf(params);
        this.initArgs = List.copyOf(initArgs);
    }

    /** An empty command line (a config without {@code extra=} or {@code cmdline=}). */
    public static KernelCommandLine empty() {
        return new KernelCommandLine("", List.of(), List.of());
    }

    /** Splits {@code line} into words, or says where an opening double quote is never closed. */
    public static Decoded<KernelCommandLine> parse(String line) {
        Objects.requireNonNull(line, "line");
        List<KernelParam> kernel = new ArrayList<>();
        List<KernelParam> init = new ArrayList<>();
        List<KernelParam> into = kernel;
        int at = skipSpaces(line, 0);
        while (at < line.length()) {
            Word word = nextArg(line, at);
            if (word.openQuote >= 0) {
                return Decoded.malformed("unterminated quote: the '\"' at position " + word.openQuote
                        + " of the kernel command line is never closed (Linux would take the rest of the line, `"
                        + line.substring(word.openQuote) + "', as one word)");
            }
            // parse_args(): a bare "--" (no value) ends the kernel's parameters; the rest go to init.
            if (into == kernel && word.param.value().isEmpty() && word.param.name().equals("--")) {
                into = init;
            } else {
                into.add(word.param);
            }
            at = skipSpaces(line, word.end);
        }
        return Decoded.ok(new KernelCommandLine(line, kernel, init));
    }

    private record Word(KernelParam param, int end, int openQuote) {
    }

    /** One word starting at {@code start} (not a space), as next_arg() takes it. */
    private static Word nextArg(String line, int start) {
        int at = start;
        boolean inQuote = false;
        boolean quoted = false;
        int lastOpen = -1;
        if (line.charAt(at) == '"') {
            inQuote = true;
            quoted = true;
            lastOpen = at;
            at++;
        }
        int wordStart = at;
        int equals = -1;
        int i = at;
        for (; i < line.length(); i++) {
            char c = line.charAt(i);
            if (isSpace(c) && !inQuote) {
                break;
            }
            // next_arg() records the first '=' but treats one at offset 0 as "no '='" (its index 0 means unset).
            if (equals < 0 && c == '=' && i > wordStart) {
                equals = i;
            }
            if (c == '"') {
                inQuote = !inQuote;
                if (inQuote) {
                    lastOpen = i;
                }
            }
        }
        int end = i;
        int openQuote = inQuote ? lastOpen : -1;
        String name;
        Optional<String> value;
        if (equals < 0) {
            String word = line.substring(wordStart, end);
            if (quoted && word.endsWith("\"")) {
                word = word.substring(0, word.length() - 1);
            }
            name = word;
            value = Optional.empty();
        } else {
            name = line.substring(wordStart, equals);
            String v = line.substring(equals + 1, end);
            // "Don't include quotes in value": an opening quote, and the word's last character if it is one.
            if (v.startsWith("\"")) {
                v = v.substring(1);
                if (v.endsWith("\"")) {
                    v = v.substring(0, v.length() - 1);
                }
            } else if (quoted && v.endsWith("\"")) {
                v = v.substring(0, v.length() - 1);
            }
            value = Optional.of(v);
        }
        return new Word(new KernelParam(name, value, start), end, openQuote);
    }

    private static int skipSpaces(String line, int at) {
        while (at < line.length() && isSpace(line.charAt(at))) {
            at++;
        }
        return at;
    }

    /** The kernel's isspace() on the ASCII range. */
    static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000b' || c == '\f' || c == '\r';
    }

    /** The line as given. */
    public String raw() {
        return raw;
    }

    /** The kernel's parameters, in order, before any {@code --}. */
    public List<KernelParam> params() {
        return params;
    }

    /** The words after {@code --}, which Linux passes to init. */
    public List<KernelParam> initArgs() {
        return initArgs;
    }

    /** Every occurrence of {@code name} among the kernel's parameters (early_param handlers see each one). */
    public List<KernelParam> all(String name) {
        return params.stream().filter(p -> p.is(name)).toList();
    }

    /** Whether {@code name} appears among the kernel's parameters, with or without a value. */
    public boolean has(String name) {
        return params.stream().anyMatch(p -> p.is(name));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KernelCommandLine other && raw.equals(other.raw);
    }

    @Override
    public int hashCode() {
        return raw.hashCode();
    }

    @Override
    public String toString() {
        return raw;
    }
}
