package io.xensim.net.back;

import io.xensim.xenbus.Domain;
import io.xensim.xenbus.XenErrno;
import io.xensim.xenbus.bus.XenbusDeviceException;

/**
 * The dom0 pages a netback path grant-copies through (the guest's tx data lands there before it becomes a frame;
 * rx data is staged there before it is copied into the guest's posted pages).
 *
 * <p><b>Threading:</b> stateless; called on the backend domain's executor while a queue connects.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/net/xen-netback/interface.c {@code xenvif_init_queue()}, which fails the
 * connection with -ENOMEM when its pages cannot be allocated ({@code xenbus_dev_fatal} in {@code connect()}).
 */
final class Staging {
    private Staging() {
    }

    /** Takes {@code pages} contiguous frames of dom0, or fails the device with ENOMEM naming {@code use}. */
    static long allocate(Domain dom0, int pages, String use) {
        var memory = dom0.memory();
        long gfn = memory.allocateFrames(pages);
        if (gfn < 0) {
            throw new XenbusDeviceException(XenErrno.XEN_ENOMEM, "allocating " + pages + " " + use
                    + " staging page(s): memory of dom" + dom0.domid() + " exhausted (" + memory.allocatedFrames()
                    + " of " + memory.frames() + " frames in use)");
        }
        return gfn;
    }
}
