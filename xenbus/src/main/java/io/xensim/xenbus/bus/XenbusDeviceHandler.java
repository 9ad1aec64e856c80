package io.xensim.xenbus.bus;

/**
 * What a driver does for one device, called by its {@link XenbusBus} on the device's domain's executor: the
 * per-device half of Linux's {@code struct xenbus_driver} ({@code otherend_changed}, {@code remove}).
 */
public interface XenbusDeviceHandler {
    /** The device was probed and its watch on the other end's {@code state} is being registered. */
    default void start() {
    }

    /**
     * The other end's {@code state} key changed (Linux {@code otherend_changed}); {@link XenbusState#UNKNOWN} means
     * the key, or the other end's directory, is gone. Called once per distinct value seen, in order.
     */
    void otherendChanged(XenbusState otherendState);

    /**
     * A step this end was waiting for did not happen in time ({@link XenbusDevice#expect}). The bus has recorded
     * the error ({@link XenbusDevice#failure()}); the handler decides what follows (the bases close the device).
     */
    default void timedOut(XenbusTimeoutException error) {
    }

    /**
     * The device's directory is gone or the bus is closing (Linux {@code remove}): stop using the device. The bus
     * then releases whatever the device still holds ({@link XenbusDevice#releaseResources()}).
     */
    void remove();
}
