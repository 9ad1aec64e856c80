package io.xensim.blk.front;

import io.xensim.xenbus.bus.FrontendDriver;

/**
 * The {@code vbd} frontend driver: what registers blkfront on a guest's frontend bus, as
 * {@code xenbus_register_frontend(&blkfront_driver)} does.
 *
 * <p><b>Threading:</b> stateless; the devices it makes run on the guest's executor.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/block/xen-blkfront.c ({@code blkfront_driver}, {@code blkfront_probe}).
 */
public final class BlkfrontDrivers {
    /** The device type: {@code /local/domain/<domid>/device/vbd/<devid>}. */
    public static final String TYPE = "vbd";

    private BlkfrontDrivers() {
    }

    public static FrontendDriver frontend() {
        return frontend(BlkfrontConfig.DEFAULT);
    }

    public static FrontendDriver frontend(BlkfrontConfig config) {
        return FrontendDriver.of(TYPE, device -> new BlkfrontDevice(device, config));
    }
}
