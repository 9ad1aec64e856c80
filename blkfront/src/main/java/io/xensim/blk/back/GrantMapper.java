package io.xensim.blk.back;

import io.xensim.xenbus.grant.GrantEntryV1;
import io.xensim.xenbus.grant.GrantOps;
import io.xensim.xenbus.grant.GnttabStatus;
import io.xensim.xenbus.grant.MapResult;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ring's mappings of the frontend's data and indirect pages: with persistent grants negotiated, a grant once
 * mapped stays mapped (read-write, so that it serves reads and writes alike) until the ring disconnects, up to
 * {@code max_persistent_grants}; past that, and without persistent grants, a page is mapped for one request
 * (read-only when the backend only reads it) and unmapped before the response, so the frontend can end its
 * grant (XSA-396).
 *
 * <p><b>Threading:</b> confined to dom0's executor (the ring's worker).
 *
 * <p><b>Reference:</b> Linux drivers/block/xen-blkback/blkback.c ({@code xen_blkbk_map}, {@code get_persistent_gnt},
 * {@code add_persistent_gnt}, {@code xen_blkbk_unmap}, {@code free_persistent_gnts}).
 */
final class GrantMapper {
    private static final Logger log = LoggerFactory.getLogger(GrantMapper.class);

    /** A mapped page: its grant, the handle to unmap with ({@code NO_HANDLE} for none) and its bytes. */
    record Page(int gref, int handle, boolean persistent, MemorySegment bytes) {
    }

    private final GrantOps grantOps;
    private final int frontendDomid;
    private final boolean usePersistent;
    private final int maxPersistent;
    private final String label;
    /** {@code ring->persistent_gnts}: Linux keeps an rb-tree by gref. */
    private final Map<Integer, Page> persistent = new HashMap<>();
    private long mapOps;
    private boolean overflowWarned;

    GrantMapper(GrantOps grantOps, int frontendDomid, boolean usePersistent, int maxPersistent, String label) {
        this.grantOps = grantOps;
        this.frontendDomid = frontendDomid;
        this.usePersistent = usePersistent;
        this.maxPersistent = maxPersistent;
        this.label = label;
    }

    /**
     * {@code xen_blkbk_map}: maps {@code grefs} (persistent ones found, others mapped); {@code readonly} when the
     * backend only reads the pages (a write's data, indirect pages). Returns null if any grant does not map (its
     * status is logged): the pages mapped so far are given back, and the request fails.
     */
    Page[] map(int[] grefs, boolean readonly) {
        Page[] pages = new Page[grefs.length];
        for (int i = 0; i < grefs.length; i++) {
            Page found = usePersistent ? persistent.get(grefs[i]) : null;
            if (found != null) {
                pages[i] = found;
                continue;
            }
            int flags = GrantEntryV1.GNTMAP_host_map | (!usePersistent && readonly ? GrantEntryV1.GNTMAP_readonly : 0);
            MapResult result = grantOps.mapGrantRef(frontendDomid, grefs[i], flags);
            mapOps++;
            if (!result.ok()) {
                log.debug("{}: invalid buffer -- could not remap gref {}: {}", label,
                        Integer.toUnsignedString(grefs[i]), GnttabStatus.name(result.status()));
                release(pages);
                return null;
            }
            boolean keep = usePersistent && persistent.size() < maxPersistent;
            if (usePersistent && !keep && !overflowWarned) {
                overflowWarned = true;
                log.debug("{}: maximum number of persistent grants reached, using normal map", label);
            }
            Page page = new Page(grefs[i], result.handle(), keep, result.area().asSlice(0, 4096));
            if (keep) {
                persistent.put(grefs[i], page);
            }
            pages[i] = page;
        }
        return pages;
    }

    /** {@code xen_blkbk_unmap}: unmaps the pages of one request that are not persistent (nulls are skipped). */
    void release(Page[] pages) {
        for (Page p : pages) {
            if (p != null && !p.persistent()) {
                grantOps.unmapGrantRef(p.handle());
            }
        }
    }

    /** {@code free_persistent_gnts}: unmaps every persistent grant (the ring disconnects). */
    void releaseAll() {
        for (Page p : persistent.values()) {
            grantOps.unmapGrantRef(p.handle());
        }
        persistent.clear();
    }

    /** Grants kept mapped now ({@code persistent_gnt_c}). */
    int persistentGrants() {
        return persistent.size();
    }

    /** {@code GNTTABOP_map_grant_ref} calls made so far. */
    long mapOps() {
        return mapOps;
    }
}
