package io.xensim.xenbus;

import io.xensim.xenbus.event.EventChannelOps;
import io.xensim.xenbus.grant.GrantOps;
import io.xensim.xenbus.grant.GrantTable;
import io.xensim.xenbus.grant.HypervisorGrantOps;
import io.xensim.xenbus.memory.GuestMemory;
import java.util.Objects;

/**
 * A domain as the hypervisor sees it: its id, its memory, its grant table, its event-channel ports, its
 * maptrack, and the one executor on which all of its work runs.
 *
 * <p>The hypercall views ({@link #grantOps()}, {@link #eventChannels()}) act as this domain: the caller is
 * implicit, exactly as a hypercall's caller is the domain running it.
 *
 * <p><b>Threading:</b> the accessors are safe from any thread. Driver code of this domain runs on
 * {@link #executor()}.
 */
public final class Domain {
    private final Hypervisor hypervisor;
    private final DomainConfig config;
    private final GuestMemory memory;
    private final DomainExecutor executor;
    private final GrantTable grantTable;
    private final HypervisorGrantOps grantOps;
    private final EventChannelOps eventChannels;
    private volatile boolean dying;

    Domain(Hypervisor hypervisor, DomainConfig config, GuestMemory memory, DomainExecutor executor,
            GrantTable grantTable, HypervisorGrantOps grantOps, EventChannelOps eventChannels) {
        this.hypervisor = Objects.requireNonNull(hypervisor);
        this.config = Objects.requireNonNull(config);
        this.memory = Objects.requireNonNull(memory);
        this.executor = Objects.requireNonNull(executor);
        this.grantTable = Objects.requireNonNull(grantTable);
        this.grantOps = Objects.requireNonNull(grantOps);
        this.eventChannels = Objects.requireNonNull(eventChannels);
    }

    public int domid() {
        return config.domid();
    }

    public String name() {
        return config.name();
    }

    public DomainConfig config() {
        return config;
    }

    public Hypervisor hypervisor() {
        return hypervisor;
    }

    public GuestMemory memory() {
        return memory;
    }

    public DomainExecutor executor() {
        return executor;
    }

    /** This domain's own grant table (the granting side: what a frontend uses). */
    public GrantTable grantTable() {
        return grantTable;
    }

    /** Grant hypercalls made by this domain on other domains' grants (what a backend uses). */
    public GrantOps grantOps() {
        return grantOps;
    }

    HypervisorGrantOps maptrack() {
        return grantOps;
    }

    /** Event-channel hypercalls made by this domain. */
    public EventChannelOps eventChannels() {
        return eventChannels;
    }

    /** True once destruction has begun. */
    public boolean isDying() {
        return dying;
    }

    void markDying() {
        dying = true;
    }

    @Override
    public String toString() {
        return "Domain[d" + domid() + " " + name() + "]";
    }
}
