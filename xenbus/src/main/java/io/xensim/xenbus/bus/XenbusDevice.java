package io.xensim.xenbus.bus;

import io.xensim.xenbus.Domain;
import io.xensim.xenbus.XenErrno;
import io.xensim.xenbus.event.EventHandler;
import io.xensim.xenbus.grant.GnttabStatus;
import io.xensim.xenbus.grant.GrantEntryV1;
import io.xensim.xenbus.grant.MapResult;
import io.xensim.xenbus.store.client.XsWatchListener;
import io.xensim.xenbus.trace.TraceEvent;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One end of a xenbus device, as its driver sees it: Linux's {@code struct xenbus_device} plus the helpers of
 * xenbus_client.c. It knows its own xenstore directory ({@link #nodename()}), the other end's directory and domid
 * (read from {@code backend}/{@code backend-id} or {@code frontend}/{@code frontend-id} at probe time), its state
 * and the last state seen of the other end.
 *
 * <p>The {@code state} key in xenstore is the single source of truth: {@link #switchState} checks the transition
 * against the graph of {@link XenbusState} both from the state this end last wrote and from the value the key holds
 * when the write happens (the toolstack may have written {@code Closing} there, as libxl does to unplug), and it
 * does not recreate a directory that has gone ({@code xenbus_switch_state()}).
 *
 * <p>The resource helpers ({@link #setupRing}, {@link #allocEvtchn}, {@link #bindInterdomainEvtchn},
 * {@link #mapRing}, {@link #grantPool()}, {@link #watch}) are {@code xenbus_setup_ring()},
 * {@code xenbus_alloc_evtchn()} + {@code bind_evtchn_to_irqhandler()}, {@code bind_interdomain_evtchn_to_irqhandler()},
 * {@code xenbus_map_ring_valloc()}, the grant references of a driver's data pages and
 * {@code xenbus_watch_pathfmt()}. Each binds what it allocates to the device: a port comes with its handler, and
 * {@link #releaseResources()} gives back whatever a driver did not when the device goes. A helper that fails
 * throws {@link XenbusDeviceException} with the Xen errno ({@code ENOMEM} when guest memory is exhausted,
 * {@code ENOSPC} when the grant table or the port space is full, the mapping's or binding's error for a ref or
 * port the other end wrote), which the device templates turn into {@link #fatal(int, String)}.
 *
 * <p>The other end's keys are read as the driver goes, through {@link #otherend()} (a {@link XenstoreReader}).
 *
 * <p><b>Threading:</b> confined to the device's domain's executor ({@code assert domain.executor().inExecutor()}),
 * like everything a driver does. The accessors of immutable fields and {@link #state()} (volatile, for tests) may be
 * read from any thread.
 *
 * <p><b>Reference:</b> Linux drivers/xen/xenbus/xenbus_client.c ({@code xenbus_switch_state},
 * {@code xenbus_dev_fatal}, {@code xenbus_setup_ring}, {@code xenbus_alloc_evtchn}, {@code xenbus_map_ring_valloc},
 * {@code xenbus_watch_pathfmt}), xenbus_probe.c, drivers/xen/events ({@code bind_evtchn_to_irqhandler}).
 */
public final class XenbusDevice {
    /** Error values are cut to fit a guest's node-size quota (C xenstored's default is 2048 bytes). */
    static final int MAX_ERROR_VALUE = 1024;

    /** Which end of the device this is. */
    public enum End {
        FRONTEND, BACKEND;

        public End other() {
            return this == FRONTEND ? BACKEND : FRONTEND;
        }

        @Override
        public String toString() {
            return this == FRONTEND ? "frontend" : "backend";
        }
    }

    /** A ring area this end allocated and granted to the other end ({@link #setupRing}). */
    public record RingPages(long gfn, int[] refs, MemorySegment area) {
    }

    /** A ring area of the other end mapped by this end ({@link #mapRing}). */
    public record RingMapping(int[] refs, int[] handles, MemorySegment area) {
    }

    /** A step this end is waiting for the other end to take ({@link #expect}). */
    private record Expectation(String what, Set<XenbusState> states, List<String> keys, long deadlineNs) {
    }

    private final XenbusBus bus;
    private final End end;
    private final String type;
    private final String nodename;
    private final int devid;
    private final int frontendDomid;
    private final String otherendPath;
    private final int otherendId;
    private final String label;

    private volatile XenbusState state;
    private volatile XenbusState otherendState = XenbusState.UNKNOWN;
    private volatile XenbusTimeoutException failure;
    private volatile String fatalError;
    private XenbusDeviceHandler handler;
    private Expectation expectation;
    private boolean removed;
    private boolean otherendSeen;

    private final List<RingPages> rings = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();
    private final List<RingMapping> mappings = new ArrayList<>();
    /** Extra watches ({@link #watch}): path -> token. */
    private final Map<String, String> watches = new LinkedHashMap<>();
    private final GrantPool grantPool = new GrantPool(this);
    private final XenstoreReader otherend;
    private final XenstoreReader own;

    XenbusDevice(XenbusBus bus, End end, String type, String nodename, int devid, int frontendDomid,
            String otherendPath, int otherendId, XenbusState initialState) {
        this.bus = bus;
        this.end = end;
        this.type = type;
        this.nodename = nodename;
        this.devid = devid;
        this.frontendDomid = frontendDomid;
        this.otherendPath = otherendPath;
        this.otherendId = otherendId;
        this.state = initialState;
        this.label = end == End.FRONTEND ? type + "/" + devid : type + "/" + frontendDomid + "/" + devid;
        // A key this domain may not read (EACCES: the other end's directory has gone) is as good as missing.
        this.otherend = XenstoreReader.over(otherendPath,
                path -> xs().readOptional(path).exceptionally(err -> Optional.empty()));
        this.own = XenstoreReader.over(nodename, path -> xs().readOptional(path));
    }

    void attach(XenbusDeviceHandler handler) {
        this.handler = handler;
    }

    /** The driver's handler of this device ({@link XenbusDriver#probe}'s result). */
    public XenbusDeviceHandler handler() {
        return handler;
    }

    // ------------------------------------------------------------------------------------------ identity

    public End end() {
        return end;
    }

    public Domain domain() {
        return bus.domain();
    }

    public int domid() {
        return bus.domain().domid();
    }

    /** The device type ({@code vif}, {@code vbd}, …). */
    public String type() {
        return type;
    }

    /** The device id within its frontend domain (the last component of both directories). */
    public int devid() {
        return devid;
    }

    public int frontendDomid() {
        return frontendDomid;
    }

    /** This end's directory, e.g. {@code /local/domain/1/device/vif/0}. */
    public String nodename() {
        return nodename;
    }

    /** The other end's directory, from {@code backend} or {@code frontend}. */
    public String otherendPath() {
        return otherendPath;
    }

    /** The other end's domid, from {@code backend-id} or {@code frontend-id}. */
    public int otherendId() {
        return otherendId;
    }

    /** {@code vif/0} for a frontend, {@code vif/1/0} for its backend: the device column of the trace. */
    public String label() {
        return label;
    }

    public TracedXs xs() {
        return bus.xs();
    }

    public XenbusConfig config() {
        return bus.config();
    }

    /** The state this end last switched to (or found in its key at probe time). */
    public XenbusState state() {
        return state;
    }

    /** The last state read from the other end's {@code state} key. */
    public XenbusState otherendState() {
        return otherendState;
    }

    /** The timeout this device failed with, if any. */
    public Optional<XenbusTimeoutException> failure() {
        return Optional.ofNullable(failure);
    }

    /** The last error passed to {@link #fatal}, if any. */
    public Optional<String> fatalError() {
        return Optional.ofNullable(fatalError);
    }

    public boolean isRemoved() {
        return removed;
    }

    private void assertInExecutor() {
        assert domain().executor().inExecutor() : label + ": not on " + domain().executor();
    }

    /** Records {@code detail} in the trace, as this device of this domain. */
    public void trace(TraceEvent.Kind kind, String detail) {
        bus.domain().hypervisor().trace(domid(), label, kind, detail);
    }

    /** False when {@link #trace} would throw the event away, so a hot path can skip building the detail string. */
    public boolean tracing() {
        return bus.domain().hypervisor().tracer().enabled();
    }

    // ------------------------------------------------------------------------------------------ state

    /** The last {@link #switchState} write; the next one starts after it (executor-confined). */
    private CompletableFuture<Void> lastStateWrite = CompletableFuture.completedFuture(null);

    /**
     * Switches this end to {@code next} ({@code xenbus_switch_state()}): in one transaction, reads the
     * {@code state} key, checks the transition from its value, and writes the new value unless it is already there
     * or the directory has gone. The transition is checked at once from {@link #state()} too. As in Linux,
     * switching to the state this end already has is a no-op: nothing is read, written or traced.
     *
     * @throws IllegalStateException if {@code next} is not a successor of the current state: the message names the
     *                               device, both states and the allowed ones
     */
    public CompletableFuture<Void> switchState(XenbusState next, String reason) {
        assertInExecutor();
        Objects.requireNonNull(next, "next");
        XenbusState from = state;
        if (!from.canSwitchTo(next)) {
            throw illegal(from, next);
        }
        if (from == next) {
            return CompletableFuture.completedFuture(null);
        }
        state = next;
        trace(TraceEvent.Kind.STATE, end + " " + from.shortName() + " -> " + next.shortName() + " ("
                + next.code() + "): " + reason);
        String key = nodename + "/state";
        // One state write at a time per device: a second switch whose transaction read the key before the first
        // committed would judge its transition from a stale value (and adopt it). xenbus_switch_state() runs
        // synchronously in Linux, so its writes are ordered by construction.
        CompletableFuture<Void> write = lastStateWrite.handle((v, err) -> null)
                .thenCompose(v -> writeState(key, next));
        lastStateWrite = write;
        return write;
    }

    private CompletableFuture<Void> writeState(String key, XenbusState next) {
        return xs().transaction(key, tx -> xs().readOptional(tx, key).thenCompose(current -> {
            if (current.isEmpty()) {
                return CompletableFuture.completedFuture(null); // the device is going: do not resurrect it
            }
            XenbusState inStore = XenbusState.parseOrUnknown(current.get());
            if (inStore == next) {
                return CompletableFuture.completedFuture(null); // no write, no needless watch event
            }
            if (!inStore.canSwitchTo(next)) {
                state = inStore; // the key is the truth: adopt it
                return CompletableFuture.failedFuture(illegal(inStore, next));
            }
            return xs().write(tx, key, Integer.toString(next.code()));
        }));
    }

    private IllegalStateException illegal(XenbusState from, XenbusState next) {
        return new IllegalStateException(label + " " + end + " of dom" + domid() + " (" + nodename
                + "): illegal transition " + from.shortName() + " -> " + next.shortName() + " (expected one of: "
                + from.successors().stream().map(XenbusState::shortName).toList() + ")");
    }

    /** {@code xenbus_dev_fatal()} with {@code EIO}: see {@link #fatal(int, String)}. */
    public void fatal(String message) {
        fatal(XenErrno.XEN_EIO, message);
    }

    /**
     * {@code xenbus_dev_fatal()}: records the error in xenstore as Linux's {@code xenbus_va_dev_error} does — the
     * value {@code "<errno> <message>"} at {@code error/<nodename>/error} under this domain's home, where the
     * toolstack and a tester can read why the device failed — and switches to Closing, so that the other end
     * follows to Closed. Switches nothing more if the device is already Closing or Closed.
     */
    public void fatal(int errno, String message) {
        assertInExecutor();
        fatalError = message;
        trace(TraceEvent.Kind.INFO, "fatal: " + message);
        String value = Math.abs(errno) + " " + message;
        if (value.length() > MAX_ERROR_VALUE) {
            value = value.substring(0, MAX_ERROR_VALUE);
        }
        // Best effort, as in Linux: failing to record the error must not stop the device from closing.
        xs().write(errorNode(), value).exceptionally(err -> null);
        if (state != XenbusState.CLOSING && state != XenbusState.CLOSED && state.canSwitchTo(XenbusState.CLOSING)) {
            switchState(XenbusState.CLOSING, "fatal error").exceptionally(err -> null);
        }
    }

    /** Where {@link #fatal} records the error: {@code /local/domain/<domid>/error/<nodename relative>/error}. */
    public String errorNode() {
        String home = XenbusPaths.domainPath(domid()) + "/";
        String relative = nodename.startsWith(home) ? nodename.substring(home.length()) : nodename.substring(1);
        return home + "error/" + relative + "/error";
    }

    // ------------------------------------------------------------------------------------------ keys

    /** Reads the other end's directory as the driver goes (its connect step): strings, unsigneds, features, queues. */
    public XenstoreReader otherend() {
        return otherend;
    }

    /** Reads this end's own directory (keys the toolstack wrote there: {@code mac}, {@code handle}, …). */
    public XenstoreReader own() {
        return own;
    }

    /**
     * Writes {@code keys} (relative to this end's directory) in one transaction, retried from the start on
     * {@code EAGAIN}, as Linux's blkfront and netfront publish their ring refs and event channels.
     */
    public CompletableFuture<Void> writeOwnInTransaction(Map<String, String> keys) {
        return xs().transaction(nodename, tx -> {
            CompletableFuture<Void> all = CompletableFuture.completedFuture(null);
            for (var e : keys.entrySet()) {
                all = all.thenCompose(v -> xs().write(tx, nodename + "/" + e.getKey(), e.getValue()));
            }
            return all;
        });
    }

    // ------------------------------------------------------------------------------------------ timeouts

    /**
     * Starts waiting for the other end to reach one of {@code states}, within {@link XenbusConfig#stepTimeout()}
     * from now. {@code otherendKeys} are keys of the other end's directory that step writes, named in the
     * timeout message only (the first one missing, else the other end's {@code state}); nothing reads them for the
     * driver. Replaces an earlier expectation;
     * met as soon as the other end is seen in one of {@code states}.
     */
    public void expect(String what, Set<XenbusState> states, List<String> otherendKeys) {
        assertInExecutor();
        if (states.contains(otherendState)) {
            expectation = null;
            return;
        }
        long deadline = bus.clock().nanoTime() + config().stepTimeout().toNanos();
        expectation = new Expectation(what, EnumSet.copyOf(states), List.copyOf(otherendKeys), deadline);
    }

    /** Stops waiting (the step is no longer needed). */
    public void clearExpectation() {
        expectation = null;
    }

    /** True while this end waits for the other end ({@link #expect}). */
    public boolean isWaiting() {
        return expectation != null;
    }

    void checkTimeout(long nowNs) {
        Expectation e = expectation;
        if (e == null || nowNs - e.deadlineNs() < 0 || removed) {
            return;
        }
        expectation = null;
        firstMissing(e.keys(), 0).thenCombine(otherend.read("state"), (firstMissing, otherState) -> {
            String missing = firstMissing.orElse(null);
            XenbusState other = otherState.map(XenbusState::parseOrUnknown).orElse(XenbusState.UNKNOWN);
            // Unknown (the key gone) is acceptable for some steps but is not a value to ask for.
            String expected = e.states().stream().filter(s -> s != XenbusState.UNKNOWN)
                    .map(s -> s.code() + " (" + s.shortName() + ")")
                    .reduce((a, b) -> a + " or " + b).orElse("?");
            String missingText = missing != null ? missing
                    : otherendPath + "/state = " + expected + (otherState.isEmpty() ? " (key absent)"
                            : ", is " + other.code() + " (" + other.shortName() + ")");
            String message = label + " " + end + " of dom" + domid() + " (" + nodename + "): timed out after "
                    + config().stepTimeout().toMillis() + " ms waiting for " + e.what() + "; " + end + " "
                    + state.shortName() + ", " + end.other() + " " + other.shortName() + " (" + otherendPath
                    + "); missing: " + missingText;
            return new XenbusTimeoutException(message, missing != null ? missing : otherendPath + "/state");
        }).thenAccept(error -> {
            if (removed) {
                return;
            }
            failure = error;
            trace(TraceEvent.Kind.INFO, "timeout: " + error.getMessage());
            handler.timedOut(error);
        });
    }

    /** The full path of the first of {@code keys} (from index {@code i}) missing in the other end's directory. */
    private CompletableFuture<Optional<String>> firstMissing(List<String> keys, int i) {
        if (i == keys.size()) {
            return CompletableFuture.completedFuture(Optional.empty());
        }
        return otherend.read(keys.get(i)).thenCompose(value -> value.isEmpty()
                ? CompletableFuture.completedFuture(Optional.of(otherend.path(keys.get(i))))
                : firstMissing(keys, i + 1));
    }

    boolean otherendSeen() {
        return otherendSeen;
    }

    void onOtherendState(XenbusState seen) {
        otherendSeen = true;
        otherendState = seen;
        Expectation e = expectation;
        if (e != null && e.states().contains(seen)) {
            expectation = null;
        }
    }

    // ------------------------------------------------------------------------------------------ resources

    /**
     * {@code xenbus_setup_ring()}: allocates {@code nrPages} contiguous zeroed frames and grants each to the other
     * end (read-write). The area is native and page-aligned, ready for {@link io.xensim.xenbus.ring.FrontRing}.
     *
     * @throws XenbusDeviceException {@code ENOMEM} if guest memory has no such run of free frames, {@code ENOSPC}
     *                               if this domain's grant table is full (the grants made so far are revoked
     *                               and the frames freed)
     */
    public RingPages setupRing(int nrPages) {
        assertInExecutor();
        if (nrPages < 1 || Integer.bitCount(nrPages) != 1 || nrPages > 16) {
            throw new IllegalArgumentException("nrPages: " + nrPages + " (expected: 1, 2, 4, 8 or 16)");
        }
        var memory = domain().memory();
        long gfn = memory.allocateFrames(nrPages);
        if (gfn < 0) {
            // xenbus_setup_ring(): "allocating ring page", -ENOMEM.
            throw new XenbusDeviceException(XenErrno.XEN_ENOMEM, "allocating " + nrPages
                    + " ring page(s): guest memory of dom" + domid() + " exhausted (" + memory.allocatedFrames()
                    + " of " + memory.frames() + " frames in use)");
        }
        MemorySegment area = memory.frames(gfn, nrPages);
        area.fill((byte) 0);
        int[] refs = new int[nrPages];
        for (int i = 0; i < nrPages; i++) {
            int ref = domain().grantTable().grantAccess(otherendId, gfn + i, false);
            if (ref < 0) {
                for (int j = 0; j < i; j++) {
                    domain().grantTable().endForeignAccess(refs[j]);
                }
                memory.freeFrames(gfn, nrPages);
                throw new XenbusDeviceException(-ref, "granting the ring: grant table of dom" + domid()
                        + " is full (" + XenErrno.name(ref) + ")");
            }
            refs[i] = ref;
            trace(TraceEvent.Kind.GRANT, "gnttab_grant_foreign_access ref " + ref + " -> dom" + otherendId
                    + " gfn 0x" + Long.toHexString(gfn + i) + " rw");
        }
        RingPages pages = new RingPages(gfn, refs, area);
        rings.add(pages);
        return pages;
    }

    /**
     * {@code xenbus_teardown_ring()}: revokes the grants and frees the frames once the other end has unmapped them
     * (at once if it has; otherwise when it lets go, as Linux defers since XSA-396).
     */
    public void teardownRing(RingPages pages) {
        assertInExecutor();
        if (!rings.remove(pages)) {
            return;
        }
        var memory = domain().memory();
        for (int i = 0; i < pages.refs().length; i++) {
            int ref = pages.refs()[i];
            long gfn = pages.gfn() + i;
            boolean now = domain().grantTable().endForeignAccessDeferred(ref, () -> memory.freeFrame(gfn));
            trace(TraceEvent.Kind.GRANT, "gnttab_end_foreign_access ref " + ref
                    + (now ? "" : " (deferred: still mapped by dom" + otherendId + ")"));
        }
    }

    /**
     * {@code xenbus_alloc_evtchn()} then {@code bind_evtchn_to_irqhandler()}: an unbound port for the other end to
     * bind to, with {@code handler} already bound to it, so no event can arrive before there is one to run.
     *
     * @throws XenbusDeviceException with {@code EVTCHNOP_alloc_unbound}'s error (e.g. {@code ENOSPC})
     */
    public int allocEvtchn(EventHandler handler) {
        assertInExecutor();
        Objects.requireNonNull(handler, "handler");
        int port = domain().eventChannels().allocUnbound(otherendId);
        if (port < 0) {
            throw new XenbusDeviceException(-port, "allocating an event channel: EVTCHNOP_alloc_unbound failed ("
                    + XenErrno.name(port) + ")");
        }
        ports.add(port);
        domain().eventChannels().bindHandler(port, handler);
        trace(TraceEvent.Kind.EVENT_CHANNEL, "xenbus_alloc_evtchn -> port " + port + " (unbound, for dom"
                + otherendId + ")");
        return port;
    }

    /**
     * {@code bind_interdomain_evtchn_to_irqhandler()}: binds to the other end's {@code remotePort} (read from its
     * xenstore directory, so untrusted) with {@code handler}, and returns the local port.
     *
     * @throws XenbusDeviceException if the port is not one the other end offered to this domain (the
     *                               {@code EVTCHNOP_bind_interdomain} error)
     */
    public int bindInterdomainEvtchn(int remotePort, EventHandler handler) {
        assertInExecutor();
        Objects.requireNonNull(handler, "handler");
        int port = domain().eventChannels().bindInterdomain(otherendId, remotePort);
        trace(TraceEvent.Kind.EVENT_CHANNEL, "bind_interdomain dom" + otherendId + " port "
                + Integer.toUnsignedString(remotePort) + " -> " + (port < 0 ? "error " + port : "port " + port));
        if (port < 0) {
            throw new XenbusDeviceException(-port, "binding event channel " + Integer.toUnsignedString(remotePort)
                    + " of dom" + otherendId + ": " + XenErrno.name(port));
        }
        ports.add(port);
        domain().eventChannels().bindHandler(port, handler);
        return port;
    }

    /** {@code notify_remote_via_evtchn()}: sends an event on {@code port}, a port of this device. */
    public void notifyRemote(int port, String why) {
        assertInExecutor();
        if (!ports.contains(port)) {
            throw new IllegalArgumentException("port: " + port + " (expected: a port of " + label + ")");
        }
        domain().eventChannels().send(port);
        if (tracing()) {
            trace(TraceEvent.Kind.EVENT_CHANNEL, "notify port " + port + " (" + why + ")");
        }
    }

    /** {@code xenbus_free_evtchn()}: closes a port this device opened. */
    public void closeEvtchn(int port) {
        assertInExecutor();
        if (ports.remove(Integer.valueOf(port))) {
            domain().eventChannels().close(port);
            trace(TraceEvent.Kind.EVENT_CHANNEL, "close port " + port);
        }
    }

    /**
     * {@code xenbus_map_ring_valloc()}: maps the other end's ring pages (refs read from its xenstore directory, so
     * untrusted) as one area.
     *
     * @throws XenbusDeviceException {@code EIO} naming the refs and the {@code GNTST_*} status if a ref is bad
     */
    public RingMapping mapRing(int[] refs) {
        assertInExecutor();
        int[] handles = new int[refs.length];
        MapResult result = refs.length == 1
                ? domain().grantOps().mapGrantRef(otherendId, refs[0], GrantEntryV1.GNTMAP_host_map)
                : domain().grantOps().mapGrantRefs(otherendId, refs, GrantEntryV1.GNTMAP_host_map, handles);
        trace(TraceEvent.Kind.GRANT, "xenbus_map_ring dom" + otherendId + " refs " + refsText(refs) + " -> "
                + GnttabStatus.name(result.status()));
        if (!result.ok()) {
            throw new XenbusDeviceException(XenErrno.XEN_EIO, "map of dom" + otherendId + " refs " + refsText(refs)
                    + ": " + GnttabStatus.name(result.status()));
        }
        if (refs.length == 1) {
            handles[0] = result.handle();
        }
        RingMapping mapping = new RingMapping(refs.clone(), handles, result.area());
        mappings.add(mapping);
        return mapping;
    }

    private static String refsText(int[] refs) {
        return Arrays.stream(refs).mapToObj(Integer::toUnsignedString).toList().toString();
    }

    /** {@code xenbus_unmap_ring_vfree()}. */
    public void unmapRing(RingMapping mapping) {
        assertInExecutor();
        if (!mappings.remove(mapping)) {
            return;
        }
        for (int handle : mapping.handles()) {
            domain().grantOps().unmapGrantRef(handle);
        }
        trace(TraceEvent.Kind.GRANT, "xenbus_unmap_ring dom" + otherendId + " refs " + refsText(mapping.refs()));
    }

    /**
     * {@code xenbus_watch_pathfmt()}: watches {@code path} for this device (a key the toolstack changes at run
     * time, such as blkback's {@code physical-device}); {@code listener} runs on this domain's executor, not after
     * the device is removed. Released with the device. One watch per path.
     */
    public CompletableFuture<Void> watch(String path, XsWatchListener listener) {
        assertInExecutor();
        Objects.requireNonNull(listener, "listener");
        String token = "dev:" + label; // with the path, unique on this domain's connection
        if (watches.putIfAbsent(path, token) != null) {
            throw new IllegalStateException("path: " + path + " (already watched by " + label + ")");
        }
        return xs().watch(path, token, (p, t) -> {
            if (!removed && watches.containsKey(path)) {
                listener.onWatch(p, t);
            }
        });
    }

    /** {@code unregister_xenbus_watch()} of a watch {@link #watch} set. */
    public void unwatch(String path) {
        assertInExecutor();
        String token = watches.remove(path);
        if (token != null) {
            xs().unwatch(path, token);
        }
    }

    /** The grants of this device's data pages, given back when the device closes. */
    public GrantPool grantPool() {
        return grantPool;
    }

    /**
     * Unmaps, closes, revokes and unwatches everything the helpers handed out and the driver did not give back:
     * mappings, ports, extra watches, data-page grants (deferred while mapped) and rings.
     */
    public void releaseResources() {
        assertInExecutor();
        for (RingMapping m : List.copyOf(mappings)) {
            unmapRing(m);
        }
        for (int port : List.copyOf(ports)) {
            closeEvtchn(port);
        }
        for (String path : List.copyOf(watches.keySet())) {
            unwatch(path);
        }
        grantPool.releaseAll();
        for (RingPages p : List.copyOf(rings)) {
            teardownRing(p);
        }
    }

    /** Rings, ports, mappings, extra watches and data pages still held, for tests. */
    public int heldResources() {
        return rings.size() + ports.size() + mappings.size() + watches.size() + grantPool.live();
    }

    void markRemoved() {
        removed = true;
        expectation = null;
    }

    @Override
    public String toString() {
        return "XenbusDevice[" + label + " " + end + " dom" + domid() + " " + state.shortName() + "]";
    }
}
