package io.xensim.xenbus;

import io.xensim.xenbus.event.EventChannelOps;
import io.xensim.xenbus.event.EventChannels;
import io.xensim.xenbus.grant.GrantTable;
import io.xensim.xenbus.grant.HypervisorGrantOps;
import io.xensim.xenbus.memory.GuestMemory;
import io.xensim.xenbus.trace.TraceEvent;
import io.xensim.xenbus.trace.Tracer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The in-process "Xen": it creates and destroys domains and owns what the real hypervisor owns for them —
 * guest memory, grant tables and maptracks, event channels — and the executors their work runs on.
 *
 * <p>Domain destruction follows Xen: the domain's ports close (peers see unbound), its own mappings of others'
 * grants are undone, and its memory is released only once no other domain still has one of its frames mapped
 * (a dying domain lingers until its backends let go, as a Xen zombie domain does).
 *
 * <p><b>Threading:</b> domains can be created and destroyed from any thread. In {@link ThreadingMode#INVOKER}
 * mode nothing runs until {@link #runUntilIdle()} or {@link #runUntil} is called, which run queued work of every
 * domain on the calling thread, round-robin, one task at a time — deterministic, with no sleeping. In the other
 * modes the work runs on the mode's threads; use awaits with a bound in tests.
 */
public final class Hypervisor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Hypervisor.class);
    /** {@link #runUntilIdle()} gives up after this many tasks: a livelock is a bug, not a reason to hang. */
    public static final int DEFAULT_MAX_STEPS = 10_000_000;

    private final ThreadingMode mode;
    private final NanoClock clock;
    private final Tracer tracer;
    private final EventChannels eventChannels;
    private final ExecutorService sharedThread; // SHARED mode only
    private final Map<Integer, Domain> domains = new ConcurrentHashMap<>();
    private final Map<Integer, Domain> dying = new ConcurrentHashMap<>();
    private final List<DomainExecutor> executors = new CopyOnWriteArrayList<>();
    /** INVOKER mode: the executors with queued work (indices into {@link #executors}, which only grows). */
    private final ReadyExecutors ready = new ReadyExecutors();
    private final List<ExecutorService> domainThreads = new CopyOnWriteArrayList<>();
    private final List<Throwable> uncaught = new CopyOnWriteArrayList<>();
    private final List<Supplier<List<String>>> cleanupChecks = new CopyOnWriteArrayList<>();

    private Hypervisor(ThreadingMode mode, NanoClock clock, Tracer tracer) {
        this.mode = Objects.requireNonNull(mode, "mode");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.tracer = Objects.requireNonNull(tracer, "tracer");
        this.eventChannels = new EventChannels(tracer, clock);
        this.sharedThread = mode == ThreadingMode.SHARED
                ? Executors.newSingleThreadExecutor(r -> daemon(r, "xensim-shared")) : null;
    }

    /** The event channels, for the fault-injection hook {@link EventChannels#sendFilter}. */
    public EventChannels eventChannels() {
        return eventChannels;
    }

    /** A hypervisor with the system clock and no tracing. */
    public static Hypervisor create(ThreadingMode mode) {
        return builder().threadingMode(mode).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options of a {@link Hypervisor}. */
    public static final class Builder {
        private ThreadingMode mode = ThreadingMode.INVOKER;
        private NanoClock clock = NanoClock.SYSTEM;
        private Tracer tracer = Tracer.NONE;

        public Builder threadingMode(ThreadingMode mode) {
            this.mode = Objects.requireNonNull(mode);
            return this;
        }

        public Builder clock(NanoClock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        public Builder tracer(Tracer tracer) {
            this.tracer = Objects.requireNonNull(tracer);
            return this;
        }

        public Hypervisor build() {
            return new Hypervisor(mode, clock, tracer);
        }
    }

    public ThreadingMode threadingMode() {
        return mode;
    }

    public NanoClock clock() {
        return clock;
    }

    public Tracer tracer() {
        return tracer;
    }

    /** Records a trace event stamped with this hypervisor's clock, if tracing is on. */
    public void trace(int domid, String device, TraceEvent.Kind kind, String detail) {
        if (tracer.enabled()) {
            tracer.record(new TraceEvent(clock.nanoTime(), domid, device, kind, detail));
        }
    }

    /** Creates a domain: its memory, grant table, port table and executor. */
    public Domain createDomain(DomainConfig config) {
        int domid = config.domid();
        if (domains.containsKey(domid) || dying.containsKey(domid)) {
            throw new IllegalStateException("domid: " + domid + " (already exists)");
        }
        DomainExecutor executor = newExecutor("d" + domid);
        GuestMemory memory = config.memoryFile() == null ? GuestMemory.anonymous(config.memoryFrames())
                : GuestMemory.mapped(config.memoryFile(), config.memoryFrames());
        try {
            GrantTable table = new GrantTable(domid, memory, config.maxGrantFrames(), executor);
            HypervisorGrantOps grantOps = new HypervisorGrantOps(domid, memory, this::liveGrantTable, tracer, clock);
            EventChannelOps ports = eventChannels.register(domid, executor);
            Domain domain = new Domain(this, config, memory, executor, table, grantOps, ports);
            if (domains.putIfAbsent(domid, domain) != null) {
                eventChannels.unregister(domid);
                throw new IllegalStateException("domid: " + domid + " (already exists)");
            }
            trace(domid, "", TraceEvent.Kind.DOMAIN, "created " + config.name() + " with "
                    + config.memoryFrames() + " frames");
            return domain;
        } catch (RuntimeException e) {
            memory.close();
            throw e;
        }
    }

    private GrantTable liveGrantTable(int domid) {
        Domain domain = domains.get(domid);
        return domain == null ? null : domain.grantTable();
    }

    public Optional<Domain> domain(int domid) {
        return Optional.ofNullable(domains.get(domid));
    }

    public Domain requireDomain(int domid) {
        Domain domain = domains.get(domid);
        if (domain == null) {
            throw new IllegalArgumentException("domid: " + domid + " (no such domain)");
        }
        return domain;
    }

    public Collection<Domain> domains() {
        return List.copyOf(domains.values());
    }

    /**
     * Destroys a domain: closes its ports, unmaps what it mapped, stops its executor, and releases its memory once
     * no other domain maps any of its frames. Destroying an unknown domain does nothing.
     */
    public void destroyDomain(int domid) {
        Domain domain = domains.remove(domid);
        if (domain == null) {
            return;
        }
        domain.markDying();
        dying.put(domid, domain);
        eventChannels.unregister(domid);
        domain.maptrack().unmapAllOnDestroy();
        domain.executor().shutdown();
        trace(domid, "", TraceEvent.Kind.DOMAIN, "destroyed " + domain.name());
        domain.grantTable().kill(() -> {
            dying.remove(domid);
            domain.memory().close();
        });
    }

    /** Domains destroyed whose memory is still held because another domain maps one of their frames. */
    public Collection<Domain> dyingDomains() {
        return List.copyOf(dying.values());
    }

    // synchronized: an INVOKER executor's index is its position in the list, taken and filled in one step
    private synchronized DomainExecutor newExecutor(String name) {
        DomainExecutor executor = switch (mode) {
            case INVOKER -> new DomainExecutor(name, this::onUncaught, ready, executors.size());
            case SHARED -> new DomainExecutor(name, sharedThread, this::onUncaught);
            case DEDICATED -> {
                ExecutorService thread = Executors.newSingleThreadExecutor(r -> daemon(r, "xensim-" + name));
                domainThreads.add(thread);
                yield new DomainExecutor(name, thread, this::onUncaught);
            }
        };
        executors.add(executor);
        return executor;
    }

    private void onUncaught(Throwable error) {
        uncaught.add(error);
        log.error("uncaught error in a domain's work", error);
    }

    /** Errors thrown by domain work since creation (in INVOKER mode they are also rethrown to the stepper). */
    public List<Throwable> uncaughtErrors() {
        return List.copyOf(uncaught);
    }

    /**
     * INVOKER mode: runs queued work of every domain until none is left. Returns the number of tasks run.
     *
     * @throws IllegalStateException after {@link #DEFAULT_MAX_STEPS} tasks (a livelock), or when a task threw
     */
    public int runUntilIdle() {
        return runSteps(() -> false, DEFAULT_MAX_STEPS);
    }

    /**
     * INVOKER mode: runs queued work until {@code condition} holds (checked before each task) or nothing is left.
     *
     * @return whether the condition holds
     */
    public boolean runUntil(BooleanSupplier condition, int maxSteps) {
        runSteps(condition, maxSteps);
        return condition.getAsBoolean();
    }

    private int runSteps(BooleanSupplier stop, int maxSteps) {
        if (mode != ThreadingMode.INVOKER) {
            throw new IllegalStateException("threading mode: " + mode + " (expected: INVOKER to step by hand)");
        }
        int steps = 0;
        int errorsBefore = uncaught.size();
        boolean ranSomething = true;
        while (ranSomething && !stop.getAsBoolean()) {
            ranSomething = false;
            // One pass: the executors that exist now, in creation order, one task each (see ReadyExecutors).
            int limit = executors.size();
            for (int i = ready.next(0, limit); i >= 0; i = ready.next(i + 1, limit)) {
                if (executors.get(i).runOne()) {
                    ranSomething = true;
                    if (++steps >= maxSteps) {
                        throw new IllegalStateException("still busy after " + maxSteps + " tasks: livelock?");
                    }
                    if (uncaught.size() > errorsBefore) {
                        Throwable error = uncaught.get(errorsBefore);
                        throw new IllegalStateException("domain work threw: " + error, error);
                    }
                    if (stop.getAsBoolean()) {
                        return steps;
                    }
                }
            }
        }
        return steps;
    }

    /** True when some domain has queued work (INVOKER mode). */
    public boolean hasPendingWork() {
        return ready.any();
    }

    /** Adds a check run by {@link #assertCleanedUp()} (xenstore adds "no watches left", for example). */
    public void addCleanupCheck(Supplier<List<String>> check) {
        cleanupChecks.add(Objects.requireNonNull(check));
    }

    /** What is still live: grants, mappings, open ports, dying domains, errors, and registered checks. */
    public List<String> leftovers() {
        List<String> left = new ArrayList<>();
        for (Domain domain : domains.values()) {
            int reserved = 0;
            for (int ref = 0; ref < io.xensim.xenbus.grant.GrantEntryV1.GNTTAB_NR_RESERVED_ENTRIES; ref++) {
                if (domain.grantTable().isGranted(ref)) {
                    reserved++;
                }
            }
            int granted = domain.grantTable().grantedCount() - reserved;
            if (granted > 0) {
                left.add(domain + " has " + granted + " live grant(s)");
            }
            if (domain.grantTable().deferredCount() > 0) {
                left.add(domain + " has " + domain.grantTable().deferredCount() + " grant(s) awaiting revocation");
            }
            if (domain.grantOps().activeMappings() > 0) {
                left.add(domain + " maps " + domain.grantOps().activeMappings() + " foreign grant(s)");
            }
            if (domain.eventChannels().openPorts() > 0) {
                left.add(domain + " has " + domain.eventChannels().openPorts() + " open port(s)");
            }
        }
        for (Domain domain : dying.values()) {
            left.add(domain + " is dying but still mapped by another domain");
        }
        for (Throwable error : uncaught) {
            left.add("uncaught error: " + error);
        }
        for (Supplier<List<String>> check : cleanupChecks) {
            left.addAll(check.get());
        }
        return left;
    }

    /**
     * Asserts that a paired test released everything: no live grants (reserved toolstack refs aside), no foreign
     * mappings, no open ports, no lingering dying domain, no uncaught error, and every registered check passes.
     */
    public void assertCleanedUp() {
        List<String> left = leftovers();
        if (!left.isEmpty()) {
            throw new AssertionError("not cleaned up:\n  " + String.join("\n  ", left));
        }
    }

    /** Destroys every domain and stops the threads. */
    @Override
    public void close() {
        for (Integer domid : List.copyOf(domains.keySet())) {
            destroyDomain(domid);
        }
        for (ExecutorService thread : domainThreads) {
            thread.shutdownNow();
        }
        if (sharedThread != null) {
            sharedThread.shutdownNow();
        }
        for (ExecutorService thread : domainThreads) {
            awaitQuietly(thread);
        }
        if (sharedThread != null) {
            awaitQuietly(sharedThread);
        }
    }

    private static void awaitQuietly(ExecutorService thread) {
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
