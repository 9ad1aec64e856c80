package io.xensim.xenbus.bus;

/**
 * A handshake step did not happen within the configured time. The message names the device, the state of each end
 * and the xenstore key that is missing, e.g. {@code "echo/0 frontend of dom1 (/local/domain/1/device/echo/0): timed
 * out after 10000 ms waiting for the backend to reach InitWait; frontend Initialising, backend Initialising;
 * missing: /local/domain/0/backend/echo/1/0/state = 2 (InitWait)"}.
 */
public final class XenbusTimeoutException extends RuntimeException {
    private final String missingKey;

    public XenbusTimeoutException(String message, String missingKey) {
        super(message);
        this.missingKey = missingKey;
    }

    /** The absolute path of the key whose appearance (or value) was awaited. */
    public String missingKey() {
        return missingKey;
    }
}
