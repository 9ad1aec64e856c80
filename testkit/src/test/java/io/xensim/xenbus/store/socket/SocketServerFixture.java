package io.xensim.xenbus.store.socket;

import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.xensim.xenbus.store.server.Xenstored;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A running {@link XenstoredSocketServer} on a fresh temporary socket, configured as the CLI runs it: one epoll
 * thread doing both the socket I/O and xenstored's work.
 */
final class SocketServerFixture implements AutoCloseable {
    final Path dir;
    final Path socket;
    final MultiThreadIoEventLoopGroup group;
    final Xenstored xenstored;
    final XenstoredSocketServer server;

    SocketServerFixture() {
        try {
            dir = Files.createTempDirectory("xensim-xs");
            socket = dir.resolve("socket");
            group = XenstoredSocketServer.newEventLoopGroup(1);
            xenstored = new Xenstored(group.next());
            server = XenstoredSocketServer.start(xenstored, socket, group);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        Files.deleteIfExists(socket);
        Files.deleteIfExists(dir);
    }
}
