package io.xensim.xenbus.grant;

import static io.xensim.xenbus.grant.GnttabStatus.GNTST_bad_copy_arg;
import static io.xensim.xenbus.grant.GnttabStatus.GNTST_bad_domain;
import static io.xensim.xenbus.grant.GnttabStatus.GNTST_bad_handle;
import static io.xensim.xenbus.grant.GnttabStatus.GNTST_bad_page;
import static io.xensim.xenbus.grant.GnttabStatus.GNTST_general_error;
import static io.xensim.xenbus.grant.GnttabStatus.GNTST_no_space;
import static io.xensim.xenbus.grant.GnttabStatus.GNTST_okay;
import static io.xensim.xenbus.grant.GnttabStatus.GNTST_permission_denied;

import io.xensim.xenbus.Domid;
import io.xensim.xenbus.NanoClock;
import io.xensim.xenbus.memory.GuestMemory;
import io.xensim.xenbus.memory.Layouts;
import io.xensim.xenbus.trace.TraceEvent;
import io.xensim.xenbus.trace.Tracer;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.IntFunction;

/**
 * The hypervisor's implementation of {@link GrantOps} for one calling domain, with that domain's maptrack table
 * (the handles of the grants it has mapped).
 *
 * <p>Status codes follow Xen's {@code common/grant_table.c}: a ref beyond the table is {@code GNTST_bad_gntref};
 * a wrong type or grantee, or a writable use of a read-only grant, is {@code GNTST_general_error}; an unknown
 * domain is {@code GNTST_bad_domain}; an unknown handle is {@code GNTST_bad_handle}; a full maptrack is
 * {@code GNTST_no_space}. For copies, a range running past the page is {@code GNTST_bad_copy_arg}, a frame
 * number naming another domain's memory is {@code GNTST_permission_denied} (only the caller's own frames may be
 * named directly, as Xen allows since 4.15 — by {@code DOMID_SELF} or by its own id), and a frame outside the
 * caller's memory is {@code GNTST_bad_page}.
 *
 * <p><b>Threading:</b> any thread; the maptrack is synchronised on this object and entry state is updated under
 * the granter's {@link GrantTable} lock.
 */
public final class HypervisorGrantOps implements GrantOps {
    /** Xen's default {@code gnttab_max_maptrack_frames} (1024) of 256 16-byte entries each. */
    public static final int MAX_MAPTRACK_ENTRIES = 1024 * 256;

    private final int callerDomid;
    private final GuestMemory callerMemory;
    private final IntFunction<GrantTable> tables;
    private final Tracer tracer;
    private final NanoClock clock;

    // Maptrack, guarded by this: handle -> (granter table, ref, readonly).
    private GrantTable[] mapTable = new GrantTable[16];
    private int[] mapRef = new int[16];
    private boolean[] mapReadonly = new boolean[16];
    private int[] freeHandles = new int[16];
    private int freeTop;
    private int nextHandle;
    private int active;

