package io.xensim.xenbus.store.ring;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Domain;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.store.client.XsClient;
import io.xensim.xenbus.store.server.Xenstored;
import io.xensim.xenbus.store.server.XenstoredStats;
import io.xensim.xenbus.store.wire.XsPermission;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** dom0 running xenstored with the ring server, in INVOKER mode; guests are added by the tests. */
final class RingPair implements AutoCloseable {
    final Hypervisor hv = Hypervisor.create(ThreadingMode.INVOKER);
    final Domain dom0 = hv.createDomain(DomainConfig.of(0, "dom0", 16));
    final Xenstored xenstored = new Xenstored(dom0.executor());
    final XenstoreRingServer server;

    RingPair() {
        this(XenstoreRingBackend.DEFAULT_MAX_QUEUED_OUTPUT_BYTES);
    }

    RingPair(long maxQueuedOutputBytes) {
        server = XenstoreRingServer.install(dom0, xenstored, maxQueuedOutputBytes);
    }

    XsClient toolstack() {
        return server.toolstack();
    }

    Domain guest(int domid) {
        Domain guest = hv.createDomain(DomainConfig.of(domid, "guest" + domid, 16));
        // The toolstack's home directory for the guest, owned by it.
        await(toolstack().mkdir("/local/domain/" + domid));
        await(toolstack().setPerms("/local/domain/" + domid, List.of(XsPermission.none(domid))));
        return guest;
    }

    XenstoreRingFrontend frontend(Domain guest) {
        return await(server.setUpGuest(guest));
    }

    /** Steps the hypervisor until the future is done (bounded), then returns its value or throws its failure. */
    <T> T await(CompletableFuture<T> f) {
        hv.runUntil(f::isDone, 1_000_000);
        assertThat(f).as("completed after stepping the hypervisor").isDone();
        return f.join();
    }

    /** Steps until the future is done and returns its failure's cause. */
    Throwable failure(CompletableFuture<?> f) {
        hv.runUntil(f::isDone, 1_000_000);
        assertThat(f).isCompletedExceptionally();
        try {
            f.join();
            throw new AssertionError("not failed");
        } catch (java.util.concurrent.CompletionException e) {
            return e.getCause();
        }
    }

    XenstoredStats stats() {
        return await(xenstored.stats());
    }

    XenstoreRingBackend backend(int domid) {
        return server.backend(domid).orElseThrow();
    }

    /** Everything released: no rings, no guest connections, nothing leaked in the hypervisor. */
    void assertCleanedUp() {
        server.close();
        hv.runUntilIdle();
        XenstoredStats stats = stats();
        assertThat(stats.connections()).as("connections").isZero();
        assertThat(stats.watches()).as("watches").isZero();
        assertThat(stats.transactions()).as("transactions").isZero();
        assertThat(xenstored.internalErrors()).isZero();
        assertThat(server.attachedDomains()).isEmpty();
        hv.assertCleanedUp();
    }

    @Override
    public void close() {
        hv.close();
    }
}
