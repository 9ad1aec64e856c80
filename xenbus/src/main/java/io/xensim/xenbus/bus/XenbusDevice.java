package io.xensim.xenbus.bus;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.Domain;
import io.xensim.xenbus.XenErrno;
import io.xensim.xenbus.grant.GnttabStatus;
import io.xensim.xenbus.grant.GrantEntryV1;
import io.xensim.xenbus.grant.MapResult;
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
 * {@link #mapRing}) are {@code xenbus_setup_ring()}, {@code xenbus_alloc_evtchn()},
 * {@code bind_interdomain_evtchn_to_irqhandler()} and {@code xenbus_map_ring_valloc()}; the device remembers what
 * they handed out so that {@link #releaseResources()} can give back whatever a driver forgot when the device goes.
 *
 * <p><b>Threading:</b> confined to the device's domain's executor ({@code assert domain.executor().inExecutor()}),
 * like everything a driver does. The accessors of immutable fields and {@link #state()} (volatile, for tests) may be
 * read from any thread.
 *
 * <p><b>Reference:</b> Linux drivers/xen/xenbus/xenbus_client.c and xenbus_probe.c.
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

    void trace(TraceEvent.Kind kind, String detail) {
        bus.domain().hypervisor().trace(domid(), label, kind, detail);
    }

    // ------------------------------------------------------------------------------------------ state

    /**
     * Switches this end to {@code next} ({@code xenbus_switch_state()}): in one transaction, reads the
     * {@code state} key, checks the transition from its value, and writes the new value unless it is already there
     * or the directory has gone. The transition is checked at once from {@link #state()} too.
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

    /** Reads {@code key} of this end's directory. */
    public CompletableFuture<Optional<String>> readOwn(String key) {
        return xs().readOptional(nodename + "/" + key);
    }

    /** Reads {@code key} of the other end's directory. */
    public CompletableFuture<Optional<String>> readOtherend(String key) {
        // A key this domain may not read (EACCES: the other end's directory has gone) is as good as missing.
        return xs().readOptional(otherendPath + "/" + key).exceptionally(err -> Optional.empty());
    }

    /** Reads several keys of the other end's directory, in order. */
    public CompletableFuture<Map<String, Optional<String>>> readOtherend(List<String> keys) {
        Map<String, Optional<String>> out = new LinkedHashMap<>();
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (String key : keys) {
            chain = chain.thenCompose(v -> readOtherend(key).thenAccept(value -> out.put(key, value)));
        }
        return chain.thenApply(v -> out);
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
     * from now. {@code otherendKeys} are the keys of the other end's directory that step must have written; a
     * timeout names the first one missing (else the other end's {@code state}). Replaces an earlier expectation;
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
        List<String> keys = new ArrayList<>(e.keys());
        readOtherend(keys).thenCombine(readOtherend("state"), (values, otherState) -> {
            String missing = null;
            for (var kv : values.entrySet()) {
                if (kv.getValue().isEmpty()) {
                    missing = otherendPath + "/" + kv.getKey();
                    break;
                }
            }
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
     * @throws IllegalStateException if this domain's grant table is full (the grants made so far are revoked)
     */
    public RingPages setupRing(int nrPages) {
        assertInExecutor();
        if (nrPages < 1 || Integer.bitCount(nrPages) != 1 || nrPages > 16) {
            throw new IllegalArgumentException("nrPages: " + nrPages + " (expected: 1, 2, 4, 8 or 16)");
        }
        var memory = domain().memory();
        long gfn = memory.allocateFrames(nrPages);
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
                throw new IllegalStateException(label + ": grant table of dom" + domid() + " is full (" + ref + ")");
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

    /** {@code xenbus_alloc_evtchn()}: an unbound port for the other end to bind to. */
    public int allocEvtchn() {
        assertInExecutor();
        int port = domain().eventChannels().allocUnbound(otherendId);
        if (port < 0) {
            throw new IllegalStateException(label + ": EVTCHNOP_alloc_unbound failed: " + port);
        }
        ports.add(port);
        trace(TraceEvent.Kind.EVENT_CHANNEL, "xenbus_alloc_evtchn -> port " + port + " (unbound, for dom"
                + otherendId + ")");
        return port;
    }

    /**
     * Binds to the other end's {@code remotePort} (read from its xenstore directory, so untrusted): the local port,
     * or a negative Xen errno if the port is not one the other end offered to this domain.
     */
    public int bindInterdomainEvtchn(int remotePort) {
        assertInExecutor();
        int port = domain().eventChannels().bindInterdomain(otherendId, remotePort);
        trace(TraceEvent.Kind.EVENT_CHANNEL, "bind_interdomain dom" + otherendId + " port " + remotePort + " -> "
                + (port < 0 ? "error " + port : "port " + port));
        if (port >= 0) {
            ports.add(port);
        }
        return port;
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
     * untrusted) as one area. A bad ref is {@link Decoded.Malformed} naming the ref and the {@code GNTST_*} status.
     */
    public Decoded<RingMapping> mapRing(int[] refs) {
        assertInExecutor();
        int[] handles = new int[refs.length];
        MapResult result = refs.length == 1
                ? domain().grantOps().mapGrantRef(otherendId, refs[0], GrantEntryV1.GNTMAP_host_map)
                : domain().grantOps().mapGrantRefs(otherendId, refs, GrantEntryV1.GNTMAP_host_map, handles);
        trace(TraceEvent.Kind.GRANT, "xenbus_map_ring dom" + otherendId + " refs " + Arrays.toString(refs) + " -> "
                + GnttabStatus.name(result.status()));
        if (!result.ok()) {
            return Decoded.malformed("map of dom" + otherendId + " refs " + Arrays.toString(refs) + ": "
                    + GnttabStatus.name(result.status()));
        }
        if (refs.length == 1) {
            handles[0] = result.handle();
        }
        RingMapping mapping = new RingMapping(refs.clone(), handles, result.area());
        mappings.add(mapping);
        return Decoded.ok(mapping);
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
        trace(TraceEvent.Kind.GRANT, "xenbus_unmap_ring dom" + otherendId + " refs "
                + Arrays.toString(mapping.refs()));
    }

    /** Unmaps, closes and revokes everything the helpers handed out and the driver did not give back. */
    public void releaseResources() {
        assertInExecutor();
        for (RingMapping m : List.copyOf(mappings)) {
            unmapRing(m);
        }
        for (int port : List.copyOf(ports)) {
            closeEvtchn(port);
        }
        for (RingPages p : List.copyOf(rings)) {
            teardownRing(p);
        }
    }

    /** Rings, ports and mappings still held, for tests. */
    public int heldResources() {
        return rings.size() + ports.size() + mappings.size();
    }

    void markRemoved() {
        removed = true;
        expectation = null;
    }

    /** Reads a decimal u32 written by the other end: a grant ref or a port. */
    public static Decoded<Integer> parseU32(String key, Optional<String> value) {
        if (value.isEmpty()) {
            return Decoded.malformed(key + ": missing");
        }
        String v = value.get().strip();
        try {
            long n = Long.parseLong(v);
            if (n < 0 || n > 0xFFFF_FFFFL) {
                return Decoded.malformed(key + ": " + v + " (expected: 0..4294967295)");
            }
            return Decoded.ok((int) n);
        } catch (NumberFormatException e) {
            return Decoded.malformed(key + ": \"" + v + "\" (expected: a decimal number)");
        }
    }

    @Override
    public String toString() {
        return "XenbusDevice[" + label + " " + end + " dom" + domid() + " " + state.shortName() + "]";
    }
}
