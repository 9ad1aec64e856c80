package io.xensim.xenbus;

import java.util.Objects;

/**
 * The result of decoding bytes written by another domain: either a value or the reason the bytes were malformed.
 *
 * <p>A peer's ring slot, xenstore payload or grant reference is untrusted input. Decoders never throw on it: they
 * return {@link Malformed} with a reason naming the field and the value, and the caller turns that into the
 * protocol's error status for that one request (the style of OpenJDK's java.net.http frame parsers).
 */
public sealed interface Decoded<T> permits Decoded.Ok, Decoded.Malformed {

    /** The bytes decoded to {@code value}. */
    record Ok<T>(T value) implements Decoded<T> {
        public Ok {
            Objects.requireNonNull(value, "value");
        }
    }

    /** The bytes were not a valid encoding; {@code reason} says which field held which value. */
    record Malformed<T>(String reason) implements Decoded<T> {
        public Malformed {
            Objects.requireNonNull(reason, "reason");
        }
    }

    static <T> Decoded<T> ok(T value) {
        return new Ok<>(value);
    }

    static <T> Decoded<T> malformed(String reason) {
        return new Malformed<>(reason);
    }

    default boolean isOk() {
        return this instanceof Ok<T>;
    }

    /** The value; only for callers that already know the decode succeeded (tests, re-decoding our own bytes). */
    default T orElseThrow() {
        return switch (this) {
            case Ok<T>(var value) -> value;
            case Malformed<T>(var reason) -> throw new IllegalStateException("malformed: " + reason);
        };
    }
}
