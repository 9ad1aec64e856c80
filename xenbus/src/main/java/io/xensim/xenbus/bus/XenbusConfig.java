package io.xensim.xenbus.bus;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of the device model.
 *
 * @param stepTimeout how long one end waits for the other to take the next handshake step (reach InitWait, publish
 *                    its ring refs, connect, follow a close) before the device fails with a
 *                    {@link XenbusTimeoutException}; libxl waits 10 s for a device to connect or go away
 *                    ({@code LIBXL_INIT_TIMEOUT}, {@code LIBXL_DESTROY_TIMEOUT})
 */
public record XenbusConfig(Duration stepTimeout) {
    public XenbusConfig {
        Objects.requireNonNull(stepTimeout, "stepTimeout");
        if (stepTimeout.isNegative() || stepTimeout.isZero()) {
            throw new IllegalArgumentException("stepTimeout: " + stepTimeout + " (expected: > 0)");
        }
    }

    public static XenbusConfig defaults() {
        return new XenbusConfig(Duration.ofSeconds(10));
    }

    public XenbusConfig withStepTimeout(Duration timeout) {
        return new XenbusConfig(timeout);
    }
}
