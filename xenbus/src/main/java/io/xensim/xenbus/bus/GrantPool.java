package io.xensim.xenbus.bus;

import io.xensim.xenbus.Domain;
import io.xensim.xenbus.XenErrno;
import io.xensim.xenbus.trace.TraceEvent;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Optional;

/**
 * The grants of one device's data pages (netfront's rx/tx buffers, blkfront's segments): each page is a frame of
 * this domain granted to the other end, tracked here so that the device gives every one back when it closes.
 *
 * <p>Ending access follows Linux since XSA-396 ({@code gnttab_end_foreign_access()}): if the other end still has
 * the page mapped, the grant is revoked as soon as it lets go and the frame is freed only then, so a frame the
 * peer can still write is never reused. Until then the grant shows in the hypervisor's clean-up check as
 * "awaiting revocation".
 *
 * <p>Frames are recycled: once a page's grant has fully ended (at once, or when a deferred revocation completes),
 * its frame goes on a small per-device spare list, up to {@link #MAX_SPARES} frames, instead of back to the
 * guest's allocator, and the next {@link #allocate} takes it from there. A recycled frame is zero-filled again
 * before it is granted, so a page handed to the other end never carries old guest data, exactly as a fresh frame
 * from the allocator. A frame whose grant the other end still maps is never on the list: it joins only from the
 * revocation callback. Closing the device ({@link #releaseAll}) gives the spares back to guest memory, and frames
 * whose revocation completes after that go straight back too.
 *
 * <p><b>Threading:</b> confined to the device's domain's executor, like the device.
 *
 * <p><b>Reference:</b> Linux drivers/xen/grant-table.c ({@code gnttab_grant_foreign_access},
 * {@code gnttab_end_foreign_access} and its deferred list), the per-queue grant heads of xen-netfront.c.
 */
public final class GrantPool {
    /** A granted data page: its grant ref, its frame and the page itself. */
    public record DataPage(int ref, long gfn, boolean readonly, MemorySegment page) {
    }

    /** At most this many ended frames are kept for reuse (one ring's worth of pages: 1 MiB of guest memory). */
    public static final int MAX_SPARES = 256;

    private final XenbusDevice device;
    /** The pages held, indexed by grant ref (refs are small and reused, so the array stays small). */
    private DataPage[] pages = new DataPage[64];
    private int live;
    /** Frames whose grants have ended, still allocated in guest memory, waiting to be granted again. */
    private final long[] spares = new long[MAX_SPARES];
    private int spareCount;
    /** False after {@link #releaseAll} until the next {@link #allocate}: ended frames go back to guest memory. */
    private boolean recycling = true;

    GrantPool(XenbusDevice device) {
        this.device = device;
    }

    private Domain domain() {
        return device.domain();
    }

    /**
     * Takes a zeroed frame and grants it to the other end ({@code readonly}: the other end may only read it, as
     * netfront's tx pages).
     *
     * @throws XenbusDeviceException {@code ENOMEM} when guest memory is exhausted, {@code ENOSPC} when the grant
     *                               table is full (the frame is given back)
     */
    public DataPage allocate(boolean readonly) {
        assert domain().executor().inExecutor();
        var memory = domain().memory();
        recycling = true;
        long gfn;
        if (spareCount > 0) {
            gfn = spares[--spareCount];
            // As the allocator does for a fresh frame: the other end must not see what this page held before.
            memory.frame(gfn).fill((byte) 0);
        } else {
            gfn = memory.allocateFrame();
        }
        if (gfn < 0) {
            throw new XenbusDeviceException(XenErrno.XEN_ENOMEM, "allocating a data page: guest memory of dom"
                    + device.domid() + " exhausted (" + memory.allocatedFrames() + " of " + memory.frames()
                    + " frames in use)");
        }
        int ref = domain().grantTable().grantAccess(device.otherendId(), gfn, readonly);
        if (ref < 0) {
            recycle(gfn);
            throw new XenbusDeviceException(XenErrno.XEN_ENOSPC, "granting a data page: grant table of dom"
                    + device.domid() + " is full");
        }
        DataPage page = new DataPage(ref, gfn, readonly, memory.frame(gfn));
        if (ref >= pages.length) {
            pages = Arrays.copyOf(pages, Math.max(ref + 1, 2 * pages.length));
        }
        pages[ref] = page;
        live++;
        if (device.tracing()) {
            device.trace(TraceEvent.Kind.GRANT, "gnttab_grant_foreign_access ref " + ref + " -> dom"
                    + device.otherendId() + " gfn 0x" + Long.toHexString(gfn) + (readonly ? " ro" : " rw")
                    + " (data page)");
        }
        return page;
    }

    /**
     * Ends the other end's access to {@code page} and recycles its frame: at once if it is not mapped, otherwise
     * when the other end unmaps it. Pages not from this pool are ignored.
     */
    public void free(DataPage page) {
        assert domain().executor().inExecutor();
        int ref = page.ref();
        if (ref < 0 || ref >= pages.length || pages[ref] == null) {
            return;
        }
        pages[ref] = null;
        live--;
        long gfn = page.gfn();
        boolean now = domain().grantTable().endForeignAccessDeferred(page.ref(), () -> recycle(gfn));
        if (device.tracing()) {
            device.trace(TraceEvent.Kind.GRANT, "gnttab_end_foreign_access ref " + page.ref()
                    + (now ? "" : " (deferred: still mapped by dom" + device.otherendId() + ")"));
        }
    }

    /** A frame no longer granted: onto the spare list, or back to guest memory when it is full or closing. */
    private void recycle(long gfn) {
        assert domain().executor().inExecutor();
        if (recycling && spareCount < MAX_SPARES) {
            spares[spareCount++] = gfn;
        } else {
            domain().memory().freeFrame(gfn);
        }
    }

    /** Ended frames kept for reuse (still allocated in guest memory). */
    public int spares() {
        return spareCount;
    }

    /** The page granted as {@code ref}, if this pool holds it (to check a ref the other end answers with). */
    public Optional<DataPage> page(int ref) {
        return ref >= 0 && ref < pages.length ? Optional.ofNullable(pages[ref]) : Optional.empty();
    }

    /** Pages granted and not yet freed. */
    public int live() {
        return live;
    }

    /** Frees every page still held (the device is closing). */
    void releaseAll() {
        recycling = false;
        for (DataPage p : pages.clone()) {
            if (p != null) {
                free(p);
            }
        }
        while (spareCount > 0) {
            domain().memory().freeFrame(spares[--spareCount]);
        }
    }
}
