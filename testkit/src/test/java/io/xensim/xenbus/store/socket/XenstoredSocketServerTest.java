package io.xensim.xenbus.store.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.xenbus.store.server.Xenstored;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsPayloads;
import io.xensim.xenbus.store.wire.XsType;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The epoll socket server itself: socket file life cycle, pipelining, backpressure. */
@Timeout(120)
class XenstoredSocketServerTest {
    private Path dir;
    private Path socket;
    private ExecutorService xenstoredThread;
    private Xenstored xenstored;

    @BeforeEach
    void setUp() throws IOException {
        dir = Files.createTempDirectory("xensim-xs");
        socket = dir.resolve("socket");
        // xenstored on its own thread here, so that it outlives the server's event loop in the close test.
        xenstoredThread = Executors.newSingleThreadExecutor(r -> new Thread(r, "xenstored"));
        xenstored = new Xenstored(xenstoredThread);
    }

    @AfterEach
    void tearDown() throws Exception {
        xenstoredThread.shutdownNow();
        assertThat(xenstoredThread.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
        Files.deleteIfExists(socket);
        Files.deleteIfExists(dir.resolve("file"));
        Files.delete(dir);
    }

    private static void assertServes(Path socket) throws IOException {
        try (var c = new RawXsSocket(socket)) {
            assertThat(c.request(XsMessage.of(XsType.XS_GET_DOMAIN_PATH, 1, 0, "0")))
                    .isEqualTo(XsMessage.of(XsType.XS_GET_DOMAIN_PATH, 1, 0, "/local/domain/0"));
        }
    }

    @Test
    void closeRemovesTheSocketAndDropsClientsWithTheirWatches() throws Exception {
        var server = XenstoredSocketServer.start(xenstored, socket);
        assertThat(socket).exists();
        try (var client = new RawXsSocket(socket)) {
            assertThat(client.request(XsMessage.of(XsType.XS_WATCH, 1, 0, "/w", "t")).is(XsType.XS_WATCH)).isTrue();
            assertThat(xenstored.stats().get().watches()).isEqualTo(1);

            server.close();

            assertThat(socket).doesNotExist();
            assertThat(server.isClosed()).isTrue();
            assertThat(client.next()).isEqualTo(XsMessage.watchEvent("/w", "t"));   // sent before the close
            assertThat(client.awaitClosedByServer()).isTrue();
        }
        // The close reached xenstored through the channel's inactive event; its stats task runs after that.
        assertThat(xenstored.stats().get().watches()).isZero();
        assertThat(xenstored.stats().get().connections()).isZero();
        server.close();   // idempotent
    }

    @Test
    void aStaleSocketFileIsReplaced() throws Exception {
        try (var dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(socket));
        }
        assertThat(socket).exists();   // closing a Java server socket leaves the file behind, as a killed server does

        try (var server = XenstoredSocketServer.start(xenstored, socket)) {
            assertServes(socket);
        }
    }

    @Test
    void aSocketInUseIsRefusedAndKeepsServing() throws Exception {
        try (var first = XenstoredSocketServer.start(xenstored, socket)) {
            assertThatThrownBy(() -> XenstoredSocketServer.start(xenstored, socket))
                    .isInstanceOf(IOException.class).hasMessageContaining("in use");
            assertServes(socket);
            assertThat(first.isClosed()).isFalse();
        }
    }

    @Test
    void aPathThatIsNotASocketIsRefusedAndLeftAlone() throws Exception {
        Path file = dir.resolve("file");
        Files.writeString(file, "precious");
        assertThatThrownBy(() -> XenstoredSocketServer.start(xenstored, file))
                .isInstanceOf(IOException.class).hasMessageContaining("not a socket");
        assertThat(file).hasContent("precious");
    }

    @Test
    void pipelinedRequestsFromManyClientsAreAnsweredInOrder() throws Exception {
        try (var server = XenstoredSocketServer.start(xenstored, socket)) {
            List<CompletableFuture<Void>> clients = new ArrayList<>();
            for (int c = 0; c < 16; c++) {
                int id = c;
                clients.add(CompletableFuture.runAsync(() -> pipeline(id, 1_000), Executors.newVirtualThreadPerTaskExecutor()));
            }
            CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        }
    }

    private void pipeline(int client, int n) {
        try (var c = new RawXsSocket(socket)) {
            byte[] value = XsPayloads.bytes("v" + client);
            var write = new XsMessage(XsType.XS_WRITE, 0, 0, XsPayloads.stringThenBytes("/p/" + client, value));
            assertThat(c.request(write).is(XsType.XS_WRITE)).isTrue();
            var batch = new java.io.ByteArrayOutputStream();
            for (int i = 1; i <= n; i++) {
                batch.writeBytes(io.xensim.xenbus.store.wire.XsdSockmsg.encode(
                        XsMessage.of(XsType.XS_READ, i, 0, "/p/" + client)));
            }
            c.sendBytes(batch.toByteArray());
            for (int i = 1; i <= n; i++) {
                assertThat(c.reply()).isEqualTo(new XsMessage(XsType.XS_READ, i, 0, value));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aClientThatFloodsWithoutReadingIsThrottledNotDropped() throws Exception {
        int n = 50_000;   // ~1 MB of requests: far beyond the socket buffers and xenstored's queue guard (1024)
        try (var server = XenstoredSocketServer.start(xenstored, socket);
                var flooder = new RawXsSocket(socket);
                var other = new RawXsSocket(socket)) {
            var request = new java.io.ByteArrayOutputStream();
            for (int i = 1; i <= n; i++) {
                request.writeBytes(io.xensim.xenbus.store.wire.XsdSockmsg.encode(
                        XsMessage.of(XsType.XS_GET_DOMAIN_PATH, i, 0, "1")));
            }
            var writing = CompletableFuture.runAsync(() -> {
                try {
                    flooder.sendBytes(request.toByteArray());   // blocks once the server stops reading
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }, Executors.newVirtualThreadPerTaskExecutor());

            // Meanwhile another client is served normally.
            for (int i = 0; i < 100; i++) {
                assertThat(other.request(XsMessage.of(XsType.XS_GET_DOMAIN_PATH, i, 0, "2")))
                        .isEqualTo(XsMessage.of(XsType.XS_GET_DOMAIN_PATH, i, 0, "/local/domain/2"));
            }
            // Every request of the flood is answered, in order: nothing was dropped and the connection survived.
            for (int i = 1; i <= n; i++) {
                assertThat(flooder.reply()).isEqualTo(XsMessage.of(XsType.XS_GET_DOMAIN_PATH, i, 0, "/local/domain/1"));
            }
            writing.get(60, TimeUnit.SECONDS);
            assertThat(server.openConnections()).isEqualTo(2);
        }
    }
}
