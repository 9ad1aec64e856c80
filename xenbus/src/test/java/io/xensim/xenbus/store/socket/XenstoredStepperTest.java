package io.xensim.xenbus.store.socket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.xenbus.Domain;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.store.server.Xenstored;
import io.xensim.xenbus.store.wire.XsError;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsPayloads;
import io.xensim.xenbus.store.wire.XsType;
import io.xensim.xenbus.store.wire.XsWireDecoder;
import io.xensim.xenbus.store.wire.XsdSockmsg;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A socket served by a xenstored that runs on an INVOKER-mode dom0's executor, as inside a running host: the
 * owner thread parks in {@link XenstoredStepper#run} and steps on each hand-off, every xenstored task runs on the
 * owner's thread, watches fire to socket clients, and a per-domain socket's connections act as that guest.
 */
@Timeout(60)
class XenstoredStepperTest {
    @TempDir
    Path dir;

    private Hypervisor hv;
    private Xenstored xenstored;
    private XenstoredStepper stepper;
    private final Set<Thread> xenstoredThreads = ConcurrentHashMap.newKeySet();
    private final List<XenstoredSocketServer> servers = new ArrayList<>();
    private Thread owner;
    private CompletableFuture<XenstoredStepper.Stopped> ran;

    @BeforeEach
    void setUp() {
        hv = Hypervisor.create(ThreadingMode.INVOKER);
        Domain dom0 = hv.createDomain(DomainConfig.of(0, "Domain-0", 512));
        // dom0's executor, with a note of the thread each xenstored task runs on.
        Executor recording = task -> dom0.executor().execute(() -> {
            xenstoredThreads.add(Thread.currentThread());
            task.run();
        });
        xenstored = new Xenstored(recording);
        stepper = new XenstoredStepper(hv::runUntilIdle);
        ran = new CompletableFuture<>();
        owner = Thread.ofPlatform().name("host-owner").start(() -> {
            try {
                ran.complete(stepper.run(ChronoUnit.FOREVER.getDuration()));
            } catch (Throwable e) {
                ran.completeExceptionally(e);
            }
        });
    }

    @AfterEach
    void tearDown() throws Exception {
        stepper.requestStop();
        owner.join(TimeUnit.SECONDS.toMillis(30));
        servers.forEach(XenstoredSocketServer::close);
        hv.close();
    }

    private Path serve(String name, XenstoredSocketOptions options) throws IOException {
        Path socket = dir.resolve(name);
        servers.add(XenstoredSocketServer.start(xenstored, socket, options.onHandOff(stepper::wakeup)));
        return socket;
    }

    /** A blocking client over a plain Java socket: requests out, replies and watch events in arrival order. */
    private static final class Client implements AutoCloseable {
        private final SocketChannel ch;
        private final XsWireDecoder decoder = new XsWireDecoder();
        private final ArrayDeque<XsMessage> in = new ArrayDeque<>();
        private final ByteBuffer buf = ByteBuffer.allocate(4096);
        private int reqId;

        Client(Path socket) throws IOException {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(socket));
        }

        int send(XsType type, String... strings) throws IOException {
            ch.write(ByteBuffer.wrap(XsdSockmsg.encode(XsMessage.of(type, ++reqId, 0, strings))));
            return reqId;
        }

        /** XS_WRITE: the path NUL-terminated, the value as raw bytes (no NUL), as libxenstore sends it. */
        int sendWrite(String path, String value) throws IOException {
            ch.write(ByteBuffer.wrap(XsdSockmsg.encode(new XsMessage(XsType.XS_WRITE, ++reqId, 0,
                    XsPayloads.stringThenBytes(path, value.getBytes(StandardCharsets.UTF_8))))));
            return reqId;
        }

        XsMessage write(String path, String value) throws IOException {
            int id = sendWrite(path, value);
            XsMessage reply = next();
            assertThat(reply.reqId()).isEqualTo(id);
            return reply;
        }

        XsMessage next() throws IOException {
            while (in.isEmpty()) {
                buf.clear();
                if (ch.read(buf) < 0) {
                    throw new IOException("closed by the server");
                }
                assertThat(decoder.feed(buf.flip(), in::add).isOk()).isTrue();
            }
            return in.poll();
        }

        XsMessage call(XsType type, String... strings) throws IOException {
            int id = send(type, strings);
            XsMessage reply = next();
            assertThat(reply.reqId()).isEqualTo(id);
            return reply;
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    @Test
    void dom0SocketRequestsAndWatchesAreServedByTheOwnerThreadAlone() throws Exception {
        Path socket = serve("dom0", XenstoredSocketOptions.dom0());
        try (var writer = new Client(socket); var watcher = new Client(socket)) {
            assertThat(watcher.call(XsType.XS_WATCH, "/local/domain/1", "tok").strings()).containsExactly("OK");
            assertThat(watcher.next()).isEqualTo(XsMessage.watchEvent("/local/domain/1", "tok"));  // initial event

            assertThat(writer.write("/local/domain/1/name", "guest").strings()).containsExactly("OK");
            assertThat(watcher.next()).isEqualTo(XsMessage.watchEvent("/local/domain/1/name", "tok"));
            assertThat(new String(writer.call(XsType.XS_READ, "/local/domain/1/name").payload()))
                    .isEqualTo("guest");
            assertThat(writer.call(XsType.XS_GET_DOMAIN_PATH, "0").strings()).containsExactly("/local/domain/0");
        }
        assertThat(xenstoredThreads).containsExactly(owner);
        assertThat(ran).isNotDone();
    }

    @Test
    void aPerDomainSocketActsAsThatGuestWithItsPermissionsAndQuota() throws Exception {
        Path dom0 = serve("dom0", XenstoredSocketOptions.dom0());
        Path guest = serve("dom5", XenstoredSocketOptions.forDomain(5));
        try (var toolstack = new Client(dom0); var dom5 = new Client(guest)) {
            // What libxl does for a new domain: /local/domain/5 owned by it, a dom0-only node beside it.
            toolstack.call(XsType.XS_MKDIR, "/local/domain/5");
            toolstack.call(XsType.XS_SET_PERMS, "/local/domain/5", "n5");
            toolstack.write("/local/domain/0/secret", "x");

            assertThat(dom5.write("data/x", "1").strings()).containsExactly("OK");  // relative path
            assertThat(dom5.call(XsType.XS_GET_PERMS, "/local/domain/5/data/x").strings()).containsExactly("n5");
            assertThat(dom5.call(XsType.XS_READ, "/local/domain/0/secret"))
                    .isEqualTo(XsMessage.error(dom5.reqId, 0, XsError.EACCES));
            assertThat(dom5.write("/local/domain/0/evil", "1"))
                    .isEqualTo(XsMessage.error(dom5.reqId, 0, XsError.EACCES));

            // More requests pipelined than quota_req_outstanding: all answered, in order, none refused.
            int outstanding = xenstored.config().outstandingRequests();
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < 3 * outstanding; i++) {
                ids.add(dom5.sendWrite("data/n" + i, Integer.toString(i)));
            }
            for (int id : ids) {
                XsMessage reply = dom5.next();
                assertThat(reply.reqId()).isEqualTo(id);
                assertThat(reply.strings()).containsExactly("OK");
            }
        }
        assertThat(xenstoredThreads).containsExactly(owner);
    }

    @Test
    void closingTheServerHandsEveryDisconnectToXenstored() throws Exception {
        Path socket = serve("dom0", XenstoredSocketOptions.dom0());
        var client = new Client(socket);
        client.call(XsType.XS_WATCH, "/a", "t");
        assertThat(stats().watches()).isEqualTo(1);

        servers.getFirst().close();

        assertThat(Files.exists(socket)).isFalse();
        assertThat(stats().watches()).isZero();
        assertThat(stats().connections()).isZero();
        client.close();
    }

    /** xenstored's counters, asked on its executor and answered at the owner's next step. */
    private io.xensim.xenbus.store.server.XenstoredStats stats() throws Exception {
        var stats = xenstored.stats();
        stepper.wakeup();
        return stats.get(30, TimeUnit.SECONDS);
    }

    @Test
    void runReturnsWhenAStopIsRequestedOrTheDurationEnds() throws Exception {
        stepper.requestStop();
        assertThat(ran.get(30, TimeUnit.SECONDS)).isEqualTo(XenstoredStepper.Stopped.REQUESTED);
        assertThat(stepper.stopRequested()).isTrue();

        int[] steps = new int[1];
        var counting = new XenstoredStepper(() -> steps[0]++);
        assertThat(counting.run(Duration.ZERO)).isEqualTo(XenstoredStepper.Stopped.ELAPSED);
        assertThat(steps[0]).isEqualTo(1);   // one step even with no time: work queued before run is not left
        counting.wakeup();
        assertThat(counting.run(Duration.ZERO)).isEqualTo(XenstoredStepper.Stopped.ELAPSED);
        assertThat(steps[0]).isEqualTo(3);   // the step of run, then the kept wake-up's
        assertThatThrownBy(() -> counting.run(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> XenstoredSocketOptions.dom0().actingAs(0x7ff0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("DOMID_FIRST_RESERVED");
    }
}
