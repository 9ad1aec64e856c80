package io.xensim.testbed.scenario;

import io.xensim.hvm.boot.BootOutcome;
import io.xensim.hvm.boot.BootRequest;
import io.xensim.hvm.boot.BootedGuest;
import io.xensim.hvm.boot.GuestNic;
import io.xensim.hvm.boot.HvmGuest;
import io.xensim.hvm.boot.HvmHost;
import io.xensim.hvm.boot.QemuDeviceModel;
import io.xensim.net.back.Netback;
import io.xensim.net.back.NetbackQueue;
import io.xensim.net.bridge.Bridge;
import io.xensim.net.bridge.PortCounters;
import io.xensim.net.guest.NetCounters;
import io.xensim.net.pcap.PcapWriter;
import io.xensim.testbed.bench.GuestExits;
import io.xensim.testbed.boot.ConfigImages;
import io.xensim.testbed.boot.Workload;
import io.xensim.xenbus.trace.TraceEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * {@code xensim demo}: two RHEL 6.0 HVM guests booted with {@code xl create} from the bundled configs ({@link
 * #CONFIGS}, {@code examples/demo-guest*.cfg}, carried in the jar) on one {@link HvmHost}, each with
 * {@code xen_pv_hvm=enable}, one vif on xenbr0 and one disk over a raw image created sparse in a fresh temporary
 * directory. Then each guest pings the other, guest 1 streams {@link #STREAM_FRAMES} UDP frames to guest 2, and
 * each guest writes {@link #DISK_IOS} random blocks to its disk and reads them back ({@link Workload}). The result
 * holds the boot logs and device tables, the trace of guest 1's vif handshake taken during its own boot, the
 * workloads' results, per-guest counters (netfront's, the guest's event channels, netback's grant copies for its
 * vif, its VM exits), the bridge's port counters and learned MACs, and what failed.
 *
 * <p>Deterministic: the host runs in INVOKER mode on a manual clock, the workloads count rounds instead of timing
 * them, and the disk data comes from a fixed seed; only the temporary directory's name changes between runs.
 *
 * <p><b>Threading:</b> {@link #run()} drives the host on the calling thread; counters are read on the executor of
 * the domain that owns them ({@link HvmHost#onDomain}).
 *
 * <p><b>Reference:</b> libxl 4.17 {@code xl create} (via {@link HvmGuest#boot}); Linux 6.1
 * {@code xennet_get_stats64} (netfront's counters), xen-netback's {@code xenvif_tx_action} and
 * {@code xenvif_rx_action} (one {@code GNTTABOP_copy} batch each), events_base.c {@code notify_remote_via_irq}
 * (one {@code EVTCHNOP_send}, so one VM exit, per notification).
 */
public final class HvmDemo {
    /** The bundled configs, booted as domids 1 and 2: resources of this package's {@code demo/} directory. */
    public static final List<String> CONFIGS = List.of("demo-guest1.cfg", "demo-guest2.cfg");
    public static final long STREAM_FRAMES = 64;
    public static final long DISK_IOS = 16;
    public static final String BRIDGE = Bridge.DEFAULT_NAME;
    /** The guest whose vif handshake is drawn, and its vif. */
    public static final int HANDSHAKE_DOMID = 1;
    public static final int HANDSHAKE_DEVID = 0;
    private static final String RESOURCES = "/io/xensim/testbed/demo/";

    /**
     * What a guest did. {@code exits} are its port I/O and CPUID exits ({@link BootedGuest#exits()}), which the
     * notifications it sent ({@code EVTCHNOP_send} hypercalls) add to.
     */
    public record Counters(long txFrames, long txBytes, long rxFrames, long rxBytes, long notificationsSent,
                           long notificationsReceived, long grantCopies, long exits) {
        /** Every VM exit: port I/O, CPUID and the event-channel hypercalls. */
        public long vmExits() {
            return exits + notificationsSent;
        }
    }

    /** One config's boot; {@code interfaces}, {@code blocks} and {@code counters} are empty unless it booted. */
    public record Guest(int domid, String config, String name, String outcome, List<String> log,
                        List<String> interfaces, List<String> blocks, Optional<Counters> counters) {
        public boolean booted() {
            return outcome.equals("booted");
        }
    }

    /** One bridge port's counters ({@code brctl showstats}), taken after the workloads. */
    public record Port(String name, PortCounters counters) {
    }

    /**
     * What the demo did; a workload that did not run (a guest did not boot) is empty. {@code handshake} is the
     * trace of {@link #HANDSHAKE_DOMID}'s vif {@link #HANDSHAKE_DEVID} from its boot; {@code fdb} maps MAC to
     * port; {@code captured} counts the frames written with {@code --pcap}.
     */
    public record Result(List<Guest> guests, List<TraceEvent> handshake, Optional<Workload.Result> pingForward,
                         Optional<Workload.Result> pingBack, Optional<Workload.Result> stream,
                         Optional<Workload.Result> disk, List<Port> ports, Map<String, String> fdb, long captured,
                         List<String> failures) {
        public boolean ok() {
            return failures.isEmpty();
        }
    }

    private final Optional<Path> pcap;
    private final UnaryOperator<String> configs;

    /** The demo of the bundled configs; with {@code pcap}, xenbr0 is captured while the pings and stream run. */
    public HvmDemo(Optional<Path> pcap) {
        this(pcap, HvmDemo::config);
    }

    /** The demo with each of {@link #CONFIGS} read through {@code configs} (name to text): for tests. */
    public HvmDemo(Optional<Path> pcap, UnaryOperator<String> configs) {
        this.pcap = pcap;
        this.configs = configs;
    }

    /** {@code name}'s text as the jar carries it. */
    public static String config(String name) {
        try (InputStream in = HvmDemo.class.getResourceAsStream(RESOURCES + name)) {
            if (in == null) {
                throw new IllegalStateException("config: " + name + " (expected: a resource " + RESOURCES + name
                        + ", copied from examples/ by the build)");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String frontendDir() {
        return "/local/domain/" + HANDSHAKE_DOMID + "/device/vif/" + HANDSHAKE_DEVID;
    }

    public static String backendDir() {
        return "/local/domain/0/backend/vif/" + HANDSHAKE_DOMID + "/" + HANDSHAKE_DEVID;
    }

    public Result run() throws IOException {
        Path dir = Files.createTempDirectory("xensim-demo-");
        try {
            return run(dir);
        } finally {
            deleteTree(dir);
        }
    }

    private Result run(Path dir) throws IOException {
        var images = new ConfigImages();
        List<String> failures = new ArrayList<>();
        List<Guest> guests = new ArrayList<>();
        List<BootedGuest> booted = new ArrayList<>();
        List<TraceEvent> handshake = List.of();
        try (HvmHost host = HvmHost.start(images);
                // Opened before any guest boots, so that a bad path fails the demo before it starts.
                PcapWriter capture = pcap.isPresent() ? PcapWriter.create(pcap.get(), host.clock()) : null) {
            for (int i = 0; i < CONFIGS.size(); i++) {
                String name = CONFIGS.get(i);
                int domid = i + 1;
                // Relative disk targets resolve against the config's directory: the temporary one.
                images.booting(dir.resolve(name));
                host.trace().clear(); // dom0's start and the earlier guests are not this boot's story
                BootOutcome outcome = HvmGuest.boot(host,
                        BootRequest.of(name, configs.apply(name), QemuDeviceModel.FACTORY).withDomid(domid));
                if (domid == HANDSHAKE_DOMID) {
                    handshake = vifHandshake(host.trace().events());
                }
                List<String> log = new ArrayList<>(images.drainLog());
                log.addAll(outcome.log());
                switch (outcome) {
                    case BootOutcome.Booted(BootedGuest g) -> {
                        booted.add(g);
                        guests.add(new Guest(domid, name, g.spec().name(), "booted", log, g.interfaceTable(),
                                g.blockTable(), Optional.empty()));
                    }
                    case BootOutcome.NotCreated(List<String> l, int exit) -> {
                        guests.add(new Guest(domid, name, name, "not-created", log, List.of(), List.of(),
                                Optional.empty()));
                        failures.add("dom" + domid + " " + name + ": xl create failed: " + l.getLast());
                    }
                    case BootOutcome.Panicked(String cause, List<String> l, int exit) -> {
                        guests.add(new Guest(domid, name, name, "panicked", log, List.of(), List.of(),
                                Optional.empty()));
                        failures.add("dom" + domid + " " + name + ": kernel panic: " + cause);
                    }
                }
            }
            host.trace().clear();
            if (handshake.isEmpty() && failures.isEmpty()) {
                failures.add("dom" + HANDSHAKE_DOMID + " vif " + HANDSHAKE_DEVID + ": no handshake was traced");
            }
            Result result = failures.isEmpty() ? workloads(host, capture, guests, booted, handshake, failures)
                    : new Result(guests, handshake, Optional.empty(), Optional.empty(), Optional.empty(),
                            Optional.empty(), List.of(), Map.of(), 0, failures);
            booted.forEach(BootedGuest::shutdown);
            host.trace().clear();
            return result;
        }
    }

    private static Result workloads(HvmHost host, PcapWriter capture, List<Guest> guests, List<BootedGuest> booted,
            List<TraceEvent> handshake, List<String> failures) throws IOException {
        BootedGuest g1 = booted.get(0);
        BootedGuest g2 = booted.get(1);
        Bridge bridge = host.bridges().bridge(BRIDGE);
        if (capture != null) {
            host.onDomain(host.dom0(), () -> {
                bridge.addTap(capture);
                return null;
            });
        }
        Workload.Result forward = Workload.ping(host, g1, Workload.IP1, g2, Workload.IP2);
        Workload.Result back = Workload.ping(host, g2, Workload.IP2, g1, Workload.IP1);
        Workload.Result stream = Workload.stream(host, g1, g2, STREAM_FRAMES);
        long captured = 0;
        if (capture != null) {
            host.onDomain(host.dom0(), () -> bridge.removeTap(capture));
            capture.close();
            captured = capture.frames();
        }
        Workload.Result disk = Workload.disk(host, booted, DISK_IOS);
        check(failures, "ping dom1 -> dom2", forward);
        check(failures, "ping dom2 -> dom1", back);
        check(failures, "stream dom1 -> dom2", stream);
        check(failures, "disk", disk);

        List<Guest> counted = new ArrayList<>();
        List<Port> ports = new ArrayList<>();
        for (int i = 0; i < booted.size(); i++) {
            BootedGuest g = booted.get(i);
            counted.add(withCounters(guests.get(i), counters(host, g)));
            for (GuestNic nic : g.nics()) {
                String port = "vif" + g.domid() + "." + nic.devid();
                ports.add(new Port(port, host.onDomain(host.dom0(), () -> bridge.counters(port))));
            }
        }
        Map<String, String> fdb = new TreeMap<>();
        host.onDomain(host.dom0(), () -> bridge.fdb(host.clock().nanoTime()))
                .forEach((mac, port) -> fdb.put(mac.toString(), port));
        return new Result(counted, handshake, Optional.of(forward), Optional.of(back), Optional.of(stream),
                Optional.of(disk), ports, fdb, captured, failures);
    }

    private static void check(List<String> failures, String what, Workload.Result r) {
        if (!r.ok()) {
            failures.add(what + ": " + (r.lines().isEmpty() ? "failed" : r.lines().getLast()));
        }
    }

    private static Guest withCounters(Guest g, Counters c) {
        return new Guest(g.domid(), g.config(), g.name(), g.outcome(), g.log(), g.interfaces(), g.blocks(),
                Optional.of(c));
    }

    /** The guest's first NIC's counters, its ports' sends and upcalls, netback's copies for its vifs, its exits. */
    private static Counters counters(HvmHost host, BootedGuest g) {
        NetCounters net = g.nics().isEmpty() ? new NetCounters()
                : host.onDomain(g.domain(), () -> g.nics().getFirst().iface().counters());
        GuestExits.Snapshot events = host.onDomain(g.domain(), () -> GuestExits.snapshot(g.domain().domain()));
        long copies = host.onDomain(host.dom0(), () -> g.nics().stream().filter(GuestNic::pv)
                .flatMap(n -> Netback.device(host.toolstack(), g.domid(), n.devid()).stream())
                .flatMap(d -> d.vif().queues().stream())
                .mapToLong(HvmDemo::copyCalls).sum());
        return new Counters(net.txPackets(), net.txBytes(), net.rxPackets(), net.rxBytes(), events.sends(),
                events.upcalls(), copies, g.exits());
    }

    private static long copyCalls(NetbackQueue q) {
        return q.tx().copyCalls() + q.rx().copyCalls();
    }

    /**
     * The handshake's events among a boot's: those of the vif's two ends (the frontend's device is {@code vif/0},
     * the backend's {@code vif/1/0}) and the toolstack's requests on either directory.
     */
    static List<TraceEvent> vifHandshake(List<TraceEvent> boot) {
        String frontDevice = "vif/" + HANDSHAKE_DEVID;
        String backDevice = "vif/" + HANDSHAKE_DOMID + "/" + HANDSHAKE_DEVID;
        return boot.stream().filter(e -> e.domid() == 0 || e.domid() == HANDSHAKE_DOMID)
                .filter(e -> e.device().equals(frontDevice) || e.device().equals(backDevice)
                        || e.detail().contains(frontendDir() + "/") || e.detail().endsWith(frontendDir())
                        || e.detail().contains(backendDir() + "/") || e.detail().endsWith(backendDir()))
                .toList();
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
