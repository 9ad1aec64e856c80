package io.xensim.testbed.boot;

import io.xensim.hvm.boot.BootedGuest;
import io.xensim.hvm.boot.HvmHost;
import io.xensim.net.frame.Ipv4Address;
import io.xensim.net.guest.GuestResponder;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.attach.AttachLibrary;
import io.xensim.xenbus.attach.AttachServer;
import io.xensim.xenbus.attach.Detached;
import io.xensim.xenbus.bus.XenbusState;
import io.xensim.xenbus.store.socket.XenstoredSocketOptions;
import io.xensim.xenbus.store.socket.XenstoredSocketServer;
import io.xensim.xenbus.toolstack.ManagedDomain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code xensim boot --external backend:TYPE/DEVID[@GUEST]} and {@code frontend:vif/DEVID[@GUEST]} (or
 * {@code frontend:vbd/...}): ends of devices left to processes outside the JVM.
 *
 * <p>A backend lives in a driver domain of its own (xl's {@code backend=} of a disk or vif: the toolstack writes
 * the device's backend directory there, so dom0's blkback and netback leave it alone), which the outside process
 * acts as. A frontend is the guest's own: the guest's kernel leaves that device alone
 * ({@link HvmHost#externalFrontend}, as a kernel with no driver bound to it would) and the outside process acts as
 * the guest, with the guest's permissions and quotas. Either way the process is admitted on the attach socket
 * ({@link AttachServer}) as that domain and gets a xenstored socket whose connections are that domain's
 * ({@link XenstoredSocketOptions#actingAs}). The guests' memory is in files, so a backend maps their grants as real
 * shared memory; a frontend grants pages of its own (libxengntshr), which the attach server lends to the guest.
 *
 * <p>When the process goes (closed or killed), the server has released its grants and ports. For a backend the
 * toolstack then removes the backend directory, as when a driver domain dies, and writes it back once the frontend
 * has let go ({@code restoreBackend}), so the frontend goes through its close and recovery path and a new process
 * can take the device over. For a frontend the guest's xenbus writes the device's {@code state} Closed, as Linux's
 * {@code xenbus_dev_remove()} does when a frontend driver goes away: netback sees its frontend close and closes the
 * vif ({@code frontend_changed()}: disconnect, Closed); the toolstack does nothing on its own (libxl leaves a device
 * whose frontend closed in place; {@code xl network-detach} or destroying the guest removes it).
 *
 * <p>So an outside frontend has someone to talk to, every other guest's first interface answers ARP and ping as
 * {@code 10.0.0.<domid>} while the guests run ({@link GuestResponder}), as a guest with that address would.
 *
 * <p><b>Threading:</b> built and closed on the command's thread; the listeners run on the attach socket's event
 * loop and only queue toolstack work, then wake the stepper.
 */
public final class ExternalEnds implements AutoCloseable {
    private static final Pattern SPEC = Pattern.compile("(backend|frontend):(vbd|vif)/(\\d+)(?:@(\\d+))?");
    /** XenbusStateClosed as xenstore holds it. */
    private static final String CLOSED = Integer.toString(XenbusState.CLOSED.code());

    /**
     * One {@code --external} end: which side, the device, the guest it belongs to, and the domain the outside
     * process acts as (the driver domain of a backend, the guest for a frontend).
     */
    public record End(String side, String type, int devid, int guest, int actingDomid) {
        public boolean frontend() {
            return side.equals("frontend");
        }

        public String label() {
            return side + ":" + type + "/" + devid + "@" + guest;
        }
    }

    private final Path dir;
    private final List<End> ends;
    /** One xenstored socket per domain acted as, keyed by domid. */
    private final Map<Integer, XenstoredSocketServer> xenstoreSockets = new LinkedHashMap<>();
    /** The instruction lines saying which other guests answer ARP and ping, and as what. */
    private final List<String> answering = new ArrayList<>();
    private AttachServer attach;
    private Path library;

    private ExternalEnds(Path dir, List<End> ends) {
        this.dir = dir;
        this.ends = ends;
    }

    /** Checks the {@code --external} values: an error message for a malformed or repeated one. */
    public static Optional<String> check(List<String> specs) {
        Set<String> seen = new HashSet<>();
        for (String spec : specs) {
            Matcher m = SPEC.matcher(spec);
            if (!m.matches()) {
                return Optional.of("--external: " + spec + " (expected: backend:vbd/DEVID, backend:vif/DEVID, "
                        + "frontend:vif/DEVID or frontend:vbd/DEVID, optionally @GUEST-DOMID)");
            }
            String key = m.group(1) + ":" + m.group(2) + "/" + m.group(3) + "@" + (m.group(4) == null ? "1"
                    : Integer.toString(Integer.parseInt(m.group(4))));
            if (!seen.add(key)) {
                return Optional.of("--external: " + spec + " is given twice (one outside process per end)");
            }
        }
        return Optional.empty();
    }

    /**
     * Before any guest is created: the driver domains of backend ends (domids from {@code firstDriverDomid},
     * after the guests'), each device's backend moved to its driver domain or its frontend left out of the
     * guest's kernel, and the guests' memory in files under {@code dir}.
     */
    public static ExternalEnds prepare(HvmHost host, List<String> specs, int firstDriverDomid, Path dir) {
        List<End> ends = new ArrayList<>();
        int domid = firstDriverDomid;
        for (String spec : specs) {
            Matcher m = SPEC.matcher(spec);
            if (!m.matches()) {
                throw new IllegalArgumentException("--external: " + spec);
            }
            int guest = m.group(4) == null ? 1 : Integer.parseInt(m.group(4));
            String type = m.group(2);
            int devid = Integer.parseInt(m.group(3));
            if (m.group(1).equals("frontend")) {
                host.externalFrontend(type, guest, devid);
                ends.add(new End("frontend", type, devid, guest, guest));
                continue;
            }
            var end = new End("backend", type, devid, guest, domid++);
            host.await(host.toolstack().createDomain(DomainConfig.of(end.actingDomid(),
                    "external-" + end.type() + "-" + end.devid(), 16)));
            host.backendDomain(end.type(), end.guest(), end.devid(), end.actingDomid());
            ends.add(end);
        }
        host.guestMemoryIn(dir);
        return new ExternalEnds(dir, List.copyOf(ends));
    }

    public List<End> ends() {
        return ends;
    }

    /**
     * Once the guests run: builds the preload library, serves the attach socket and one xenstored socket per
     * domain acted as, each handing its work to {@code wakeup} (the stepper of the hand-stepped host); with a
     * frontend end, the other guests' first interfaces answer ARP and ping.
     */
    public void serve(HvmHost host, List<BootedGuest> guests, Runnable wakeup) throws IOException {
        library = AttachLibrary.build(dir.resolve("lib"));
        attach = AttachServer.start(host.hypervisor(), dir.resolve("attach.sock")).onHandOff(wakeup)
                .onDetach(d -> vanished(host, d, wakeup));
        for (End end : ends) {
            attach.allow(end.actingDomid());
            if (!xenstoreSockets.containsKey(end.actingDomid())) {
                xenstoreSockets.put(end.actingDomid(), XenstoredSocketServer.start(host.toolstack().xenstored(),
                        dir.resolve("xenstored-d" + end.actingDomid() + ".sock"),
                        XenstoredSocketOptions.dom0().actingAs(end.actingDomid()).onHandOff(wakeup)));
            }
        }
        if (ends.stream().anyMatch(End::frontend)) {
            for (BootedGuest g : guests) {
                if (ends.stream().noneMatch(e -> e.frontend() && e.guest() == g.domid()) && !g.nics().isEmpty()) {
                    host.onDomain(g.domain(), () -> GuestResponder.attach(g.nics().getFirst().iface(), ipOf(g)));
                    answering.add("xensim: guest d" + g.domid() + "'s " + g.nics().getFirst().name()
                            + " answers ARP and ping as " + ipOf(g));
                }
            }
        }
    }

    private static Ipv4Address ipOf(BootedGuest g) {
        return Ipv4Address.of("10.0.0." + g.domid());
    }

    /** An outside process went: its end vanished, and the toolstack or the guest's xenbus reacts as described. */
    private void vanished(HvmHost host, Detached gone, Runnable wakeup) {
        for (End end : ends) {
            if (end.actingDomid() != gone.domid()) {
                continue;
            }
            var toolstack = host.toolstack();
            if (end.frontend()) {
                // xenbus_dev_remove(): the frontend's driver went, so its device is Closed (unless already gone).
                Optional<ManagedDomain> guest = toolstack.domain(end.guest());
                String state = "/local/domain/" + end.guest() + "/device/" + end.type() + "/" + end.devid()
                        + "/state";
                guest.ifPresent(g -> g.frontends().xs().readOptional(state)
                        .thenCompose(now -> now.isEmpty() || now.get().equals(CLOSED)
                                ? CompletableFuture.completedFuture(null)
                                : g.frontends().xs().write(state, CLOSED))
                        .whenComplete((v, e) -> wakeup.run()));
            } else {
                toolstack.removeBackend(end.type(), end.guest(), end.devid())
                        .thenCompose(v -> toolstack.restoreBackend(end.type(), end.guest(), end.devid()))
                        .whenComplete((v, e) -> wakeup.run());
            }
        }
        wakeup.run();
    }

    /** What the outside process of each end needs: the sockets, its domid and the preload, as shell lines. */
    public List<String> instructions() {
        List<String> lines = new ArrayList<>();
        for (End end : ends) {
            XenstoredSocketServer xenstore = xenstoreSockets.get(end.actingDomid());
            Map<String, String> env = AttachLibrary.environment(library, attach.socketPath(),
                    xenstore.socketPath(), end.actingDomid());
            if (end.frontend()) {
                lines.add("xensim: external " + end.label() + ": frontend /local/domain/" + end.guest() + "/device/"
                        + end.type() + "/" + end.devid() + " (acting as guest d" + end.guest() + ")");
            } else {
                lines.add("xensim: external " + end.label() + ": backend /local/domain/" + end.actingDomid()
                        + "/backend/" + end.type() + "/" + end.guest() + "/" + end.devid() + " (driver domain d"
                        + end.actingDomid() + ")");
            }
            lines.add("xensim:   attach socket   " + attach.socketPath());
            lines.add("xensim:   xenstore socket " + xenstore.socketPath() + " (acting as d" + end.actingDomid()
                    + ")");
            lines.add("xensim:   run it with: LD_PRELOAD=" + env.get("LD_PRELOAD") + " XENSIM_ATTACH="
                    + env.get("XENSIM_ATTACH") + " XENSIM_DOMID=" + env.get("XENSIM_DOMID") + " XENSTORED_PATH="
                    + env.get("XENSTORED_PATH") + " <program>");
        }
        lines.addAll(answering);
        return lines;
    }

    /** The attach server, once serving. */
    public Optional<AttachServer> attachServer() {
        return Optional.ofNullable(attach);
    }

    @Override
    public void close() {
        if (attach != null) {
            attach.close();
        }
        xenstoreSockets.values().forEach(XenstoredSocketServer::close);
        deleteDirectory();
    }

    /**
     * Removes the run's directory (sockets, guest memory files, the built library): nothing in it outlives the run.
     * A process still running keeps what it has mapped; Linux frees the files once it lets go.
     */
    private void deleteDirectory() {
        if (Files.notExists(dir)) {
            return;   // closed before
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            // best effort: a file we cannot delete is reported, the shutdown goes on
            System.err.println("xensim: could not remove " + dir + ": " + e);
        }
    }
}
