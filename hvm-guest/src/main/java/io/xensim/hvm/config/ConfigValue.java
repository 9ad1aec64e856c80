package io.xensim.hvm.config;

import java.util.List;
import java.util.Objects;

/**
 * One value in an xl.cfg file: an atom (libxlutil keeps quoted strings and numbers alike as text, {@code XLU_STRING})
 * or a list of values ({@code XLU_LIST}), with the line it started on.
 */
public sealed interface ConfigValue permits ConfigValue.Atom, ConfigValue.ListValue {
    int line();

    /** A string or a number, as written (quotes removed, escapes resolved). */
    record Atom(String text, int line) implements ConfigValue {
        public Atom {
            Objects.requireNonNull(text, "text");
        }
    }

    /** {@code [ v, v, ... ]}; items may themselves be lists. */
    record ListValue(List<ConfigValue> items, int line) implements ConfigValue {
        public ListValue {
            items = List.copyOf(items);
        }
    }
}
