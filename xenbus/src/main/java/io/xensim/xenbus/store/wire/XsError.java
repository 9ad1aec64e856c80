package io.xensim.xenbus.store.wire;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The {@code xsd_errors} table of xen/io/xs_wire.h, in header order: the errno names xenstored may send in an
 * {@code XS_ERROR} reply, and the Linux errno numbers the header pairs them with.
 *
 * <p>Only the name travels ({@code "EACCES\0"}); {@link #errnum()} is what C clients turn it into. 4.17's table has
 * no {@code EQUOTA}: C xenstored reports exhausted quotas as {@code ENOSPC} (nodes, node size, permissions,
 * transactions, transaction nodes), {@code E2BIG} (watches) or {@code ENOMEM} (memory). An errno missing from the
 * table is sent as {@code EINVAL}, the first entry (C {@code send_error()}).
 */
public enum XsError {
    EINVAL(22),
    EACCES(13),
    EEXIST(17),
    EISDIR(21),
    ENOENT(2),
    ENOMEM(12),
    ENOSPC(28),
    EIO(5),
    ENOTEMPTY(39),
    ENOSYS(38),
    EROFS(30),
    EBUSY(16),
    EAGAIN(11),
    EISCONN(106),
    E2BIG(7),
    EPERM(1);

    private final int errnum;

    XsError(int errnum) {
        this.errnum = errnum;
    }

    /** {@code xsd_errors[i].errnum}. */
    public int errnum() {
        return errnum;
    }

    /** {@code xsd_errors[i].errstring}: the C name. */
    public String errstring() {
        return name();
    }

    /** The {@code XS_ERROR} payload: the name and one NUL. */
    public byte[] payload() {
        return XsPayloads.strings(name());
    }

    /** The entry whose name is {@code errstring}, if any. */
    public static Optional<XsError> fromErrstring(String errstring) {
        for (XsError error : values()) {
            if (error.name().equals(errstring)) {
                return Optional.of(error);
            }
        }
        return Optional.empty();
    }

    /** The name carried by an {@code XS_ERROR} payload (text up to the first NUL), whether or not we know it. */
    public static String errstringOf(byte[] payload) {
        int end = 0;
        while (end < payload.length && payload[end] != 0) {
            end++;
        }
        return new String(payload, 0, end, StandardCharsets.ISO_8859_1);
    }
}
