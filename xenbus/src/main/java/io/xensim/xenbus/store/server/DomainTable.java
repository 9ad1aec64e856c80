package io.xensim.xenbus.store.server;

import java.util.HashMap;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * What xenstored knows of each domain, C's table of {@code struct domain}: whether it is introduced or shut down,
 * the domain it serves ({@code XS_SET_TARGET}), and what it is charged for (nodes it owns, memory, watches).
 *
 * <p>A domain <em>exists</em> (C {@code find_domain_struct()} or {@code get_domain_info()}) if it is dom0, is
 * introduced, has a connection, or the hypervisor says so through the predicate given to
 * {@link Xenstored#setDomainInfo}. Without a hypervisor (the bare {@code xensim xenstored}), that is dom0 and the
 * introduced domains, as for C xenstored run without Xen.
 *
 * <p><b>Threading:</b> confined to xenstored's executor, except the hypervisor predicate, which may be replaced
 * from any thread.
 *
 * <p><b>Reference:</b> C xenstored_domain.c: {@code struct domain}, {@code find_domain_struct()},
 * {@code domain_alloc_permrefs()}, {@code domain_entry_inc()}/{@code domain_entry_dec()},
 * {@code domain_memory_add()}, {@code domain_watch_inc()}/{@code domain_watch_dec()}.
 */
final class DomainTable {
    /** {@code DOMID_FIRST_RESERVED}: domids from here on are not real domains. */
    static final int DOMID_FIRST_RESERVED = 0x7FF0;

    /** One domain (C {@code struct domain}); an entry exists once anything was counted for the domain. */
    private static final class Entry {
        int nodes;
        long memory;
        int watches;
        int connections;
        boolean introduced;
        boolean shutdown;
        int target = -1;
    }

    private final Map<Integer, Entry> entries = new HashMap<>();
    private volatile IntPredicate hypervisor;

    void setHypervisor(IntPredicate domainExists) {
        this.hypervisor = domainExists;
    }

    private Entry entry(int domid) {
        return entries.computeIfAbsent(domid, k -> new Entry());
    }

    /** C {@code domain_alloc_permrefs()}: a permission entry for a domain that does not exist is ignored. */
    boolean exists(int domid) {
        if (domid == 0) {
            return true;
        }
        Entry e = entries.get(domid);
        if (e != null && (e.introduced || e.connections > 0)) {
            return true;
        }
        IntPredicate hv = hypervisor;
        return hv != null && hv.test(domid);
    }

    boolean isKnown(int domid) {
        return entries.containsKey(domid);
    }

    // ---- Introduction (C introduce_domain(), domain_cleanup(), check_domains()) ----

    boolean isIntroduced(int domid) {
        Entry e = entries.get(domid);
        return e != null && e.introduced;
    }

    /** Marks the domain introduced; true if it was not already. */
    boolean introduce(int domid) {
        Entry e = entry(domid);
        if (e.introduced) {
            return false;
        }
        e.introduced = true;
        e.shutdown = false;
        return true;
    }

    /** Forgets the domain's introduction, shutdown and target, and every target pointing at it. */
    void release(int domid) {
        for (Entry other : entries.values()) {
            if (other.target == domid) {
                other.target = -1;
            }
        }
        Entry e = entries.get(domid);
        if (e != null) {
            e.target = -1;
            e.introduced = false;
            e.shutdown = false;
        }
    }

    /** An introduced domain shut down; true the first time (until {@link #resume}). */
    boolean shutdown(int domid) {
        Entry e = entries.get(domid);
        if (e == null || !e.introduced || e.shutdown) {
            return false;
        }
        e.shutdown = true;
        return true;
    }

    void resume(int domid) {
        Entry e = entries.get(domid);
        if (e != null) {
            e.shutdown = false;
        }
    }

    /** C {@code conn->target}: the domain {@code domid} acts for, or -1. */
    int target(int domid) {
        Entry e = entries.get(domid);
        return e == null ? -1 : e.target;
    }

    void setTarget(int domid, int target) {
        entry(domid).target = target;
    }

    // ---- Accounting (C domain_entry_inc(), domain_memory_add(), domain_watch_inc()) ----

    void connected(int domid) {
        entry(domid).connections++;
    }

    void disconnected(int domid) {
        entry(domid).connections--;
    }

    void account(int domid, int nodes, long memory) {
        Entry e = entry(domid);
        e.nodes += nodes;
        e.memory += memory;
    }

    void watchAdded(int domid, int memory) {
        Entry e = entry(domid);
        e.watches++;
        e.memory += memory;
    }

    void watchRemoved(int domid, int memory) {
        Entry e = entry(domid);
        e.watches--;
        e.memory -= memory;
    }

    int nodes(int domid) {
        Entry e = entries.get(domid);
        return e == null ? 0 : e.nodes;
    }

    long memory(int domid) {
        Entry e = entries.get(domid);
        return e == null ? 0 : e.memory;
    }

    int watches(int domid) {
        Entry e = entries.get(domid);
        return e == null ? 0 : e.watches;
    }
}
