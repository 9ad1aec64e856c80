package io.xensim.testbed.xenstored;

import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.xensim.xenbus.store.server.Xenstored;
import io.xensim.xenbus.store.socket.XenstoredSocketServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * xensim's xenstored served in-process on a Unix socket of its own temporary directory, as {@code xensim
 * xenstored --socket PATH} serves it: one epoll thread does the socket I/O and the store's work, every client is
 * dom0.
 *
 * <p><b>Threading:</b> start and close from one thread; the daemon runs on its own event loop.
 */
final class XensimXenstored implements AutoCloseable {
    private final Path dir;
    private final MultiThreadIoEventLoopGroup group;
    private final Xenstored xenstored;
    private final XenstoredSocketServer server;

    private XensimXenstored(Path dir, MultiThreadIoEventLoopGroup group, Xenstored xenstored,
            XenstoredSocketServer server) {
        this.dir = dir;
        this.group = group;
        this.xenstored = xenstored;
        this.server = server;
    }

    static XensimXenstored start() throws IOException {
        Path dir = Files.createTempDirectory("xensim-xenstored");
        MultiThreadIoEventLoopGroup group = XenstoredSocketServer.newEventLoopGroup(1);
        try {
            var xenstored = new Xenstored(group.next());
            var server = XenstoredSocketServer.start(xenstored, dir.resolve("socket"), group);
            return new XensimXenstored(dir, group, xenstored, server);
        } catch (IOException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
            CXenstored.deleteRecursively(dir);
            throw e;
        }
    }

    Path socket() {
        return server.socketPath();
    }

    /** Requests xensim answered EIO or tasks that threw: its own bugs, which every test expects to be zero. */
    int internalErrors() {
        return xenstored.internalErrors();
    }

    @Override
    public void close() {
        server.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        CXenstored.deleteRecursively(dir);
    }
}