    /**
     * @param tables the grant table of a domain by domid, or null when there is no such (live) domain
     */
    public HypervisorGrantOps(int callerDomid, GuestMemory callerMemory, IntFunction<GrantTable> tables,
            Tracer tracer, NanoClock clock) {
        this.callerDomid = callerDomid;
        this.callerMemory = Objects.requireNonNull(callerMemory, "callerMemory");
        this.tables = Objects.requireNonNull(tables, "tables");
        this.tracer = Objects.requireNonNull(tracer, "tracer");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    private GrantTable table(int dom) {
        return tables.apply(dom == Domid.DOMID_SELF ? callerDomid : dom);
    }

    @Override
    public MapResult mapGrantRef(int dom, int ref, int flags) {
        MapResult result = map(dom, ref, flags);
        trace("map_grant_ref d" + dom + " ref " + ref + ((flags & GrantEntryV1.GNTMAP_readonly) != 0 ? " ro" : " rw")
                + " -> " + GnttabStatus.name(result.status())
                + (result.ok() ? " handle " + result.handle() : ""));
        return result;
    }

    private MapResult map(int dom, int ref, int flags) {
        GrantTable granter = table(dom);
        if (granter == null) {
            return MapResult.failed(GNTST_bad_domain);
        }
        boolean readonly = (flags & GrantEntryV1.GNTMAP_readonly) != 0;
        short status = granter.pin(ref, callerDomid, readonly);
        if (status != GNTST_okay) {
            return MapResult.failed(status);
        }
        int handle = newHandle(granter, ref, readonly);
        if (handle < 0) {
            granter.unpin(ref, readonly);
            return MapResult.failed(GNTST_no_space);
        }
        return new MapResult(GNTST_okay, handle, granter.activeFrame(ref));
    }

    @Override
    public MapResult mapGrantRefs(int dom, int[] refs, int flags, int[] handles) {
        if (refs.length == 0 || handles.length < refs.length) {
            throw new IllegalArgumentException("refs: " + refs.length + ", handles: " + handles.length
                    + " (expected: at least one ref and a handle slot per ref)");
        }
        GrantTable granter = table(dom);
        long firstGfn = -1;
        for (int i = 0; i < refs.length; i++) {
            MapResult one = map(dom, refs[i], flags);
            if (!one.ok()) {
                unmapAll(handles, i);
                trace("map_grant_ref d" + dom + " refs " + Arrays.toString(refs) + " -> "
                        + GnttabStatus.name(one.status()));
                return one;
            }
            handles[i] = one.handle();
            long gfn = granter.activeGfn(refs[i]);
            if (i == 0) {
                firstGfn = gfn;
            } else if (gfn != firstGfn + i) {
                // Xen would map scattered frames contiguously in virtual memory; xensim maps guest memory
                // directly, so it needs the frontend to have granted a physically contiguous run.
                unmapAll(handles, i + 1);
                trace("map_grant_ref d" + dom + " refs " + Arrays.toString(refs)
                        + " -> GNTST_general_error (frames not contiguous)");
                return MapResult.failed(GNTST_general_error);
            }
        }
        trace("map_grant_ref d" + dom + " refs " + Arrays.toString(refs) + " -> GNTST_okay");
        // The frames are pinned, so the granter's memory stays alive while we hold them.
        return new MapResult(GNTST_okay, handles[0], granter.memoryFrames(firstGfn, refs.length));
    }

    private void unmapAll(int[] handles, int count) {
        for (int i = 0; i < count; i++) {
            unmap(handles[i]);
        }
    }

    @Override
    public short unmapGrantRef(int handle) {
        short status = unmap(handle);
        trace("unmap_grant_ref handle " + handle + " -> " + GnttabStatus.name(status));
        return status;
    }

    private short unmap(int handle) {
        GrantTable granter;
        int ref;
        boolean readonly;
        synchronized (this) {
            if (handle < 0 || handle >= nextHandle || mapTable[handle] == null) {
                return GNTST_bad_handle;
            }
            granter = mapTable[handle];
            ref = mapRef[handle];
            readonly = mapReadonly[handle];
            mapTable[handle] = null;
            push(handle);
            active--;
        }
        granter.unpin(ref, readonly);
        return GNTST_okay;
    }

    @Override
    public void copy(GnttabCopy[] ops, int count) {
        for (int i = 0; i < count; i++) {
            GnttabCopy op = ops[i];
            op.status = copyOne(op);
            if (tracer.enabled()) {
                trace("copy " + op);
            }
        }
    }

    private short copyOne(GnttabCopy op) {
        if (op.len < 0 || op.sourceOffset < 0 || op.destOffset < 0
                || op.sourceOffset + op.len > Layouts.XEN_PAGE_SIZE
                || op.destOffset + op.len > Layouts.XEN_PAGE_SIZE) {
            return GNTST_bad_copy_arg;
        }
        boolean sourceGref = (op.flags & GnttabCopy.GNTCOPY_source_gref) != 0;
        boolean destGref = (op.flags & GnttabCopy.GNTCOPY_dest_gref) != 0;
        GrantTable sourceTable = null;
        GrantTable destTable = null;
        MemorySegment source;
        MemorySegment dest;
        // Source: read access.
        if (sourceGref) {
            sourceTable = table(op.sourceDomid);
            if (sourceTable == null) {
                return GNTST_bad_domain;
            }
            short status = sourceTable.pin((int) op.sourceU, callerDomid, true);
            if (status != GNTST_okay) {
                return status;
            }
            source = sourceTable.activeFrame((int) op.sourceU);
        } else {
            short status = checkOwnFrame(op.sourceDomid, op.sourceU);
            if (status != GNTST_okay) {
                return status;
            }
            source = callerMemory.frame(op.sourceU);
        }
        // Destination: write access; a read-only grant refuses the pin.
        if (destGref) {
            destTable = table(op.destDomid);
            short status = destTable == null ? GNTST_bad_domain : destTable.pin((int) op.destU, callerDomid, false);
            if (status != GNTST_okay) {
                if (sourceTable != null) {
                    sourceTable.unpin((int) op.sourceU, true);
                }
                return status;
            }
            dest = destTable.activeFrame((int) op.destU);
        } else {
            short status = checkOwnFrame(op.destDomid, op.destU);
            if (status != GNTST_okay) {
                if (sourceTable != null) {
                    sourceTable.unpin((int) op.sourceU, true);
                }
                return status;
            }
            dest = callerMemory.frame(op.destU);
        }
        MemorySegment.copy(source, op.sourceOffset, dest, op.destOffset, op.len);
        if (sourceTable != null) {
            sourceTable.unpin((int) op.sourceU, true);
        }
        if (destTable != null) {
            destTable.unpin((int) op.destU, false);
        }
        return GNTST_okay;
    }

    private short checkOwnFrame(int domid, long gmfn) {
        if (domid != Domid.DOMID_SELF && domid != callerDomid) {
            return tables.apply(domid) == null ? GNTST_bad_domain : GNTST_permission_denied;
        }
        return callerMemory.contains(gmfn) ? GNTST_okay : GNTST_bad_page;
    }

    @Override
    public synchronized int activeMappings() {
        return active;
    }

    /** Unmaps everything this domain still has mapped: Xen does this when the mapping domain dies. */
    public void unmapAllOnDestroy() {
        int[] handles;
        synchronized (this) {
            handles = new int[active];
            int n = 0;
            for (int h = 0; h < nextHandle; h++) {
                if (mapTable[h] != null) {
                    handles[n++] = h;
                }
            }
        }
        for (int handle : handles) {
            unmap(handle);
        }
    }

    private synchronized int newHandle(GrantTable granter, int ref, boolean readonly) {
        int handle;
        if (freeTop > 0) {
            handle = freeHandles[--freeTop];
        } else {
            if (nextHandle >= MAX_MAPTRACK_ENTRIES) {
                return -1;
            }
            handle = nextHandle++;
            if (handle >= mapTable.length) {
                int size = mapTable.length * 2;
                mapTable = Arrays.copyOf(mapTable, size);
                mapRef = Arrays.copyOf(mapRef, size);
                mapReadonly = Arrays.copyOf(mapReadonly, size);
            }
        }
        mapTable[handle] = granter;
        mapRef[handle] = ref;
        mapReadonly[handle] = readonly;
        active++;
        return handle;
    }

    private void push(int handle) {
        if (freeTop == freeHandles.length) {
            freeHandles = Arrays.copyOf(freeHandles, freeHandles.length * 2);
        }
        freeHandles[freeTop++] = handle;
    }

    private void trace(String detail) {
        if (tracer.enabled()) {
            tracer.record(new TraceEvent(clock.nanoTime(), callerDomid, "", TraceEvent.Kind.GRANT, detail));
        }
    }
}
