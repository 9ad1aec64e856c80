package io.xensim.hvm.cmdline;

import java.util.Objects;
import java.util.Optional;

/**
 * One word of a kernel command line after Linux's {@code next_arg} (lib/cmdline.c) has split it: the parameter
 * name and, when the word held an {@code =}, the value after the first one, with surrounding double quotes removed.
 * {@code position} is the index in the original line where the word starts (for messages).
 *
 * <p>Names compare as Linux's {@code parameq} (kernel/params.c) compares them: {@code -} and {@code _} are the same
 * character, so {@code xen-emul-unplug=} sets {@code xen_emul_unplug}.
 */
public record KernelParam(String name, Optional<String> value, int position) {
    public KernelParam {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
        if (position < 0) {
            throw new IllegalArgumentException("position: " + position + " (expected: >= 0)");
        }
    }

    /** A bare word such as {@code quiet} or {@code nopv}. */
    public static KernelParam flag(String name, int position) {
        return new KernelParam(name, Optional.empty(), position);
    }

    public static KernelParam of(String name, String value, int position) {
        return new KernelParam(name, Optional.of(value), position);
    }

    /** Whether this word sets the parameter {@code other}, comparing as {@code parameq()} does. */
    public boolean is(String other) {
        return canonical(name).equals(canonical(other));
    }

    /** The word as the kernel would print it back: {@code name} or {@code name=value}. */
    public String text() {
        return value.map(v -> name + "=" + v).orElse(name);
    }

    private static String canonical(String s) {
        return s.replace('-', '_');
    }
}
