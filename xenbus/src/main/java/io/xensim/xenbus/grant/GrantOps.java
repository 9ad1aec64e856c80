package io.xensim.xenbus.grant;

/**
 * The grant-table hypercalls a domain makes on <em>another</em> domain's grants ({@code HYPERVISOR_grant_table_op}):
 * what a backend calls to reach a frontend's pages. One instance per calling domain: the caller is implicit, as
 * it is in a hypercall.
 *
 * <p>Every failure is a {@code GNTST_*} status chosen as Xen's {@code common/grant_table.c} chooses it; nothing
 * here throws because of what a guest wrote into its grant table. It is an interface so that fault-injection
 * tests can wrap it.
 *
 * <p><b>Threading:</b> callable from any thread; the granter's entry flags are updated with atomic
 * compare-and-set, as Xen does, so a granter revoking concurrently sees a consistent state.
 */
public interface GrantOps {
    /**
     * {@code GNTTABOP_map_grant_ref}: maps grant {@code ref} of domain {@code dom} ({@code DOMID_SELF} allowed).
     *
     * @param flags {@code GNTMAP_host_map}, plus {@code GNTMAP_readonly} for a read-only mapping
     */
    MapResult mapGrantRef(int dom, int ref, int flags);

    /**
     * Maps several grants of {@code dom} as one contiguous area, as a backend maps a multi-page ring
     * ({@code ring-ref0..N}). In xensim the granted frames must be contiguous in the granter's memory (frontends
     * allocate them so); otherwise the result is {@code GNTST_general_error} and nothing stays mapped.
     * On success {@code handles} receives one handle per ref; unmap each.
     */
    MapResult mapGrantRefs(int dom, int[] refs, int flags, int[] handles);

    /** {@code GNTTABOP_unmap_grant_ref}: returns {@code GNTST_okay} or {@code GNTST_bad_handle}. */
    short unmapGrantRef(int handle);

    /** {@code GNTTABOP_copy}: performs {@code ops[0..count-1]} in order, setting each op's own status. */
    void copy(GnttabCopy[] ops, int count);

    /** Handles this domain currently holds (mapped grants of other domains). */
    int activeMappings();
}
