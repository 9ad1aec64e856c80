package io.xensim.testbed.boot;

import io.xensim.hvm.boot.HvmHost;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.attach.AttachLibrary;
import io.xensim.xenbus.attach.AttachServer;
import io.xensim.xenbus.attach.Detached;
import io.xensim.xenbus.store.socket.XenstoredSocketOptions;
import io.xensim.xenbus.store.socket.XenstoredSocketServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code xensim boot --external backend:TYPE/DEVID[@DOMID]}: ends of devices left to processes outside the JVM. Each
 * such backend lives in a driver domain of its own (xl's {@code backend=} of a disk or vif: the toolstack writes
 * the device's backend directory there, so dom0's blkback and netback leave it alone), which the outside process
 * acts as: on the attach socket ({@link AttachServer}) and on a xenstored socket whose connections are that
 * domain's ({@link XenstoredSocketOptions#actingAs}). The guests' memory is in files, so the process maps their
 * grants as real shared memory.
 *
 * <p>When the process goes (closed or killed), the server has released its grants and ports; the toolstack then
 * removes the backend directory, as when a driver domain dies, and writes it back once the frontend has let go
 * ({@code restoreBackend}), so the frontend goes through its close and recovery path and a new process can take
 * the device over.
 *
 * <p>Only backends for now: a {@code frontend:} end would need the guest kernel to leave one of its own devices
 * alone.
 *
 * <p><b>Threading:</b> built and closed on the command's thread; the listeners run on the attach socket's event
 * loop and only queue toolstack work, then wake the stepper.
 */
public final class ExternalEnds implements AutoCloseable {
    private static final Pattern SPEC = Pattern.compile("(backend|frontend):(vbd|vif)/(\\d+)(?:@(\\d+))?");

    /** One {@code --external} end: the device, the guest it belongs to, and the driver domain acting for it. */
    public record End(String type, int devid, int guest, int driverDomid) {
        public String label() {
            return "backend:" + type + "/" + devid + "@" + guest;
        }
    }

    private final Path dir;
    private final List<End> ends;
    private final List<XenstoredSocketServer> xenstoreSockets = new ArrayList<>();
    private AttachServer attach;
    private Path library;

    private ExternalEnds(Path dir, List<End> ends) {
        this.dir = dir;
        this.ends = ends;
    }

    /** Checks the {@code --external} values: an error message for a malformed one or an unsupported end. */
    public static Optional<String> check(List<String> specs) {
        for (String spec : specs) {
            Matcher m = SPEC.matcher(spec);
            if (!m.matches()) {
                return Optional.of("--external: " + spec + " (expected: backend:vbd/DEVID, backend:vif/DEVID, "
                        + "optionally @GUEST-DOMID)");
            }
            if (m.group(1).equals("frontend")) {
                return Optional.of("--external: " + spec + ": only backends can be left to an outside process "
                        + "in this version");
            }
        }
        return Optional.empty();
    }

    /**
     * Before any guest is created: the driver domains (domids from {@code firstDriverDomid}, after the guests'), the guests' memory in files under {@code dir}, and each
     * device's backend moved to its driver domain.
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
            var end = new End(m.group(2), Integer.parseInt(m.group(3)), guest, domid++);
            host.await(host.toolstack().createDomain(DomainConfig.of(end.driverDomid(),
                    "external-" + end.type() + "-" + end.devid(), 16)));
            host.backendDomain(end.type(), end.guest(), end.devid(), end.driverDomid());
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
     * driver domain, each handing its work to {@code wakeup} (the stepper of the hand-stepped host).
     */
    public void serve(HvmHost host, Runnable wakeup) throws IOException {
        library = AttachLibrary.build(dir.resolve("lib"));
        attach = AttachServer.start(host.hypervisor(), dir.resolve("attach.sock")).onHandOff(wakeup)
                .onDetach(d -> vanished(host, d, wakeup));
        for (End end : ends) {
            attach.allow(end.driverDomid());
            xenstoreSockets.add(XenstoredSocketServer.start(host.toolstack().xenstored(),
                    dir.resolve("xenstored-d" + end.driverDomid() + ".sock"),
                    XenstoredSocketOptions.dom0().actingAs(end.driverDomid()).onHandOff(wakeup)));
        }
    }

    /** The backend vanished with its process: the toolstack removes it and writes it back for the next one. */
    private void vanished(HvmHost host, Detached gone, Runnable wakeup) {
        for (End end : ends) {
            if (end.driverDomid() == gone.domid()) {
                var toolstack = host.toolstack();
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
        for (int i = 0; i < ends.size(); i++) {
            End end = ends.get(i);
            Map<String, String> env = AttachLibrary.environment(library, attach.socketPath(),
                    xenstoreSockets.get(i).socketPath(), end.driverDomid());
            lines.add("xensim: external " + end.label() + ": backend /local/domain/" + end.driverDomid() + "/backend/"
                    + end.type() + "/" + end.guest() + "/" + end.devid() + " (driver domain d" + end.driverDomid()
                    + ")");
            lines.add("xensim:   attach socket   " + attach.socketPath());
            lines.add("xensim:   xenstore socket " + xenstoreSockets.get(i).socketPath() + " (acting as d"
                    + end.driverDomid() + ")");
            lines.add("xensim:   run it with: LD_PRELOAD=" + env.get("LD_PRELOAD") + " XENSIM_ATTACH="
                    + env.get("XENSIM_ATTACH") + " XENSIM_DOMID=" + env.get("XENSIM_DOMID") + " XENSTORED_PATH="
                    + env.get("XENSTORED_PATH") + " <program>");
        }
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
        xenstoreSockets.forEach(XenstoredSocketServer::close);
    }
}
