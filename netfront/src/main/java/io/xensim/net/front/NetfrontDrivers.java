package io.xensim.net.front;

import io.xensim.xenbus.bus.FrontendDriver;

/**
 * The {@code vif} frontend driver: what registers netfront on a guest's frontend bus, as
 * {@code xenbus_register_frontend(&netfront_driver)} does.
 *
 * <p><b>Threading:</b> stateless; the devices it makes run on the guest's executor.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/net/xen-netfront.c ({@code netfront_driver}, {@code netfront_probe}).
 */
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
