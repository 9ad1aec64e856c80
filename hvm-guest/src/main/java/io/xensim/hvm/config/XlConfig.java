package io.xensim.hvm.config;

import java.math.BigInteger;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A parsed xl.cfg file: its settings by name (a later assignment replaces an earlier one; {@code +=} has already
 * been folded in) and typed getters that complain, as libxlutil's do, naming the file, the line and the key.
 *
 * <p>A getter that finds the key with the wrong shape writes a warning to {@code report} and answers "absent", the
 * way {@code xlu_cfg_get_*} returns {@code EINVAL} and xl then carries on with the default.
 *
 * <p><b>Threading:</b> immutable.
 *
 * <p><b>Reference:</b> xen tools/libs/util/libxlu_cfg.c ({@code find_atom()}, {@code xlu_cfg_get_string()},
 * {@code xlu_cfg_get_bounded_long()}, {@code xlu_cfg_get_list()} and their warning texts).
 */
public final class XlConfig {
    private final String source;
    private final Map<String, Setting> settings;

    XlConfig(String source, Map<String, Setting> settings) {
        this.source = Objects.requireNonNull(source, "source");
        this.settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }

    /** The file name (or "command line") that messages start with. */
    public String source() {
        return source;
    }

    public Map<String, Setting> settings() {
        return settings;
    }

    public Optional<Setting> setting(String name) {
        return Optional.ofNullable(settings.get(name));
    }

    /** {@code xlu_cfg_get_string()}: the atom, or absent (with a warning when the key holds a list). */
    public Optional<String> string(String name, List<String> report) {
        Setting set = settings.get(name);
        if (set == null) {
            return Optional.empty();
        }
        if (!(set.value() instanceof ConfigValue.Atom(String text, var _))) {
            report.add(source + ":" + set.line() + ": warning: parameter `" + name
                    + "' is a list but should be a single value");
            return Optional.empty();
        }
        return Optional.of(text);
    }

    /** {@code xlu_cfg_get_long()}: the atom read as C's {@code strtol(s, &end, 0)}, all of it a number. */
    public Optional<Long> number(String name, List<String> report) {
        Setting set = settings.get(name);
        if (set == null) {
            return Optional.empty();
        }
        Optional<String> text = string(name, report);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        if (set.addition()) {
            report.add(source + ":" + set.line() + ": warning: can't use += with numbers for parameter `" + name
                    + "'");
            return Optional.empty();
        }
        Strtol parsed = Strtol.parse(text.get());
        if (parsed.overflow()) {
            report.add(source + ":" + set.line() + ": warning: parameter `" + name
                    + "' could not be parsed as a number: Numerical result out of range");
            return Optional.empty();
        }
        if (!parsed.complete()) {
            report.add(source + ":" + set.line() + ": warning: parameter `" + name + "' is not a valid number");
            return Optional.empty();
        }
        return Optional.of(parsed.value());
    }

    /** {@code xlu_cfg_get_defbool()}: a number, non-zero meaning true. */
    public Optional<Boolean> bool(String name, List<String> report) {
        return number(name, report).map(l -> l != 0);
    }

    /** {@code xlu_cfg_get_list()}: the list, or absent (with a warning when the key holds a single value). */
    public Optional<List<ConfigValue>> list(String name, List<String> report) {
        Setting set = settings.get(name);
        if (set == null) {
            return Optional.empty();
        }
        if (!(set.value() instanceof ConfigValue.ListValue(List<ConfigValue> items, var _))) {
            report.add(source + ":" + set.line() + ": warning: parameter `" + name
                    + "' is a single value but should be a list");
            return Optional.empty();
        }
        return Optional.of(items);
    }

    /**
     * C's {@code strtol(text, &end, 0)}: leading white space, a sign, then hex ({@code 0x}), octal (leading
     * {@code 0}) or decimal digits; {@code complete} when the digits run to the end of the text.
     */
    record Strtol(long value, boolean complete, boolean overflow) {
        static Strtol parse(String text) {
            int i = 0;
            int n = text.length();
            while (i < n && Character.isWhitespace(text.charAt(i))) {
                i++;
            }
            boolean negative = false;
            if (i < n && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
                negative = text.charAt(i) == '-';
                i++;
            }
            int radix = 10;
            if (i + 1 < n && text.charAt(i) == '0' && (text.charAt(i + 1) == 'x' || text.charAt(i + 1) == 'X')
                    && i + 2 < n && Character.digit(text.charAt(i + 2), 16) >= 0) {
                radix = 16;
                i += 2;
            } else if (i < n && text.charAt(i) == '0') {
                radix = 8;
            }
            int start = i;
            while (i < n && Character.digit(text.charAt(i), radix) >= 0) {
                i++;
            }
            if (i == start) {
                return new Strtol(0, false, false);
            }
            BigInteger big = new BigInteger(text.substring(start, i), radix);
            if (negative) {
                big = big.negate();
            }
            if (big.bitLength() > 63) {
                return new Strtol(0, i == n, true);
            }
            return new Strtol(big.longValueExact(), i == n, false);
        }
    }
}
