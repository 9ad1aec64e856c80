package io.xensim.net.front;

import io.xensim.xenbus.bus.FrontendDriver;

/** The {@code vif} frontend driver: registers netfront on a guest's frontend bus. */
public final class NetfrontDrivers {
    /** The device type: {@code /local/domain/<domid>/device/vif/<devid>}. */
    public static final String TYPE = "vif";

    private NetfrontDrivers() {
    }

    public static FrontendDriver frontend() {
        return frontend(NetfrontConfig.DEFAULT);
    }

    public static FrontendDriver frontend(NetfrontConfig config) {
        return FrontendDriver.of(TYPE, device -> new NetfrontDevice(device, config));
    }
}
