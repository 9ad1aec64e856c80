package io.xensim.blk.front;

import io.xensim.xenbus.bus.FrontendDriver;
import io.xensim.xenbus.toolstack.ManagedDomain;
import java.util.Optional;

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

    /** The blkfront of {@code guest}'s vbd {@code devid} (51712 for xvda), once its bus has probed it. */
    public static Optional<BlkfrontDevice> device(ManagedDomain guest, int devid) {
        return guest.frontends().device(TYPE, guest.domid(), devid).map(d -> d.handler())
                .filter(BlkfrontDevice.class::isInstance).map(BlkfrontDevice.class::cast);
    }
}
