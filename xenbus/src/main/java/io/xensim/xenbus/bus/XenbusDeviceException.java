package io.xensim.xenbus.bus;

import io.xensim.xenbus.XenErrno;

/**
 * A step of a driver failed with a Xen errno: the other end's key is missing or malformed, this domain ran out of
 * memory, grant entries or ports. The device templates ({@link FrontendDevice}, {@link BackendDevice}) turn it into
 * {@link XenbusDevice#fatal(int, String) xenbus_dev_fatal} with that errno, so the device closes and the reason
 * is recorded in xenstore; it never leaves the domain that raised it.
 *
 * <p><b>Threading:</b> immutable; raised and handled on the device's domain's executor.
 *
 * <p><b>Reference:</b> the {@code err = ...; if (err) { xenbus_dev_fatal(dev, err, "..."); goto fail; }} pattern of
 * Linux's xenbus drivers (blkfront {@code talk_to_blkback}, blkback {@code connect_ring}).
 */
public final class XenbusDeviceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    public XenbusDeviceException(int errno, String message) {
        super(message);
        if (errno <= 0) {
            throw new IllegalArgumentException("errno: " + errno + " (expected: a positive XEN_E* value)");
        }
        this.errno = errno;
    }

    /** The positive Xen errno ({@link XenErrno}), e.g. {@code XEN_ENOMEM}. */
    public int errno() {
        return errno;
    }

    /** The errno's C name, e.g. {@code ENOMEM}. */
    public String errnoName() {
        return XenErrno.name(errno);
    }
}
