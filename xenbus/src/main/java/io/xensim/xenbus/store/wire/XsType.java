package io.xensim.xenbus.store.wire;

import java.util.Optional;

/**
 * The message types of {@code enum xsd_sockmsg_type} (xen/io/xs_wire.h, Xen 4.17), with their C names and numbers.
 *
 * <p>On the wire a type is a plain {@code uint32_t}; a peer may send any number, so {@link XsMessage} carries the
 * type as an {@code int} and {@link #fromCode(int)} answers empty for numbers this enum does not name (20, the
 * removed {@code XS_RESTRICT}, and everything above 23 except {@code XS_INVALID}).
 *
 * <p>{@code XS_DEBUG} is a C alias of {@code XS_CONTROL}; it is the constant {@link #XS_DEBUG}.
 * {@code XS_TYPE_COUNT} and {@code XS_INVALID} are enumerators of the C enum but never valid message types
 * ({@link #isMessageType()} is false for them).
 */
public enum XsType {
    XS_CONTROL(0),
    XS_DIRECTORY(1),
    XS_READ(2),
    XS_GET_PERMS(3),
    XS_WATCH(4),
    XS_UNWATCH(5),
    XS_TRANSACTION_START(6),
    XS_TRANSACTION_END(7),
    XS_INTRODUCE(8),
    XS_RELEASE(9),
    XS_GET_DOMAIN_PATH(10),
    XS_WRITE(11),
    XS_MKDIR(12),
    XS_RM(13),
    XS_SET_PERMS(14),
    XS_WATCH_EVENT(15),
    XS_ERROR(16),
    XS_IS_DOMAIN_INTRODUCED(17),
    XS_RESUME(18),
    XS_SET_TARGET(19),
    /** {@code XS_SET_TARGET + 2}: value 20 belonged to the removed {@code XS_RESTRICT}. */
    XS_RESET_WATCHES(21),
    XS_DIRECTORY_PART(22),
    /** Number of valid types; not a message. */
    XS_TYPE_COUNT(23),
    /** {@code 0xffff}: "guaranteed to remain an invalid type". */
    XS_INVALID(0xffff);

    /** {@code #define XS_DEBUG XS_CONTROL}. */
    public static final XsType XS_DEBUG = XS_CONTROL;

    private static final XsType[] BY_CODE = new XsType[XS_TYPE_COUNT.code + 1];

    static {
        for (XsType type : values()) {
            if (type.code < BY_CODE.length) {
                BY_CODE[type.code] = type;
            }
        }
    }

    private final int code;

    XsType(int code) {
        this.code = code;
    }

    /** The number sent in {@code xsd_sockmsg.type}. */
    public int code() {
        return code;
    }

    /** True for the types that travel as messages (everything but {@code XS_TYPE_COUNT} and {@code XS_INVALID}). */
    public boolean isMessageType() {
        return code < XS_TYPE_COUNT.code;
    }

    /** The enumerator for a wire number, or empty if 4.17's {@code xs_wire.h} names no type with that number. */
    public static Optional<XsType> fromCode(int code) {
        if (code >= 0 && code < BY_CODE.length) {
            return Optional.ofNullable(BY_CODE[code]);
        }
        return code == XS_INVALID.code ? Optional.of(XS_INVALID) : Optional.empty();
    }

    /** The C name of a wire number, or {@code "XS_<unsigned number>"}-style text for unnamed numbers (for logs). */
    public static String nameOf(int code) {
        return fromCode(code).map(Enum::name).orElse("type " + Integer.toUnsignedString(code));
    }
}
