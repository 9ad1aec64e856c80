package io.xensim.xenbus.grant;

import java.lang.foreign.MemorySegment;

/**
 * The OUT fields of {@code GNTTABOP_map_grant_ref} ({@code struct gnttab_map_grant_ref}): a status, the handle to
 * unmap with, and — xensim's stand-in for {@code host_addr} — the mapped bytes of the granter's frame(s).
 *
 * @param status a {@code GNTST_*} code; when not {@code GNTST_okay} the other fields are meaningless
 * @param handle the maptrack handle, or {@link #NO_HANDLE}
 * @param area   the granted frame (4096 bytes; more for a contiguous multi-page map), or {@code MemorySegment.NULL}
 */
public record MapResult(short status, int handle, MemorySegment area) {
    public static final int NO_HANDLE = -1;

    public static MapResult failed(short status) {
        return new MapResult(status, NO_HANDLE, MemorySegment.NULL);
    }

    public boolean ok() {
        return status == GnttabStatus.GNTST_okay;
    }
}
