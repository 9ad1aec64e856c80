package io.xensim.hvm.config;

import java.util.Objects;

/** One {@code name = value} (or {@code name += value}) statement, with the line of its value. */
public record Setting(String name, ConfigValue value, boolean addition, int line) {
    public Setting {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }
}
