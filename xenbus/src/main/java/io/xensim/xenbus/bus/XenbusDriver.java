package io.xensim.xenbus.bus;

/**
 * A driver for one device type ({@code vif}, {@code vbd}, …) on a frontend or backend {@link XenbusBus}: Linux's
 * {@code struct xenbus_driver}. The bus calls {@link #probe} for each new device directory of the type and talks
 * to the returned handler from then on.
 *
 * <p>Most drivers extend the handshake bases instead of implementing {@link XenbusDeviceHandler} directly:
 * {@link FrontendDevice} and {@link BackendDevice} (see {@link FrontendDriver} and {@link BackendDriver}).
 */
public interface XenbusDriver {
    /** The device type, the directory name under {@code device/} or {@code backend/}. */
    String type();

    /**
     * A new device of this type appeared (Linux {@code xenbus_dev_probe()}): return its handler. Runs on the
     * domain's executor; the other end's path and domid are already known ({@link XenbusDevice#otherendPath()}).
     */
    XenbusDeviceHandler probe(XenbusDevice device);
}
