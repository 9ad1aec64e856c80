package io.xensim.xenbus.bus.demo;

import io.xensim.xenbus.bus.BackendDriver;
import io.xensim.xenbus.bus.FrontendDriver;

/** The echo device type and its two drivers. */
public final class EchoDrivers {
    /** The device type: {@code /local/domain/<domid>/device/echo/<devid>}. */
    public static final String TYPE = "echo";
    /** The feature key the backend writes before InitWait and the frontend reads. */
    public static final String FEATURE_KEY = "feature-echo";

    private EchoDrivers() {
    }

    public static FrontendDriver frontend() {
        return FrontendDriver.of(TYPE, EchoFrontend::new);
    }

    public static BackendDriver backend() {
        return BackendDriver.of(TYPE, EchoBackend::new);
    }
}
