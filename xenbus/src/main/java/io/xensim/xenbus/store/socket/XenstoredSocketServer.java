package io.xensim.xenbus.store.socket;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.xensim.xenbus.store.server.Xenstored;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * xenstored's Unix domain socket ({@code /var/run/xenstored/socket} in Xen; {@code XENSTORED_PATH} for the
 * clients), served with Netty's native epoll transport. Every accepted socket becomes one connection of
 * {@link Xenstored}, with the pipeline {@link XsWireFrameDecoder} → {@link XsWireEncoder} →
 * {@link XenstoredChannelHandler}: a privileged dom0 one by default, or one of the domain named in its
 * {@link XenstoredSocketOptions} (a per-domain socket).
 *
 * <p>Starting refuses a path where another server is listening or that is not a socket, and replaces a stale
 * socket file (one nobody listens on, left by a killed server). {@link #close()} stops accepting, closes every
 * client connection (each hands xenstored its disconnect before {@code close} returns, so a stepped xenstored
 * drops their watches and transactions at its owner's next step) and removes the socket file.
 *
 * <p><b>Threading:</b> {@link #start} and {@link #close} may be called from any thread; I/O runs on the epoll event
 * loops. Xenstored may run on one of those loops ({@code new Xenstored(group.next())}, one thread doing all the
 * work as C xenstored does) or on its own executor; replies are handed to each channel's loop either way. When that
 * executor only runs when stepped (dom0's executor in {@link io.xensim.xenbus.ThreadingMode#INVOKER} mode), the
 * options' {@code onHandOff} tells its owner ({@link XenstoredStepper}).
 *
 * <p><b>Reference:</b> C xenstored's socket handling in {@code xenstored_core.c} (connections from the socket are
 * privileged and act as dom0; a connection that sends an unframeable header is dropped).
 */
public final class XenstoredSocketServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(XenstoredSocketServer.class);
    /** {@code S_IFMT} and {@code S_IFSOCK} of {@code stat(2)}. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFSOCK = 0140000;

    private final Path socketPath;
    private final Channel serverChannel;
    private final ChannelGroup clients;
    private final AtomicInteger accepted;
    private final EventLoopGroup ownedGroup;
    private volatile boolean closed;

    private XenstoredSocketServer(Path socketPath, Channel serverChannel, ChannelGroup clients,
            AtomicInteger accepted, EventLoopGroup ownedGroup) {
        this.accepted = accepted;
        this.socketPath = socketPath;
        this.serverChannel = serverChannel;
        this.clients = clients;
        this.ownedGroup = ownedGroup;
    }

    /** An epoll event loop group of {@code threads} threads named {@code xenstored-io-N}. */
    public static MultiThreadIoEventLoopGroup newEventLoopGroup(int threads) {
        Epoll.ensureAvailability();
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("xenstored-io", true),
                EpollIoHandler.newFactory());
    }

    /** Serves {@code xenstored} on {@code socketPath} with a one-thread event loop group of its own. */
    public static XenstoredSocketServer start(Xenstored xenstored, Path socketPath) throws IOException {
        var group = newEventLoopGroup(1);
        try {
            return start(xenstored, socketPath, group, group, XenstoredSocketOptions.dom0());
        } catch (IOException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Serves {@code xenstored} on {@code socketPath} with the caller's epoll group, which {@link #close} leaves running. */
    public static XenstoredSocketServer start(Xenstored xenstored, Path socketPath, EventLoopGroup group)
            throws IOException {
        return start(xenstored, socketPath, group, null, XenstoredSocketOptions.dom0());
    }

    /** Serves {@code xenstored} on {@code socketPath} with the caller's epoll group, connections as {@code options} say. */
    public static XenstoredSocketServer start(Xenstored xenstored, Path socketPath, EventLoopGroup group,
            XenstoredSocketOptions options) throws IOException {
        return start(xenstored, socketPath, group, null, options);
    }

    /**
     * Serves {@code xenstored} on {@code socketPath} with a one-thread event loop group of its own, each connection
     * acting as {@code options} says (a guest's per-domain socket, a hand-stepped xenstored).
     */
    public static XenstoredSocketServer start(Xenstored xenstored, Path socketPath, XenstoredSocketOptions options)
            throws IOException {
        var group = newEventLoopGroup(1);
        try {
            return start(xenstored, socketPath, group, group, options);
        } catch (IOException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    private static XenstoredSocketServer start(Xenstored xenstored, Path socketPath, EventLoopGroup group,
            EventLoopGroup owned, XenstoredSocketOptions options) throws IOException {
        Objects.requireNonNull(xenstored, "xenstored");
        Objects.requireNonNull(options, "options");
        Path path = socketPath.toAbsolutePath();
        clearStaleSocket(path);
        Files.createDirectories(path.getParent());
        ChannelGroup clients = new DefaultChannelGroup("xenstored-clients", GlobalEventExecutor.INSTANCE);
        AtomicInteger accepted = new AtomicInteger();
        var bootstrap = new ServerBootstrap()
                .group(group)
                .channel(EpollServerDomainSocketChannel.class)
                .childHandler(new ChannelInitializer<EpollDomainSocketChannel>() {
                    @Override
                    protected void initChannel(EpollDomainSocketChannel ch) {
                        clients.add(ch);
                        accepted.incrementAndGet();
                        ch.pipeline().addLast("frame", new XsWireFrameDecoder())
                                .addLast("encode", XsWireEncoder.INSTANCE)
                                .addLast("xenstored", new XenstoredChannelHandler(xenstored, options));
                    }
                });
        Channel server;
        try {
            server = bootstrap.bind(new DomainSocketAddress(path.toString())).sync().channel();
        } catch (Exception e) {
            throw new IOException("cannot listen on " + path + ": " + e.getMessage(), e);
        }
        log.info("xenstored listening on {} (connections act as dom{})", path, options.domid());
        return new XenstoredSocketServer(path, server, clients, accepted, owned);
    }

    /**
     * A socket file with no listener behind it is stale: a server that died without cleaning up left it. Anything
     * else at the path is refused rather than deleted.
     */
    private static void clearStaleSocket(Path path) throws IOException {
        int mode;
        try {
            mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        }
        if ((mode & S_IFMT) != S_IFSOCK) {
            throw new IOException(path + " exists and is not a socket");
        }
        try (var probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
        } catch (ConnectException e) {
            log.info("replacing stale socket {}", path);
            Files.deleteIfExists(path);
            return;
        } catch (SocketException e) {
            throw new IOException("cannot probe " + path + ": " + e.getMessage(), e);
        }
        throw new IOException(path + " is in use: another server is listening on it");
    }

    public Path socketPath() {
        return socketPath;
    }

    /** Client connections currently open. */
    public int openConnections() {
        return clients.size();
    }

    /** Client connections accepted since the start, closed ones included. */
    public int acceptedConnections() {
        return accepted.get();
    }

    public boolean isClosed() {
        return closed;
    }

    /** Stops accepting, closes every client connection and removes the socket file. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        serverChannel.close().awaitUninterruptibly();
        List<CompletableFuture<Void>> released = new ArrayList<>();
        for (Channel ch : clients) {
            var handler = ch.pipeline().get(XenstoredChannelHandler.class);
            if (handler != null) {
                released.add(handler.released());
            }
        }
        clients.close().awaitUninterruptibly();
        // Netty fires channelInactive in a task of its own after the close future completes; wait for it, so the
        // disconnects are queued for xenstored when this returns.
        try {
            CompletableFuture.allOf(released.toArray(CompletableFuture[]::new)).get(2, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            log.warn("client connections not released within 2 s: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(socketPath);
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", socketPath, e.toString());
        }
        if (ownedGroup != null) {
            ownedGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        }
        log.info("xenstored stopped listening on {}", socketPath);
    }
}
