package io.xensim.xenbus.toolstack;

import io.xensim.xenbus.Domain;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.bus.TracedXs;
import io.xensim.xenbus.bus.XenbusBus;
import io.xensim.xenbus.bus.XenbusPaths;
import io.xensim.xenbus.bus.XenbusState;
import io.xensim.xenbus.store.client.XsClient;
import io.xensim.xenbus.store.ring.XenstoreRingServer;
import io.xensim.xenbus.store.server.ConnectionInfo;
import io.xensim.xenbus.store.server.Xenstored;
import io.xensim.xenbus.store.wire.XsPermission;
import io.xensim.xenbus.trace.TraceEvent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The in-process dom0 toolstack, as libxl is: it creates dom0 and runs xenstored there, creates guests (their
 * {@code /local/domain/<domid>} with libxl's permissions), introduces them to xenstore, creates and removes the
 * frontend and backend directories of devices (at creation or hot-plugged while the guest runs), and destroys
 * domains with everything they held.
 *
 * <p>Permissions follow libxl ({@code libxl__domain_make()}, {@code libxl__device_generic_add()}):
 * {@code /local/domain/<domid>} and its {@code device/} and {@code control/} belong to dom0 with read access for
 * the guest, while {@code data/}, {@code drivers/}, {@code feature/}, {@code attr/} and {@code error/} belong to the
 * guest. A device's frontend directory belongs to the guest with read access for the backend domain; its backend
 * directory belongs to the backend domain with read access for the guest. Keys written below inherit those.
 *
 * <p>Everything is asynchronous ({@link CompletableFuture}s completing on dom0's executor); {@link #await} waits
 * for one, stepping the domains by hand in {@link ThreadingMode#INVOKER} mode.
 *
 * <p><b>Threading:</b> public methods may be called from any thread (not from a domain's executor when they
 * wait). xenstored runs on dom0's executor, as C xenstored runs in dom0.
 *
 * <p><b>Reference:</b> tools/libs/light: libxl_create.c, libxl_dom.c, libxl_device.c
 * ({@code libxl__initiate_device_generic_remove()}: {@code online = 0}, {@code state = 5}, wait for 6, remove).
 */
public final class Toolstack implements AutoCloseable {
    public static final int DOM0 = 0;
    private static final int AWAIT_STEPS = 10_000_000;

    private final Hypervisor hypervisor;
    private final ToolstackConfig config;
    private final Xenstored xenstored;
    private final XenstoreRingServer ringServer;
    private final TracedXs libxl;
    private final ManagedDomain dom0;
    private final Map<Integer, ManagedDomain> domains = new ConcurrentHashMap<>();
    private final Map<String, DeviceConfig> devices = new ConcurrentHashMap<>();
    /** Hotplug scripts by the path a backend's {@code script} key names. */
    private final Map<String, HotplugScript> scripts = new ConcurrentHashMap<>();
    /** Devices whose hotplug script waits for the backend's InitWait (the watch token's device key). */
    private final Map<String, DeviceConfig> hotplugWaits = new ConcurrentHashMap<>();
    /** Unplugs waiting for their backend to reach Closed; confined to dom0's executor. */
    private final List<PendingRemoval> removals = new ArrayList<>();

    private record PendingRemoval(DeviceConfig device, long deadlineNs, CompletableFuture<Boolean> done) {
    }
    /** Backend restores waiting for the frontend to let go of the old connection; confined to dom0's executor. */
    private final List<PendingRestore> restores = new ArrayList<>();

    private record PendingRestore(DeviceConfig device, long deadlineNs, CompletableFuture<Void> settled) {
    }

    /**
     * With real threads nobody steps the domains, so a watchdog thread checks every wait four times per step
     * timeout (libxl's own timeouts are timer-driven too); null in INVOKER mode, where the stepper checks.
     */
    private final ScheduledExecutorService watchdog;

    private Toolstack(Hypervisor hypervisor, ToolstackConfig config) {
        this.hypervisor = Objects.requireNonNull(hypervisor, "hypervisor");
        this.config = Objects.requireNonNull(config, "config");
        Domain d0 = hypervisor.domain(DOM0).orElseGet(() ->
                hypervisor.createDomain(DomainConfig.of(DOM0, "Domain-0", config.dom0MemoryMiB())));
        this.xenstored = new Xenstored(d0.executor(), config.xenstored());
        this.ringServer = XenstoreRingServer.install(d0, xenstored);
        this.libxl = new TracedXs(XsClient.connect(xenstored, ConnectionInfo.dom0("libxl"), d0.executor()),
                hypervisor, DOM0);
        TracedXs kernel = new TracedXs(XsClient.connect(xenstored, ConnectionInfo.dom0("dom0 xenbus"),
                d0.executor()), hypervisor, DOM0);
        this.dom0 = new ManagedDomain(d0, kernel, XenbusBus.frontend(d0, kernel, config.xenbus()),
                XenbusBus.backend(d0, kernel, config.xenbus()));
        domains.put(DOM0, dom0);
        hypervisor.addCleanupCheck(this::liveWatches);
        if (hypervisor.threadingMode() == ThreadingMode.INVOKER) {
            this.watchdog = null;
        } else {
            this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "xensim-toolstack-watchdog");
                t.setDaemon(true);
                return t;
            });
            long periodMs = Math.max(10, config.xenbus().stepTimeout().toMillis() / 4);
            watchdog.scheduleAtFixedRate(this::checkTimeouts, periodMs, periodMs, TimeUnit.MILLISECONDS);
        }
    }

    /** Starts a toolstack with default settings: dom0 (created if absent) and xenstored in it. */
    public static Toolstack start(Hypervisor hypervisor) {
        return start(hypervisor, ToolstackConfig.defaults());
    }

    /** Starts a toolstack; completes dom0's xenstore setup before returning. */
    public static Toolstack start(Hypervisor hypervisor, ToolstackConfig config) {
        Toolstack t = new Toolstack(hypervisor, config);
        t.await(t.writeDomainNodes(t.dom0.domain()));
        return t;
    }

    public Hypervisor hypervisor() {
        return hypervisor;
    }

    public ToolstackConfig config() {
        return config;
    }

    /** xenstored's side of the guests' xenstore rings (its domain introducer). */
    public XenstoreRingServer ringServer() {
        return ringServer;
    }

    public Xenstored xenstored() {
        return xenstored;
    }

    /** The toolstack's own (privileged) xenstore connection. */
    public TracedXs xs() {
        return libxl;
    }

    public ManagedDomain dom0() {
        return dom0;
    }

    public Optional<ManagedDomain> domain(int domid) {
        return Optional.ofNullable(domains.get(domid));
    }

    public ManagedDomain requireDomain(int domid) {
        ManagedDomain d = domains.get(domid);
        if (d == null) {
            throw new IllegalArgumentException("domid: " + domid + " (no such domain)");
        }
        return d;
    }

    public Collection<ManagedDomain> domains() {
        return List.copyOf(domains.values());
    }

    // ------------------------------------------------------------------------------------------ domains

    /**
     * Creates a domain: its memory and tables in the hypervisor, its xenstore home with libxl's permissions, and
     * its xenstore connection ({@link ToolstackConfig#guestXenstore()}), which introduces it ({@code
     * @introduceDomain} fires). Completes with the domain, its buses ready for drivers.
     */
    public CompletableFuture<ManagedDomain> createDomain(DomainConfig domainConfig) {
        Domain domain = hypervisor.createDomain(domainConfig);
        return writeDomainNodes(domain)
                .thenCompose(v -> config.guestXenstore().attach(this, domain))
                .thenApply(client -> {
                    TracedXs xs = new TracedXs(client, hypervisor, domain.domid());
                    var managed = new ManagedDomain(domain, xs, XenbusBus.frontend(domain, xs, config.xenbus()),
                            XenbusBus.backend(domain, xs, config.xenbus()));
                    domains.put(domain.domid(), managed);
                    hypervisor.trace(DOM0, "", TraceEvent.Kind.DOMAIN, "introduced dom" + domain.domid()
                            + " (" + domain.name() + ") to xenstore");
                    return managed;
                });
    }

    /** {@code libxl__domain_make()}: the domain's home and the directories the guest may write. */
    private CompletableFuture<Void> writeDomainNodes(Domain domain) {
        int domid = domain.domid();
        String home = XenbusPaths.domainPath(domid);
        List<XsPermission> roperm = domid == DOM0 ? List.of(XsPermission.none(DOM0))
                : List.of(XsPermission.none(DOM0), XsPermission.read(domid));
        List<XsPermission> rwperm = List.of(XsPermission.none(domid));
        return libxl.transaction(home, tx -> libxl.rm(tx, home)
                .thenCompose(v -> libxl.mkdir(tx, home))
                .thenCompose(v -> libxl.setPerms(tx, home, roperm))
                .thenCompose(v -> libxl.write(tx, home + "/name", domain.name()))
                .thenCompose(v -> libxl.write(tx, home + "/domid", Integer.toString(domid)))
                .thenCompose(v -> libxl.write(tx, home + "/memory/target",
                        Long.toString(domain.config().memoryFrames() * 4)))
                .thenCompose(v -> mknod(tx, home + "/device", roperm))
                .thenCompose(v -> mknod(tx, home + "/control", roperm))
                .thenCompose(v -> mknod(tx, home + "/data", rwperm))
                .thenCompose(v -> mknod(tx, home + "/drivers", rwperm))
                .thenCompose(v -> mknod(tx, home + "/feature", rwperm))
                .thenCompose(v -> mknod(tx, home + "/attr", rwperm))
                .thenCompose(v -> mknod(tx, home + "/error", rwperm)));
    }

    private CompletableFuture<Void> mknod(int tx, String path, List<XsPermission> perms) {
        return libxl.mkdir(tx, path).thenCompose(v -> libxl.setPerms(tx, path, perms));
    }

    /**
     * Destroys a guest as {@code libxl_domain_destroy} does: its buses and xenstore connection close, the
     * directories of its devices (both ends) are removed, xenstored releases it (its nodes go, {@code
     * @releaseDomain} fires), its home is removed, and the hypervisor frees its memory, grants and ports.
     */
    public CompletableFuture<Void> destroyDomain(int domid) {
        if (domid == DOM0) {
            throw new IllegalArgumentException("domid: 0 (expected: a guest)");
        }
        ManagedDomain managed = domains.remove(domid);
        if (managed == null) {
            return CompletableFuture.completedFuture(null);
        }
        List<DeviceConfig> owned = devices.values().stream()
                .filter(d -> d.frontendDomid() == domid || d.backendDomid() == domid).toList();
        owned.forEach(d -> devices.remove(d.key()));
        owned.forEach(this::disarmHotplug);
        return managed.frontends().closeAsync()
                .thenCompose(v -> managed.backends().closeAsync())
                .thenRun(() -> managed.xs().close())
                .thenCompose(v -> libxl.transaction(XenbusPaths.domainPath(domid), tx -> {
                    CompletableFuture<Void> all = CompletableFuture.completedFuture(null);
                    for (DeviceConfig d : owned) {
                        all = all.thenCompose(x -> libxl.rm(tx, d.backendPath()))
                                .thenCompose(x -> libxl.rm(tx, d.frontendPath()))
                                .thenCompose(x -> libxl.rm(tx, d.libxlPath()));
                    }
                    return all.thenCompose(x -> libxl.rm(tx, "/libxl/" + domid));
                }))
                .thenRun(() -> owned.forEach(this::runOffline))
                .thenCompose(v -> xenstored.releaseDomain(domid))
                .thenRun(() -> hypervisor.trace(DOM0, "", TraceEvent.Kind.DOMAIN, "released dom" + domid
                        + " from xenstore: its nodes are gone, @releaseDomain fired"))
                .thenCompose(v -> libxl.rm(XenbusPaths.domainPath(domid)))
                .thenRun(() -> hypervisor.destroyDomain(domid));
    }

    // ------------------------------------------------------------------------------------------ devices

    /**
     * {@code libxl__device_generic_add()}: in one transaction, removes stale directories and creates both ends of
     * {@code device} with their permissions, the common keys and the per-type keys, both in Initialising. Works the
     * same while the guest runs (hot-plug): the buses' watches find the new device.
     */
    public CompletableFuture<Void> addDevice(DeviceConfig device) {
        requireDomain(device.frontendDomid());
        requireDomain(device.backendDomid());
        if (devices.putIfAbsent(device.key(), device) != null) {
            throw new IllegalStateException("device: " + device.key() + " (already exists)");
        }
        String fe = device.frontendPath();
        String be = device.backendPath();
        String lx = device.libxlPath();
        return libxl.transaction(fe, tx -> libxl.rm(tx, lx)
                .thenCompose(v -> libxl.write(tx, lx + "/frontend", fe))
                .thenCompose(v -> libxl.write(tx, lx + "/backend", be))
                .thenCompose(v -> libxl.rm(tx, fe))
                .thenCompose(v -> libxl.rm(tx, be))
                .thenCompose(v -> writeFrontend(tx, device))
                .thenCompose(v -> writeBackend(tx, device))
                .thenCompose(v -> writeAll(tx, lx, backendEntries(device))))
                .thenCompose(v -> armHotplug(device))
                .whenComplete((v, err) -> {
                    if (err != null) {
                        devices.remove(device.key());
                    }
                });
    }

    // ------------------------------------------------------------------------------------------ hotplug scripts

    /** Makes {@code script} run for every device whose backend {@code script} key is {@code path}. */
    public void registerHotplugScript(String path, HotplugScript script) {
        Objects.requireNonNull(script, "script");
        if (scripts.putIfAbsent(Objects.requireNonNull(path, "path"), script) != null) {
            throw new IllegalStateException("path: " + path + " (a hotplug script is already registered)");
        }
    }

    private static String hotplugToken(DeviceConfig device) {
        return "hotplug:" + device.key();
    }

    /**
     * {@code libxl__wait_device_connection()}: watches the backend's {@code state} and runs the device's hotplug
     * script once it reads InitWait ({@code device_hotplug}). Devices without a registered script get none, as
     * a backend domain that runs its own scripts.
     */
    private CompletableFuture<Void> armHotplug(DeviceConfig device) {
        HotplugScript script = device.script().map(scripts::get).orElse(null);
        if (script == null || hotplugWaits.putIfAbsent(device.key(), device) != null) {
            return CompletableFuture.completedFuture(null);
        }
        String state = device.backendPath() + "/state";
        return libxl.watch(state, hotplugToken(device), (p, t) -> libxl.readOptional(state).thenAccept(s -> {
            if (s.isPresent() && XenbusState.parseOrUnknown(s.get()) == XenbusState.INIT_WAIT
                    && hotplugWaits.remove(device.key(), device)) {
                libxl.unwatch(state, hotplugToken(device));
                runOnline(device, script);
            }
        }));
    }

    private void disarmHotplug(DeviceConfig device) {
        if (hotplugWaits.remove(device.key(), device)) {
            libxl.unwatch(device.backendPath() + "/state", hotplugToken(device));
        }
    }

    /** xen-hotplug-common.sh: {@code success} writes connected; {@code fatal} writes the error and "error". */
    private void runOnline(DeviceConfig device, HotplugScript script) {
        String be = device.backendPath();
        String script0 = device.script().orElseThrow();
        CompletableFuture<Void> run;
        try {
            run = script.online(device);
        } catch (RuntimeException e) {
            run = CompletableFuture.failedFuture(e);
        }
        run.handle((v, err) -> {
            if (!devices.containsKey(device.key())) {
                return CompletableFuture.<Void>completedFuture(null); // removed while the script ran
            }
            if (err == null) {
                hypervisor.trace(DOM0, device.key(), TraceEvent.Kind.INFO, script0 + " online: "
                        + DeviceConfig.HOTPLUG_STATUS + " = connected");
                return libxl.write(be + "/" + DeviceConfig.HOTPLUG_STATUS, "connected");
            }
            String message = TracedXs.rootMessage(err);
            hypervisor.trace(DOM0, device.key(), TraceEvent.Kind.INFO, script0 + " online failed: " + message);
            return libxl.transaction(be, tx -> libxl.write(tx, be + "/hotplug-error", message)
                    .thenCompose(x -> libxl.write(tx, be + "/" + DeviceConfig.HOTPLUG_STATUS, "error")));
        }).thenCompose(f -> f).exceptionally(e -> null);
    }

    private void runOffline(DeviceConfig device) {
        HotplugScript script = device.script().map(scripts::get).orElse(null);
        if (script != null) {
            try {
                script.offline(device).exceptionally(e -> null);
            } catch (RuntimeException e) {
                hypervisor.trace(DOM0, device.key(), TraceEvent.Kind.INFO, "hotplug offline failed: " + e);
            }
        }
    }

    /**
     * The backend's entries as libxl lists them ({@code bents}): the common ones, then the per-type keys; or, when
     * the per-type keys place {@code frontend-id} themselves (libxl_disk.c), in their order, with the common
     * values.
     */
    private static Map<String, String> backendEntries(DeviceConfig device) {
        var keys = new java.util.LinkedHashMap<String, String>();
        if (!device.backendKeys().containsKey("frontend-id")) {
            keys.put("frontend-id", "");
            keys.put("online", "");
            keys.put("state", "");
        }
        keys.putAll(device.backendKeys());
        // put() of a key already there keeps its place.
        keys.put("frontend-id", Integer.toString(device.frontendDomid()));
        keys.put("online", "1");
        keys.put("state", Integer.toString(XenbusState.INITIALISING.code()));
        return keys;
    }

    private CompletableFuture<Void> writeFrontend(int tx, DeviceConfig device) {
        String fe = device.frontendPath();
        var keys = new java.util.LinkedHashMap<String, String>();
        keys.put("backend", device.backendPath());
        keys.put("backend-id", Integer.toString(device.backendDomid()));
        keys.put("state", Integer.toString(XenbusState.INITIALISING.code()));
        keys.putAll(device.frontendKeys());
        List<XsPermission> perms = List.of(XsPermission.none(device.frontendDomid()),
                XsPermission.read(device.backendDomid()));
        // libxl__device_generic_add(): ro_front entries belong to the backend domain, read-only for the guest.
        List<XsPermission> roPerms = List.of(XsPermission.none(device.backendDomid()),
                XsPermission.read(device.frontendDomid()));
        return libxl.mkdir(tx, fe).thenCompose(v -> libxl.setPerms(tx, fe, perms))
                .thenCompose(v -> writeAll(tx, fe, keys))
                .thenCompose(v -> writeAllWithPerms(tx, fe, device.readOnlyFrontendKeys(), roPerms));
    }

    private CompletableFuture<Void> writeAllWithPerms(int tx, String dir, Map<String, String> keys,
            List<XsPermission> perms) {
        CompletableFuture<Void> all = CompletableFuture.completedFuture(null);
        for (var e : keys.entrySet()) {
            String path = dir + "/" + e.getKey();
            all = all.thenCompose(v -> libxl.write(tx, path, e.getValue()))
                    .thenCompose(v -> libxl.setPerms(tx, path, perms));
        }
        return all;
    }

    private CompletableFuture<Void> writeBackend(int tx, DeviceConfig device) {
        String be = device.backendPath();
        var keys = new java.util.LinkedHashMap<String, String>();
        keys.put("frontend", device.frontendPath());
        keys.putAll(backendEntries(device));
        List<XsPermission> perms = List.of(XsPermission.none(device.backendDomid()),
                XsPermission.read(device.frontendDomid()));
        return libxl.mkdir(tx, be).thenCompose(v -> libxl.setPerms(tx, be, perms))
                .thenCompose(v -> writeAll(tx, be, keys));
    }

    /**
     * The backend of an existing device vanishes (its driver domain crashed, or an administrator removed it): its
     * directory is removed and nothing else. The frontend sees its backend's state go and closes.
     */
    public CompletableFuture<Void> removeBackend(String type, int frontendDomid, int devid) {
        DeviceConfig device = requireDevice(type, frontendDomid, devid);
        return libxl.rm(device.backendPath());
    }

    /**
     * Writes the backend directory of an existing device afresh, in Initialising, as the toolstack does when a
     * backend comes back ({@code xl block-attach}/{@code network-attach} after a driver domain restart), once the
     * frontend has let go of the old connection. A frontend that closed when the backend went away reconnects.
     */
    public CompletableFuture<Void> restoreBackend(String type, int frontendDomid, int devid) {
        DeviceConfig device = requireDevice(type, frontendDomid, devid);
        return frontendSettled(device).thenCompose(v -> {
            disarmHotplug(device);
            return libxl.transaction(device.backendPath(), tx -> libxl.rm(tx, device.backendPath())
                    .thenCompose(w -> writeBackend(tx, device)));
        }).thenCompose(v -> armHotplug(device));
    }

    /**
     * Completes once the frontend no longer holds the connection of the backend that went: its {@code state} is
     * Initialising, Closed or gone. A real driver domain takes seconds to restart, far longer than a frontend needs
     * to notice its backend is gone; a backend written back before that would probe a frontend still showing
     * Connected with the ring refs of the old connection, and try to map them. A frontend that does not react
     * within {@link io.xensim.xenbus.bus.XenbusConfig#stepTimeout()} (checked by {@link #checkTimeouts()}) is not
     * waited for any longer.
     */
    private CompletableFuture<Void> frontendSettled(DeviceConfig device) {
        String fe = device.frontendPath() + "/state";
        String token = "restore:" + device.key();
        var settled = new CompletableFuture<Void>();
        dom0.domain().executor().execute(() -> {
            long deadline = hypervisor.clock().nanoTime() + config.xenbus().stepTimeout().toNanos();
            var pending = new PendingRestore(device, deadline, settled);
            restores.add(pending);
            settled.whenComplete((v, err) -> {
                restores.remove(pending);
                libxl.unwatch(fe, token);
            });
            libxl.watch(fe, token, (p, t) -> libxl.readOptional(fe).thenAccept(s -> {
                XenbusState state = s.map(XenbusState::parseOrUnknown).orElse(XenbusState.UNKNOWN);
                if (state == XenbusState.INITIALISING || state == XenbusState.CLOSED
                        || state == XenbusState.UNKNOWN) {
                    settled.complete(null);
                }
            })).exceptionally(err -> {
                settled.completeExceptionally(err);
                return null;
            });
        });
        return settled;
    }

    private DeviceConfig requireDevice(String type, int frontendDomid, int devid) {
        DeviceConfig device = devices.get(type + "/" + frontendDomid + "/" + devid);
        if (device == null) {
            throw new IllegalArgumentException("device: " + type + "/" + frontendDomid + "/" + devid
                    + " (no such device)");
        }
        return device;
    }

    private CompletableFuture<Void> writeAll(int tx, String dir, Map<String, String> keys) {
        CompletableFuture<Void> all = CompletableFuture.completedFuture(null);
        for (var e : keys.entrySet()) {
            all = all.thenCompose(v -> libxl.write(tx, dir + "/" + e.getKey(), e.getValue()));
        }
        return all;
    }

    public Optional<DeviceConfig> device(String type, int frontendDomid, int devid) {
        return Optional.ofNullable(devices.get(type + "/" + frontendDomid + "/" + devid));
    }

    /**
     * Hot-unplugs a device as libxl does: writes {@code online = 0} and {@code state = 5} (Closing) to the backend,
     * waits for the backend to reach Closed (the frontend closes first, then the backend follows), then removes
     * both directories. If the backend does not reach Closed within {@link
     * io.xensim.xenbus.bus.XenbusConfig#stepTimeout()} (checked by {@link #checkTimeouts()}), the directories are
     * removed anyway. Completes with true if the device closed cleanly, false if it was forced.
     */
    public CompletableFuture<Boolean> removeDevice(String type, int frontendDomid, int devid) {
        DeviceConfig device = requireDevice(type, frontendDomid, devid);
        String be = device.backendPath();
        String token = "unplug:" + device.key();
        var done = new CompletableFuture<Boolean>();
        libxl.transaction(be, tx -> libxl.readOptional(tx, be + "/state").thenCompose(state -> {
            if (state.isEmpty() || XenbusState.parseOrUnknown(state.get()) == XenbusState.CLOSED) {
                return CompletableFuture.completedFuture(null);
            }
            return libxl.write(tx, be + "/online", "0")
                    .thenCompose(v -> libxl.write(tx, be + "/state",
                            Integer.toString(XenbusState.CLOSING.code())));
        })).thenRun(() -> {
            long deadline = hypervisor.clock().nanoTime() + config.xenbus().stepTimeout().toNanos();
            var pending = new PendingRemoval(device, deadline, done);
            removals.add(pending);
            libxl.watch(be + "/state", token, (p, t) -> libxl.readOptional(be + "/state").thenAccept(s -> {
                if (s.isEmpty() || XenbusState.parseOrUnknown(s.get()) == XenbusState.CLOSED) {
                    finishRemoval(pending, true);
                }
            }));
        }).exceptionally(err -> {
            done.completeExceptionally(err);
            return null;
        });
        return done;
    }

    private void finishRemoval(PendingRemoval pending, boolean clean) {
        if (!removals.remove(pending)) {
            return;
        }
        DeviceConfig device = pending.device();
        libxl.unwatch(device.backendPath() + "/state", "unplug:" + device.key());
        if (!clean) {
            hypervisor.trace(DOM0, device.type() + "/" + device.frontendDomid() + "/" + device.devid(),
                    TraceEvent.Kind.INFO, "unplug: backend " + device.backendPath() + " did not reach Closed within "
                            + config.xenbus().stepTimeout().toMillis() + " ms; removing the device anyway");
        }
        devices.remove(device.key());
        disarmHotplug(device);
        libxl.transaction(device.frontendPath(), tx -> libxl.rm(tx, device.frontendPath())
                .thenCompose(v -> libxl.rm(tx, device.backendPath()))
                .thenCompose(v -> libxl.rm(tx, device.libxlPath())))
                .thenRun(() -> runOffline(device))
                .whenComplete((v, err) -> {
                    if (err != null) {
                        pending.done().completeExceptionally(err);
                    } else {
                        pending.done().complete(clean);
                    }
                });
    }

    /** Checks every pending step against the hypervisor's clock: devices' handshakes and unplugs. */
    public void checkTimeouts() {
        for (ManagedDomain d : domains.values()) {
            d.frontends().checkTimeouts();
            d.backends().checkTimeouts();
        }
        dom0.domain().executor().execute(() -> {
            long now = hypervisor.clock().nanoTime();
            for (PendingRemoval p : List.copyOf(removals)) {
                if (now - p.deadlineNs() >= 0) {
                    finishRemoval(p, false);
                }
            }
            for (PendingRestore p : List.copyOf(restores)) {
                if (now - p.deadlineNs() >= 0) {
                    hypervisor.trace(DOM0, p.device().key(), TraceEvent.Kind.INFO, "restore: frontend "
                            + p.device().frontendPath() + " did not let go of the old backend within "
                            + config.xenbus().stepTimeout().toMillis() + " ms; writing the backend anyway");
                    p.settled().complete(null);
                }
            }
        });
    }

    // ------------------------------------------------------------------------------------------ waiting

    /**
     * Waits for {@code future}: in INVOKER mode by running the domains' work on this thread until it completes;
     * otherwise with a bound of ten times the step timeout.
     *
     * @throws IllegalStateException if it does not complete (INVOKER: nothing left to run)
     */
    public <T> T await(CompletableFuture<T> future) {
        if (hypervisor.threadingMode() == ThreadingMode.INVOKER) {
            hypervisor.runUntil(future::isDone, AWAIT_STEPS);
            if (!future.isDone()) {
                throw new IllegalStateException("nothing left to run and the operation has not completed");
            }
            return future.join();
        }
        try {
            return future.get(config.xenbus().stepTimeout().toMillis() * 10, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("operation did not complete in time", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Watches still registered by the toolstack or a domain's kernel: a clean-up check. */
    public List<String> liveWatches() {
        List<String> out = new ArrayList<>();
        for (String w : libxl.liveWatches()) {
            out.add("toolstack still watches " + w);
        }
        for (ManagedDomain d : domains.values()) {
            for (String w : d.xs().liveWatches()) {
                out.add("dom" + d.domid() + " still watches " + w);
            }
        }
        return out;
    }

    /**
     * Destroys every guest, then closes dom0's buses and the toolstack's connections. Dom0 itself stays (the
     * hypervisor owns it). In INVOKER mode the work runs before this returns.
     */
    @Override
    public void close() {
        if (watchdog != null) {
            watchdog.shutdownNow();
        }
        for (ManagedDomain d : domains()) {
            if (d.domid() != DOM0) {
                await(destroyDomain(d.domid()));
            }
        }
        await(dom0.frontends().closeAsync().thenCompose(v -> dom0.backends().closeAsync()));
        if (hypervisor.threadingMode() == ThreadingMode.INVOKER) {
            hypervisor.runUntilIdle();
        }
        ringServer.close();
        dom0.xs().close();
        libxl.close();
        if (hypervisor.threadingMode() == ThreadingMode.INVOKER) {
            hypervisor.runUntilIdle();
        }
    }
}
