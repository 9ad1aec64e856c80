package io.xensim.xenbus.store.wire;

import io.xensim.xenbus.Decoded;
import java.util.Objects;

/**
 * One entry of a node's permission list as it travels in {@code XS_GET_PERMS}/{@code XS_SET_PERMS} payloads:
 * {@code <letter><domid>}, where the letter is {@code n} none, {@code r} read, {@code w} write or {@code b} both.
 * The first entry of a list names the owner, and its letter is the access of every domain not listed later.
 *
 * <p>Reference: C xenstored's {@code xs_strings_to_perms()} and {@code xs_perm_to_string()}: the domid is parsed
 * with {@code strtol(p, &end, 0)} (so {@code 0x10} and {@code 010} are accepted) and printed with {@code %i}.
 */
public record XsPermission(Access access, int domid) {
    /** The access letters; {@link #bits()} are C's {@code XS_PERM_READ} (1) and {@code XS_PERM_WRITE} (2). */
    public enum Access {
        NONE('n', 0), READ('r', 1), WRITE('w', 2), BOTH('b', 3);

        private final char letter;
        private final int bits;

        Access(char letter, int bits) {
            this.letter = letter;
            this.bits = bits;
        }

        public char letter() {
            return letter;
        }

        /** {@code XS_PERM_READ | XS_PERM_WRITE} subset. */
        public int bits() {
            return bits;
        }

        public static Access ofBits(int bits) {
            return switch (bits & 3) {
                case 0 -> NONE;
                case 1 -> READ;
                case 2 -> WRITE;
                default -> BOTH;
            };
        }
    }

    public XsPermission {
        Objects.requireNonNull(access, "access");
    }

    public static XsPermission none(int domid) {
        return new XsPermission(Access.NONE, domid);
    }

    public static XsPermission read(int domid) {
        return new XsPermission(Access.READ, domid);
    }

    public static XsPermission write(int domid) {
        return new XsPermission(Access.WRITE, domid);
    }

    public static XsPermission both(int domid) {
        return new XsPermission(Access.BOTH, domid);
    }

    /** Parses {@code <letter><domid>} as C's {@code xs_strings_to_perms()} does; a bad entry is {@code Malformed}. */
    public static Decoded<XsPermission> parse(String s) {
        if (s.isEmpty()) {
            return Decoded.malformed("permission: empty (expected: <n|r|w|b><domid>)");
        }
        Access access = switch (s.charAt(0)) {
            case 'n' -> Access.NONE;
            case 'r' -> Access.READ;
            case 'w' -> Access.WRITE;
            case 'b' -> Access.BOTH;
            default -> null;
        };
        if (access == null) {
            return Decoded.malformed("permission: " + s + " (expected: letter n, r, w or b)");
        }
        var id = CNumbers.strtolWhole(s.substring(1), 0);
        if (id.isEmpty()) {
            return Decoded.malformed("permission: " + s + " (expected: a domid after the letter)");
        }
        return Decoded.ok(new XsPermission(access, (int) id.getAsLong()));
    }

    /** The wire form, e.g. {@code b0} or {@code r5}. */
    @Override
    public String toString() {
        return String.valueOf(access.letter) + domid;
    }
}
