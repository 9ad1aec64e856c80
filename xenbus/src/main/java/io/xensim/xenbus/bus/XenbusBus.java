package io.xensim.xenbus.bus;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.Domain;
import io.xensim.xenbus.Domid;
import io.xensim.xenbus.NanoClock;
import io.xensim.xenbus.store.wire.XsValues;
import io.xensim.xenbus.trace.TraceEvent;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One domain's frontend bus or backend bus (Linux's xenbus_probe_frontend.c / xenbus_probe_backend.c): drivers
 * register for a device type; the bus watches that type's directory ({@code /local/domain/<domid>/device/<type>}
 * or {@code /local/domain/<domid>/backend/<type>}), probes each new device directory whose {@code state} is
 * Initialising, reads the other end's path and domid from {@code backend}/{@code backend-id} (frontends) or
 * {@code frontend}/{@code frontend-id} (backends), watches the other end's {@code state} and calls the driver on
 * each change, and removes the device when its directory goes ({@code xenbus_dev_changed()}).
 *
 * <p>Frontends and backends never call each other: everything they learn comes from xenstore through this bus.
 *
 * <p>A frontend bus can be told to leave one device alone ({@link #leaveAlone}): another frontend, outside this
 * domain's kernel, drives it, as when a guest's kernel has no driver bound to a device its toolstack gave it.
 *
 * <p><b>Threading:</b> watch callbacks and driver calls run on the domain's executor, the only place devices are
 * touched. {@link #register}, {@link #leaveAlone}, {@link #checkTimeouts} and {@link #close} may be called from
 * any thread: they hand their work to that executor, or only add to a concurrent set. The device map is concurrent so tests can look at it.
 *
 * <p><b>Reference:</b> Linux drivers/xen/xenbus/xenbus_probe.c ({@code xenbus_probe_node()} probes only devices in
 * Initialising; {@code xenbus_read_otherend_details()}; {@code watch_otherend()}).
 */
public final class XenbusBus implements AutoCloseable {
    private final Domain domain;
    private final TracedXs xs;
    private final XenbusConfig config;
    private final XenbusDevice.End end;
    private final Map<String, XenbusDriver> drivers = new ConcurrentHashMap<>();
    private final Map<String, XenbusDevice> devices = new ConcurrentHashMap<>();
    /** {@code <type>/<devid>} of the devices this bus never probes ({@link #leaveAlone}). */
    private final Set<String> leftAlone = ConcurrentHashMap.newKeySet();
    // Confined to the executor.
    private final Set<String> probing = new HashSet<>();
    /** Left-alone device directories already traced, so a write under one is not traced again. */
    private final Set<String> leftAloneTraced = new HashSet<>();
    private volatile boolean closed;

    private XenbusBus(Domain domain, TracedXs xs, XenbusConfig config, XenbusDevice.End end) {
        this.domain = Objects.requireNonNull(domain, "domain");
        this.xs = Objects.requireNonNull(xs, "xs");
        this.config = Objects.requireNonNull(config, "config");
        this.end = end;
    }

    /** The frontend bus of {@code domain}: devices under {@code /local/domain/<domid>/device/}. */
    public static XenbusBus frontend(Domain domain, TracedXs xs, XenbusConfig config) {
        return new XenbusBus(domain, xs, config, XenbusDevice.End.FRONTEND);
    }

    /** The backend bus of {@code domain}: devices under {@code /local/domain/<domid>/backend/}. */
    public static XenbusBus backend(Domain domain, TracedXs xs, XenbusConfig config) {
        return new XenbusBus(domain, xs, config, XenbusDevice.End.BACKEND);
    }

    public Domain domain() {
        return domain;
    }

    public TracedXs xs() {
        return xs;
    }

    public XenbusConfig config() {
        return config;
    }

    public XenbusDevice.End end() {
        return end;
    }

    NanoClock clock() {
        return domain.hypervisor().clock();
    }

    private String typeDir(String type) {
        return end == XenbusDevice.End.FRONTEND ? XenbusPaths.frontendTypeDir(domain.domid(), type)
                : XenbusPaths.backendTypeDir(domain.domid(), type);
    }

    /** Components naming a device below the type directory: {@code <devid>} or {@code <frontend-domid>/<devid>}. */
    private int depth() {
        return end == XenbusDevice.End.FRONTEND ? 1 : 2;
    }

    private String typeToken(String type) {
        return (end == XenbusDevice.End.FRONTEND ? "fe:" : "be:") + type;
    }

    private static String otherendToken(String nodename) {
        return "otherend:" + nodename;
    }

    /**
     * Registers {@code driver} and starts watching its type directory; devices already there are probed (the
     * watch's first event). Completes when the watch is registered.
     */
    public CompletableFuture<Void> register(XenbusDriver driver) {
        Objects.requireNonNull(driver, "driver");
        if (closed) {
            throw new IllegalStateException("bus of dom" + domain.domid() + " is closed");
        }
        if (drivers.putIfAbsent(driver.type(), driver) != null) {
            throw new IllegalStateException("type: " + driver.type() + " (a driver is already registered)");
        }
        String dir = typeDir(driver.type());
        return xs.watch(dir, typeToken(driver.type()), (path, token) -> onTypeDirChanged(driver.type(), path));
    }

    /**
     * Never probes the frontend device {@code type/devid} of this domain: it is left to a frontend outside this
     * domain's kernel (an outside process acting as this domain, see docs/attach-protocol.md), which owns its
     * directory's keys and its handshake with the backend. Call it before {@link #register}ing the type's driver;
     * a device already bound stays bound. Traced once per device as INFO "left to an outside frontend".
     */
    public void leaveAlone(String type, int devid) {
        Objects.requireNonNull(type, "type");
        if (end != XenbusDevice.End.FRONTEND) {
            throw new IllegalStateException("leaveAlone: dom" + domain.domid() + "'s backend bus (only a frontend "
                    + "bus leaves devices to an outside frontend)");
        }
        if (devid < 0) {
            throw new IllegalArgumentException("devid: " + devid + " (expected: 0 or more)");
        }
        leftAlone.add(type + "/" + devid);
    }

    /** Whether {@link #leaveAlone} was asked for {@code type/devid}. */
    public boolean leftAlone(String type, int devid) {
        return leftAlone.contains(type + "/" + devid);
    }

    /** The devices currently bound, keyed by their directory. */
    public Map<String, XenbusDevice> devices() {
        return Map.copyOf(devices);
    }

    /** The device of type {@code type} and id {@code devid} (frontend bus) or any frontend's (backend bus). */
    public Optional<XenbusDevice> device(String type, int frontendDomid, int devid) {
        String nodename = end == XenbusDevice.End.FRONTEND ? XenbusPaths.frontendPath(domain.domid(), type, devid)
                : XenbusPaths.backendPath(domain.domid(), type, frontendDomid, devid);
        return Optional.ofNullable(devices.get(nodename));
    }

    /** Checks every device's pending step against the clock, on the domain's executor. */
    public void checkTimeouts() {
        domain.executor().execute(() -> {
            long now = clock().nanoTime();
            for (XenbusDevice d : List.copyOf(devices.values())) {
                d.checkTimeout(now);
            }
        });
    }

    // ------------------------------------------------------------------------------------------ watch handling

    private void onTypeDirChanged(String type, String path) {
        if (closed) {
            return;
        }
        String dir = typeDir(type);
        Optional<String> deviceDir = XenbusPaths.deviceDirUnder(dir, path, depth());
        if (deviceDir.isPresent()) {
            deviceChanged(type, deviceDir.get());
        } else {
            rescan(type, dir);
        }
    }

    /** The type directory itself changed (first event, or removed whole): look at every device under it. */
    private void rescan(String type, String dir) {
        xs.directory(0, dir).thenCompose(children -> {
            if (depth() == 1) {
                return CompletableFuture.completedFuture(children.stream().map(c -> dir + "/" + c).toList());
            }
            List<String> found = new ArrayList<>();
            CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
            for (String fe : children) {
                chain = chain.thenCompose(v -> xs.directory(0, dir + "/" + fe)
                        .thenAccept(ids -> ids.forEach(id -> found.add(dir + "/" + fe + "/" + id))));
            }
            return chain.thenApply(v -> found);
        }).thenAccept(found -> {
            for (String d : found) {
                deviceChanged(type, d);
            }
            for (String known : List.copyOf(devices.keySet())) {
                if (known.startsWith(dir + "/") && !found.contains(known)) {
                    deviceChanged(type, known);
                }
            }
        });
    }

    /** {@code xenbus_dev_changed()}: probe a new directory, remove a device whose directory has gone. */
    private void deviceChanged(String type, String nodename) {
        assert domain.executor().inExecutor();
        xs.readOptional(nodename).thenAccept(exists -> {
            if (closed) {
                return;
            }
            XenbusDevice known = devices.get(nodename);
            if (exists.isEmpty() && known != null) {
                remove(known, "directory removed");
            } else if (exists.isPresent() && known == null && probing.add(nodename)) {
                probe(type, nodename).whenComplete((v, err) -> probing.remove(nodename));
            }
        });
    }

    private CompletableFuture<Void> probe(String type, String nodename) {
        boolean front = end == XenbusDevice.End.FRONTEND;
        if (front && leftAlone.contains(type + "/" + nodename.substring(nodename.lastIndexOf('/') + 1))) {
            // Like a device with no driver bound (xenbus_probe_node() finds no match): nothing touches it here.
            if (leftAloneTraced.add(nodename)) {
                info(XenbusPaths.deviceLabel(nodename), "not probing " + nodename
                        + ": left to an outside frontend");
            }
            return CompletableFuture.completedFuture(null);
        }
        String pathKey = front ? "backend" : "frontend";
        String idKey = front ? "backend-id" : "frontend-id";
        var state = xs.readOptional(nodename + "/state");
        var otherPath = xs.readOptional(nodename + "/" + pathKey);
        var otherId = xs.readOptional(nodename + "/" + idKey);
        return CompletableFuture.allOf(state, otherPath, otherId).thenAccept(v -> {
            XenbusDriver driver = drivers.get(type);
            if (closed || driver == null || devices.containsKey(nodename)) {
                return;
            }
            String label = XenbusPaths.deviceLabel(nodename);
            XenbusState s = XenbusState.parseOrUnknown(state.join().orElse(null));
            if (s != XenbusState.INITIALISING) {
                // Linux xenbus_probe_node(): a device not in Initialising is not new (e.g. going away after Closed).
                info(label, "not probing " + nodename + ": state is " + s.shortName() + " (expected Initialising)");
                return;
            }
            Optional<String> path = otherPath.join().filter(p -> !p.isBlank());
            Decoded<Long> id = otherId.join().map(idText -> XsValues.parseUnsigned(idText, Domid.DOMID_FIRST_RESERVED - 1))
                    .orElse(Decoded.malformed("missing"));
            if (path.isEmpty() || !(id instanceof Decoded.Ok<Long>(Long otherDomidValue))) {
                info(label, "not probing " + nodename + ": missing or bad " + pathKey + "/" + idKey);
                return;
            }
            int otherDomid = (int) otherDomidValue.longValue();
            // The last components of the directory: <devid> (frontend), <frontend-domid>/<devid> (backend).
            String[] parts = nodename.split("/");
            Decoded<Long> devidValue = XsValues.parseUnsigned(parts[parts.length - 1], Integer.MAX_VALUE);
            Decoded<Long> frontendValue = front ? Decoded.ok((long) domain.domid())
                    : XsValues.parseUnsigned(parts[parts.length - 2], Domid.DOMID_FIRST_RESERVED - 1);
            if (!(devidValue instanceof Decoded.Ok<Long>(Long devidLong))
                    || !(frontendValue instanceof Decoded.Ok<Long>(Long frontendLong))) {
                info(label, "not probing " + nodename + ": device id is not a number");
                return;
            }
            int devid = (int) devidLong.longValue();
            int frontendDomid = (int) frontendLong.longValue();
            var device = new XenbusDevice(this, end, type, nodename, devid, frontendDomid, path.get(), otherDomid,
                    s);
            devices.put(nodename, device);
            device.trace(TraceEvent.Kind.INFO, "probed " + end + " " + nodename + ", other end dom" + otherDomid
                    + " " + path.get());
            XenbusDeviceHandler handler = driver.probe(device);
            device.attach(Objects.requireNonNull(handler, "probe returned null"));
            handler.start();
            String otherState = path.get() + "/state";
            xs.watch(otherState, otherendToken(nodename), (p, t) -> otherendChanged(device));
        });
    }

    /** {@code xenbus_otherend_changed()}: read the other end's state and tell the driver if it changed. */
    private void otherendChanged(XenbusDevice device) {
        // Like xenbus_read_driver_state(), any failure to read (ENOENT, or EACCES once the other end's directory
        // and the parents this domain could read are gone) counts as Unknown.
        xs.readOptional(device.otherendPath() + "/state").exceptionally(err -> Optional.empty()).thenAccept(value -> {
            if (device.isRemoved()) {
                return;
            }
            XenbusState seen = value.map(XenbusState::parseOrUnknown).orElse(XenbusState.UNKNOWN);
            if (device.otherendSeen() && seen == device.otherendState()) {
                return; // a spurious event: the value did not change
            }
            device.onOtherendState(seen);
            device.handler().otherendChanged(seen);
        });
    }

    private void remove(XenbusDevice device, String why) {
        devices.remove(device.nodename());
        xs.unwatch(device.otherendPath() + "/state", otherendToken(device.nodename()));
        device.markRemoved();
        device.trace(TraceEvent.Kind.INFO, "removed " + device.end() + " " + device.nodename() + ": " + why);
        try {
            device.handler().remove();
        } finally {
            device.releaseResources();
        }
    }

    private void info(String label, String detail) {
        domain.hypervisor().trace(domain.domid(), label, TraceEvent.Kind.INFO, detail);
    }

    /**
     * Removes every device (their drivers' {@code remove} runs) and every watch of this bus, on the executor.
     * Completes when done.
     */
    @Override
    public void close() {
        closeAsync();
    }

    public CompletableFuture<Void> closeAsync() {
        var done = new CompletableFuture<Void>();
        domain.executor().execute(() -> {
            if (closed) {
                done.complete(null);
                return;
            }
            closed = true;
            for (XenbusDevice d : List.copyOf(devices.values())) {
                remove(d, "bus closed");
            }
            for (String type : drivers.keySet()) {
                xs.unwatch(typeDir(type), typeToken(type));
            }
            done.complete(null);
        });
        return done;
    }

    public boolean isClosed() {
        return closed;
    }
}
