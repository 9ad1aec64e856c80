package io.xensim.xenbus.store.ring;

import static io.xensim.xenbus.grant.GrantEntryV1.GNTMAP_host_map;
import static io.xensim.xenbus.grant.GrantEntryV1.GNTTAB_RESERVED_XENSTORE;

import io.xensim.xenbus.Domain;
import io.xensim.xenbus.grant.MapResult;
import io.xensim.xenbus.memory.Layouts;
import io.xensim.xenbus.store.client.XsClient;
import io.xensim.xenbus.store.server.ConnectionInfo;
import io.xensim.xenbus.store.server.DomainIntroducer;
import io.xensim.xenbus.store.server.Xenstored;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * xenstored's side of every guest's xenstore ring, and the {@link DomainIntroducer} that attaches them: on
 * {@code XS_INTRODUCE <domid> <gfn> <port>} (from any transport, e.g. the toolstack's {@link XsClient#introduce})
 * it maps the guest's ring page, binds the guest's unbound event channel and connects a
 * {@link XenstoreRingBackend} as domain {@code <domid>} (unprivileged); on {@code XS_RELEASE} (or
 * {@link Xenstored#releaseDomain}) it tears that down.
 *
 * <p><b>Mapping.</b> The page ({@link io.xensim.xenbus.store.wire.XenstoreDomainInterface}) is mapped by grant: reserved grant ref {@code GNTTAB_RESERVED_XENSTORE} (1) of the
 * guest, which the toolstack fills with the ring's frame for xenstored's domain before introducing. This is what
 * 4.17's C xenstored does ({@code map_interface()}: {@code xengnttab_map_grant_ref(domid,
 * GNTTAB_RESERVED_XENSTORE)}, "ignore the gfn, we don't need it"); the older path, a foreign mapping of the gfn,
 * is not modelled, so the gfn in INTRODUCE is only logged.
 *
 * <p>{@link #setUpGuest(Domain)} does the toolstack's part for tests and scenarios: allocates and zeroes the ring
 * frame in the guest (what {@code HVM_PARAM_STORE_PFN} points at), fills the reserved grant, allocates the guest's
 * unbound port ({@code HVM_PARAM_STORE_EVTCHN}), attaches a {@link XenstoreRingFrontend} and sends INTRODUCE.
 *
 * <p><b>Threading:</b> xenstored must run on the executor of the domain it serves from ({@code new
 * Xenstored(dom0.executor())}), as C xenstored runs in dom0: INTRODUCE and RELEASE reach this class on xenstored's
 * executor, the ring's events on the domain's, and the backends are confined to that one executor. The
 * attached-domain set is readable from any thread (clean-up checks).
 */
public final class XenstoreRingServer implements DomainIntroducer, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(XenstoreRingServer.class);

    private final Domain xenstoredDomain;
    private final Xenstored xenstored;
    private final long maxQueuedOutputBytes;
    // Confined to the executor.
    private final Map<Integer, XenstoreRingBackend> backends = new HashMap<>();
    private final Set<Integer> attached = ConcurrentHashMap.newKeySet();
    private volatile XsClient toolstack;

    private XenstoreRingServer(Domain xenstoredDomain, Xenstored xenstored, long maxQueuedOutputBytes) {
        this.xenstoredDomain = Objects.requireNonNull(xenstoredDomain, "xenstoredDomain");
        this.xenstored = Objects.requireNonNull(xenstored, "xenstored");
        this.maxQueuedOutputBytes = maxQueuedOutputBytes;
    }

    /**
     * Makes {@code xenstored}, running on {@code xenstoredDomain}'s executor, serve guests' rings: installs this as
     * its domain introducer, lets it ask the hypervisor which domains exist (as C's {@code get_domain_info()}),
     * and adds a clean-up check ("no xenstore ring left attached") to the hypervisor.
     */
    public static XenstoreRingServer install(Domain xenstoredDomain, Xenstored xenstored) {
        return install(xenstoredDomain, xenstored, XenstoreRingBackend.DEFAULT_MAX_QUEUED_OUTPUT_BYTES);
    }

    public static XenstoreRingServer install(Domain xenstoredDomain, Xenstored xenstored, long maxQueuedOutputBytes) {
        if (maxQueuedOutputBytes < 1) {
            throw new IllegalArgumentException("maxQueuedOutputBytes: " + maxQueuedOutputBytes + " (expected: >= 1)");
        }
        var server = new XenstoreRingServer(xenstoredDomain, xenstored, maxQueuedOutputBytes);
        xenstored.setDomainIntroducer(server);
        var hypervisor = xenstoredDomain.hypervisor();
        xenstored.setDomainInfo(domid -> hypervisor.domain(domid).isPresent());
        xenstoredDomain.hypervisor().addCleanupCheck(server::leftovers);
        return server;
    }

    Domain xenstoredDomain() {
        return xenstoredDomain;
    }

    Xenstored xenstored() {
        return xenstored;
    }

    /** Domains whose ring is attached (introduced and not released). Any thread. */
    public Set<Integer> attachedDomains() {
        return Set.copyOf(attached);
    }

    /** The backend of {@code domid}, for inspection on the executor (e.g. in INVOKER-mode tests). */
    public Optional<XenstoreRingBackend> backend(int domid) {
        assertInExecutorOrInvoker();
        return Optional.ofNullable(backends.get(domid));
    }

    // ---------------------------------------------------------------------------------------------------------
    // DomainIntroducer (xenstored's executor)
    // ---------------------------------------------------------------------------------------------------------

    @Override
    public boolean introduce(int domid, long gfn, int port) {
        if (!xenstoredDomain.executor().inExecutor()) {
            log.error("INTRODUCE of dom{} off {}'s executor: xenstored must run on the executor of the domain it "
                    + "serves from", domid, xenstoredDomain);
            return false;
        }
        XenstoreRingBackend existing = backends.get(domid);
        if (existing != null) {
            return existing.reintroduce(port);
        }
        MapResult map = xenstoredDomain.grantOps().mapGrantRef(domid, GNTTAB_RESERVED_XENSTORE, GNTMAP_host_map);
        if (!map.ok()) {
            log.warn("dom{}: INTRODUCE: cannot map grant GNTTAB_RESERVED_XENSTORE: GNTST {}", domid, map.status());
            return false;
        }
        int localPort = xenstoredDomain.eventChannels().bindInterdomain(domid, port);
        if (localPort < 0) {
            log.warn("dom{}: INTRODUCE: cannot bind port {}: error {}", domid, port, localPort);
            xenstoredDomain.grantOps().unmapGrantRef(map.handle());
            return false;
        }
        MemorySegment intf = map.area().asSlice(0, Layouts.XEN_PAGE_SIZE);
        var backend = new XenstoreRingBackend(this, domid, map.handle(), intf, localPort, port, maxQueuedOutputBytes);
        backends.put(domid, backend);
        attached.add(domid);
        backend.start();
        log.info("dom{}: xenstore ring attached (gfn {}, port {} -> local port {})", domid, gfn, port, localPort);
        return true;
    }

    @Override
    public void release(int domid) {
        assert xenstoredDomain.executor().inExecutor();
        XenstoreRingBackend backend = backends.remove(domid);
        if (backend != null) {
            backend.release();
            attached.remove(domid);
            log.info("dom{}: xenstore ring released", domid);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // The toolstack's part
    // ---------------------------------------------------------------------------------------------------------

    /** dom0's privileged client, used to send INTRODUCE and RELEASE (created on first use). */
    public XsClient toolstack() {
        XsClient c = toolstack;
        if (c == null) {
            synchronized (this) {
                if (toolstack == null) {
                    toolstack = XsClient.connect(xenstored, ConnectionInfo.dom0("toolstack"),
                            xenstoredDomain.executor(), Duration.ofSeconds(30));
                }
                c = toolstack;
            }
        }
        return c;
    }

    /**
     * The toolstack's set-up of a guest's store: a zeroed ring frame, the reserved grant of it to xenstored's
     * domain, an unbound port for xenstored, the guest's {@link XenstoreRingFrontend} bound to it, and
     * {@code XS_INTRODUCE}. Completes with the frontend once xenstored acknowledged (in INVOKER mode: after the
     * hypervisor has been stepped).
     */
    public CompletableFuture<XenstoreRingFrontend> setUpGuest(Domain guest) {
        long gfn = guest.memory().allocateFrame();
        if (gfn < 0) {
            return CompletableFuture.failedFuture(new IllegalStateException("dom" + guest.domid()
                    + ": no frame for the xenstore ring: ENOMEM (guest memory exhausted, "
                    + guest.memory().allocatedFrames() + " of " + guest.memory().frames() + " frames in use)"));
        }
        guest.memory().frame(gfn).fill((byte) 0);
        guest.grantTable().grantReserved(GNTTAB_RESERVED_XENSTORE, xenstoredDomain.domid(), gfn, false);
        int port = guest.eventChannels().allocUnbound(xenstoredDomain.domid());
        if (port < 0) {
            return CompletableFuture.failedFuture(new IllegalStateException("dom" + guest.domid()
                    + ": no port for the xenstore ring: error " + port));
        }
        var frontend = XenstoreRingFrontend.attach(guest, gfn, port);
        return toolstack().introduce(guest.domid(), gfn, port).thenApply(v -> frontend);
    }

    /**
     * Undoes {@link #setUpGuest}: {@code XS_RELEASE} (xenstored drops the guest's connection, watches,
     * transactions and nodes, and this server unmaps the page and closes its port), then the guest's port is
     * closed and the reserved grant ended.
     */
    public CompletableFuture<Void> tearDownGuest(XenstoreRingFrontend frontend) {
        return toolstack().release(frontend.guest().domid()).thenRun(frontend::close);
    }

    /** Closes the toolstack client (its connection to xenstored). */
    @Override
    public void close() {
        XsClient c = toolstack;
        if (c != null) {
            c.close();
        }
    }

    private List<String> leftovers() {
        List<String> left = new ArrayList<>();
        for (int domid : attached) {
            left.add("xenstore ring of dom" + domid + " still attached to xenstored");
        }
        return left;
    }

    private void assertInExecutorOrInvoker() {
        assert xenstoredDomain.executor().inExecutor()
                || xenstoredDomain.hypervisor().threadingMode() == io.xensim.xenbus.ThreadingMode.INVOKER
                : "backend(domid) off the executor";
    }

    @Override
    public String toString() {
        return "XenstoreRingServer[" + xenstoredDomain + ", attached " + attached + "]";
    }
}
