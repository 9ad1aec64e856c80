package io.xensim.xenbus.attach;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.xensim.xenbus.Domain;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.store.socket.XenstoredSocketServer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.LinkOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The attach socket of a running xensim: where the {@code LD_PRELOAD} library of an outside process connects, one
 * connection per libxen handle, to act as a domain it was allowed to act as ({@link #allow}). In the Xen picture it
 * stands where {@code /dev/xen/gntdev}, {@code /dev/xen/gntalloc} and {@code /dev/xen/evtchn} stand: the
 * process's way to the hypervisor, with the hypervisor's checks (see {@link AttachConnection}).
 *
 * <p>An outside process is one end of a device; when its last connection closes (closed handles, or the process
 * died) the server has released its grants and ports and tells the {@link #onDetach} listeners, which make the
 * other end go through its close or recovery path.
 *
 * <p><b>Threading:</b> start, allow and close from any thread; connections run on the epoll event loop;
 * listeners run on it too and must not block.
 *
 * <p><b>Reference:</b> docs/attach-protocol.md; a process going away is handled as Linux handles the release of
 * its gntdev, gntalloc and evtchn files (everything it held is undone), and the end it drove as a backend whose
 * driver domain died ({@code Toolstack#removeBackend}).
 */
public final class AttachServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AttachServer.class);

    private final Hypervisor hypervisor;
    private final Path socketPath;
    private final EventLoopGroup group;
    private final Set<Integer> allowed = ConcurrentHashMap.newKeySet();
    private final Map<Integer, Integer> openByPid = new ConcurrentHashMap<>();
    private final Map<Integer, int[]> releasedByPid = new ConcurrentHashMap<>();
    private final List<Consumer<Detached>> listeners = new CopyOnWriteArrayList<>();
    private volatile Runnable onHandOff = () -> { };
    private Channel serverChannel;

    private AttachServer(Hypervisor hypervisor, Path socketPath, EventLoopGroup group) {
        this.hypervisor = hypervisor;
        this.socketPath = socketPath;
        this.group = group;
    }

    /** Listens on {@code socketPath} (a stale socket file there is replaced) with an event loop of its own. */
    public static AttachServer start(Hypervisor hypervisor, Path socketPath) throws IOException {
        Objects.requireNonNull(hypervisor, "hypervisor");
        Path path = socketPath.toAbsolutePath();
        Files.createDirectories(path.getParent());
        clearStaleSocket(path);
        var server = new AttachServer(hypervisor, path, XenstoredSocketServer.newEventLoopGroup(1));
        var bootstrap = new ServerBootstrap().group(server.group).channel(EpollServerDomainSocketChannel.class)
                .childHandler(new ChannelInitializer<EpollDomainSocketChannel>() {
                    @Override
                    protected void initChannel(EpollDomainSocketChannel ch) {
                        int pid = server.opened(ch);
                        ch.pipeline().addLast("frame", new AttachWire.Decoder())
                                .addLast("attach", new AttachConnection(server, pid));
                    }
                });
        try {
            server.serverChannel = bootstrap.bind(new DomainSocketAddress(path.toString())).sync().channel();
        } catch (Exception e) {
            server.group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException("cannot listen on " + path + ": " + e.getMessage(), e);
        }
        log.info("attach socket listening on {}", path);
        return server;
    }

    /** Replaces a socket file nobody listens on (a killed server's); refuses one in use or a non-socket. */
    private static void clearStaleSocket(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(path + " exists and is not a socket");
        }
        try (var probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
        } catch (ConnectException e) {
            Files.deleteIfExists(path);
            return;
        }
        throw new IOException(path + " is in use: another server is listening on it");
    }

    public Path socketPath() {
        return socketPath;
    }

    Hypervisor hypervisor() {
        return hypervisor;
    }

    /** Lets outside processes act as {@code domid}. Its memory must be a file for grants of it to be mapped. */
    public AttachServer allow(int domid) {
        allowed.add(domid);
        return this;
    }

    /** Runs {@code listener} each time an outside process's last connection closes. */
    public AttachServer onDetach(Consumer<Detached> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * Runs {@code hook} on the event loop after every request and every teardown, which may have queued work on a
     * domain's executor (an event upcall, a port closed): with a hand-stepped hypervisor (INVOKER mode) this is how
     * its owner learns it must step, as {@code XenstoredSocketOptions#onHandOff} is for xenstored's socket. It must
     * not block.
     */
    public AttachServer onHandOff(Runnable hook) {
        this.onHandOff = Objects.requireNonNull(hook, "hook");
        return this;
    }

    void handedOff() {
        onHandOff.run();
    }

    /** Processes (by pid) with at least one open connection. */
    public int attachedProcesses() {
        return openByPid.size();
    }

    Optional<Domain> admit(int domid) {
        return allowed.contains(domid) ? hypervisor.domain(domid) : Optional.empty();
    }

    private static int pid(Channel channel) {
        try {
            return ((EpollDomainSocketChannel) channel).peerCredentials().pid();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Counts a new connection of its process (read while the peer is there: a closed socket has no credentials). */
    private int opened(EpollDomainSocketChannel channel) {
        int pid = pid(channel);
        openByPid.merge(pid, 1, Integer::sum);
        return pid;
    }

    /**
     * A connection released what it held ({@code domid} -1: it never got past HELLO); the process is gone once
     * its last connection is, and the listeners hear of it if it had attached at all.
     */
    void detached(int pid, int domid, int maps, int shares, int ports) {
        if (domid >= 0) {
            releasedByPid.merge(pid, new int[] {maps, shares, ports, domid},
                    (a, b) -> new int[] {a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3]});
        }
        Integer left = openByPid.computeIfPresent(pid, (p, n) -> n > 1 ? n - 1 : null);
        int[] sum = left == null ? releasedByPid.remove(pid) : null;
        if (sum != null) {
            var event = new Detached(pid, sum[3], sum[0], sum[1], sum[2]);
            log.info("attach: process {} (d{}) detached: {}", pid, sum[3], event);
            for (Consumer<Detached> listener : listeners) {
                listener.accept(event);
            }
        }
    }

    /** Closes the socket and every connection (their grants and ports are released). */
    @Override
    public void close() {
        if (serverChannel != null) {
            serverChannel.close().awaitUninterruptibly();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        try {
            Files.deleteIfExists(socketPath);
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", socketPath, e.toString());
        }
    }
}
