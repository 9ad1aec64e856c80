package io.xensim.net.back;

import io.xensim.xenbus.Domain;
import io.xensim.xenbus.XenErrno;
import io.xensim.xenbus.bus.XenbusDeviceException;
import io.xensim.xenbus.grant.GnttabCopy;

/**
 * The dom0 pages a netback path grant-copies through (the guest's tx data lands there before it becomes a frame;
 * rx data is staged there before it is copied into the guest's posted pages).
 *
 * <p><b>Threading:</b> owned by one path, on the backend domain's executor.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/net/xen-netback/interface.c {@code xenvif_init_queue()}, which fails the
 * connection with -ENOMEM when its pages cannot be allocated ({@code xenbus_dev_fatal} in {@code connect()}).
 */
final class Staging {
    private final Domain dom0;
    private final long gfn;
    private final GnttabCopy[] ops;
    private boolean released;

    private Staging(Domain dom0, long gfn, int pages) {
        this.dom0 = dom0;
        this.gfn = gfn;
        this.ops = new GnttabCopy[pages];
        for (int i = 0; i < pages; i++) {
            ops[i] = new GnttabCopy();
        }
    }

    /**
     * Takes {@code pages} contiguous frames of dom0, with one reusable {@code GNTTABOP_copy} op a page, or fails the
     * device with ENOMEM naming {@code use}.
     */
    static Staging allocate(Domain dom0, int pages, String use) {
        var memory = dom0.memory();
        long gfn = memory.allocateFrames(pages);
        if (gfn < 0) {
            throw new XenbusDeviceException(XenErrno.XEN_ENOMEM, "allocating " + pages + " " + use
                    + " staging page(s): memory of dom" + dom0.domid() + " exhausted (" + memory.allocatedFrames()
                    + " of " + memory.frames() + " frames in use)");
        }
        return new Staging(dom0, gfn, pages);
    }

    /** The first staging frame; page {@code i} is {@code gfn() + i}. */
    long gfn() {
        return gfn;
    }

    /** The copy ops, one a staging page, refilled for every batch. */
    GnttabCopy[] ops() {
        return ops;
    }

    /** Gives the frames back to dom0; once only. */
    void release() {
        if (!released) {
            released = true;
            dom0.memory().freeFrames(gfn, ops.length);
        }
    }
}
