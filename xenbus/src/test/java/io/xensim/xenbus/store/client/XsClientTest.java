package io.xensim.xenbus.store.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.xenbus.store.ManualExecutor;
import io.xensim.xenbus.store.server.ConnectionInfo;
import io.xensim.xenbus.store.server.Xenstored;
import io.xensim.xenbus.store.server.XenstoredStats;
import io.xensim.xenbus.store.wire.XsError;
import io.xensim.xenbus.store.wire.XsPermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class XsClientTest {
    private final ManualExecutor executor = new ManualExecutor();
    private Xenstored xs;
    private XsClient dom0;
    private XsClient guest;

    @BeforeEach
    void setUp() {
        xs = new Xenstored(executor);
        dom0 = XsClient.connect(xs, ConnectionInfo.dom0("toolstack"), executor);
        guest = XsClient.connect(xs, ConnectionInfo.domain(3, "guest"), executor);
        done(dom0.mkdir("/local/domain/3"));
        done(dom0.setPerms("/local/domain/3", List.of(XsPermission.none(3))));
    }

    @AfterEach
    void cleanUp() {
        dom0.close();
        guest.close();
        executor.runAll();
        XenstoredStats stats = done(xs.stats());
        assertThat(stats.connections()).isZero();
        assertThat(stats.watches()).isZero();
        assertThat(stats.transactions()).isZero();
    }

    private <T> T done(CompletableFuture<T> f) {
        executor.runAll();
        assertThat(f).isDone();
        return f.join();
    }

    private Throwable failure(CompletableFuture<?> f) {
        executor.runAll();
        assertThat(f).isCompletedExceptionally();
        try {
            f.join();
            throw new AssertionError("completed normally");
        } catch (CompletionException e) {
            return e.getCause();
        }
    }

    @Test
    void writesAndReadsValues() {
        done(guest.write("device/vif/0/state", "1"));
        assertThat(done(guest.readString("device/vif/0/state"))).isEqualTo("1");
        assertThat(done(dom0.readString("/local/domain/3/device/vif/0/state"))).isEqualTo("1");
        assertThat(done(dom0.directory("/local/domain/3/device/vif"))).containsExactly("0");
        assertThat(done(guest.getPerms("device"))).containsExactly(XsPermission.none(3));
        assertThat(done(guest.getDomainPath(3))).isEqualTo("/local/domain/3");
    }

    @Test
    void errorsCompleteExceptionallyWithTheErrorName() {
        Throwable t = failure(guest.read("/local/domain/0/secret"));
        assertThat(t).isInstanceOf(XsErrorException.class);
        assertThat(((XsErrorException) t).errorName()).isEqualTo("EACCES");
        assertThat(((XsErrorException) t).error()).contains(XsError.EACCES);
        assertThat(XsClient.isError(t, XsError.EACCES)).isTrue();

        assertThat(done(guest.readOptional(XsClient.NO_TX, "missing"))).isEqualTo(Optional.empty());
        assertThat(XsClient.isError(failure(guest.introduce(4, 1, 2)), XsError.EACCES)).isTrue();
    }

    @Test
    void watchListenerGetsTheInitialEventThenChanges() {
        List<String> events = new ArrayList<>();
        done(guest.watch("device", "dev-token", (path, token) -> events.add(path + " " + token)));
        assertThat(events).containsExactly("device dev-token");

        done(dom0.write("/local/domain/3/device/vbd/51712/state", "1"));
        assertThat(events).containsExactly("device dev-token", "device/vbd/51712/state dev-token");

        done(guest.unwatch("device", "dev-token"));
        done(dom0.write("/local/domain/3/device/vbd/51712/state", "2"));
        assertThat(events).hasSize(2);
    }

    @Test
    void watchRefusedLeavesNoListener() {
        List<String> events = new ArrayList<>();
        assertThat(XsClient.isError(failure(guest.watch("bad//path", "t", (p, t) -> events.add(p))),
                XsError.EINVAL)).isTrue();
        assertThat(events).isEmpty();
    }

    @Test
    void transactionHelperRetriesOnEagain() {
        done(dom0.write("/counter", "0"));
        AtomicInteger attempts = new AtomicInteger();
        CompletableFuture<Integer> result = dom0.transaction(tx -> dom0.readString(tx, "/counter").thenCompose(v -> {
            if (attempts.incrementAndGet() == 1) {
                // Another writer changes what this transaction read: its commit must fail with EAGAIN.
                otherWrite("/counter", "100");
            }
            int next = Integer.parseInt(v) + 1;
            return dom0.write(tx, "/counter", Integer.toString(next)).thenApply(x -> next);
        }));
        assertThat(done(result)).isEqualTo(101);
        assertThat(attempts).hasValue(2);
        assertThat(done(dom0.readString("/counter"))).isEqualTo("101");
    }

    /** Queued now, processed by xenstored before anything the caller queues after it. */
    private void otherWrite(String path, String value) {
        XsClient other = XsClient.connect(xs, ConnectionInfo.dom0("other"), executor);
        other.write(path, value).whenComplete((v, e) -> other.close());
    }

    @Test
    void transactionHelperGivesUpAfterBoundedAttempts() {
        done(dom0.write("/hot", "0"));
        AtomicInteger attempts = new AtomicInteger();
        CompletableFuture<Void> result = dom0.transaction(tx -> dom0.read(tx, "/hot").thenCompose(v -> {
            attempts.incrementAndGet();
            otherWrite("/hot", Integer.toString(attempts.get()));
            return dom0.write(tx, "/other", "x");
        }));
        assertThat(XsClient.isError(failure(result), XsError.EAGAIN)).isTrue();
        assertThat(attempts).hasValue(XsClient.MAX_TRANSACTION_ATTEMPTS);
        assertThat(done(dom0.readOptional(XsClient.NO_TX, "/other"))).isEmpty();
    }

    @Test
    void transactionBodyFailureAbortsAndPropagates() {
        CompletableFuture<Void> result = guest.transaction(tx -> guest.write(tx, "a", "1")
                .thenCompose(v -> guest.read(tx, "/forbidden")).thenApply(v -> null));
        assertThat(XsClient.isError(failure(result), XsError.EACCES)).isTrue();
        assertThat(done(guest.readOptional(XsClient.NO_TX, "a"))).isEmpty();
        assertThat(done(xs.stats()).transactions()).isZero();
    }

    @Test
    void limitsRequestsInFlightAndKeepsOrder() {
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            writes.add(guest.write("seq", Integer.toString(i)));
        }
        // Nothing ran yet: the client sent only its window, the rest waits in the client.
        assertThat(guest.maxInFlight()).isLessThan(xs.config().outstandingRequests());
        assertThat(guest.waitingRequests()).isEqualTo(100 - guest.maxInFlight());
        executor.runAll();
        assertThat(guest.waitingRequests()).isZero();
        assertThat(writes).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
        assertThat(done(guest.readString("seq"))).isEqualTo("99");
    }

    @Test
    void closeFailsPendingRequests() {
        CompletableFuture<byte[]> pending = guest.read("x");
        guest.close();
        assertThat(failure(pending)).isInstanceOf(XsClosedException.class);
        assertThat(failure(guest.read("x"))).isInstanceOf(XsClosedException.class);
    }

    @Test
    void releasingTheDomainClosesItsClient() {
        done(xs.introduceDomain(3));
        CompletableFuture<Void> released = xs.releaseDomain(3);
        executor.runAll();
        assertThat(released).isDone();
        assertThat(guest.isClosed()).isTrue();
        assertThat(failure(guest.read("x"))).isInstanceOf(XsClosedException.class);
    }

    @Test
    void controlAndDomainRequests() {
        assertThat(done(dom0.control("help"))).contains("quota\t[set <name> <val>|<domid>]\n");
        done(dom0.introduce(5, 0x1234, 7));
        assertThat(done(dom0.isDomainIntroduced(5))).isTrue();
        done(dom0.resume(5));
        done(dom0.introduce(6, 0x1235, 8));
        done(dom0.setTarget(5, 6));
        done(dom0.release(5));
        assertThat(done(dom0.isDomainIntroduced(5))).isFalse();
        done(dom0.resetWatches());
    }

    @Test
    void directoryPartPagesThroughChildren() {
        for (int i = 0; i < 5; i++) {
            done(dom0.mkdir("/dir/child" + i));
        }
        List<String> part = done(dom0.directoryPart(XsClient.NO_TX, "/dir", 0));
        assertThat(part.subList(1, part.size())).containsExactly("child0", "child1", "child2", "child3", "child4", "");
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void blockingHelpersOnRealThreads() throws Exception {
        ExecutorService store = Executors.newSingleThreadExecutor();
        ExecutorService domain = Executors.newSingleThreadExecutor();
        try {
            var threaded = new Xenstored(store);
            var c = XsClient.connect(threaded, ConnectionInfo.dom0("blocking"), domain);
            c.writeBlocking("/a/b", "v");
            assertThat(c.readBlocking("/a/b")).isEqualTo("v");
            assertThat(c.readOptionalBlocking("/a/c")).isEmpty();
            assertThat(c.directoryBlocking("/a")).containsExactly("b");
            c.mkdirBlocking("/a/d");
            c.setPermsBlocking("/a/d", List.of(XsPermission.read(0)));
            assertThat(c.getPermsBlocking("/a/d")).containsExactly(XsPermission.read(0));
            var latch = new java.util.concurrent.CountDownLatch(2);
            c.watchBlocking("/a", "t", (p, t) -> latch.countDown());
            c.rmBlocking("/a/b");
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
            assertThatThrownBy(() -> c.readBlocking("/a/b")).isInstanceOf(XsErrorException.class)
                    .hasMessageContaining("ENOENT");
            c.close();
        } finally {
            store.shutdownNow();
            domain.shutdownNow();
        }
    }
}
