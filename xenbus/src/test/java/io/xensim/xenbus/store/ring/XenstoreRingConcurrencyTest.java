package io.xensim.xenbus.store.ring;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Domain;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.store.client.XsClient;
import io.xensim.xenbus.store.server.Xenstored;
import io.xensim.xenbus.store.wire.XsPermission;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Timeout;

/**
 * The ring with real threads (DEDICATED: a thread per domain), so the index orderings are exercised for real: two
 * guests pipeline requests while dom0 writes under their watches.
 */
@Timeout(120)
class XenstoreRingConcurrencyTest {
    private static final int REQUESTS = 1_500;

    @RepeatedTest(3)
    void twoGuestsAndDom0Concurrently() throws Exception {
        try (Hypervisor hv = Hypervisor.create(ThreadingMode.DEDICATED)) {
            Domain dom0 = hv.createDomain(DomainConfig.of(0, "dom0", 16));
            var xenstored = new Xenstored(dom0.executor());
            var server = XenstoreRingServer.install(dom0, xenstored);
            XsClient toolstack = server.toolstack();

            List<XenstoreRingFrontend> frontends = new ArrayList<>();
            List<XsClient> clients = new ArrayList<>();
            for (int domid = 1; domid <= 2; domid++) {
                Domain guest = hv.createDomain(DomainConfig.of(domid, "guest" + domid, 16));
                toolstack.mkdirBlocking("/local/domain/" + domid);
                toolstack.setPermsBlocking("/local/domain/" + domid, List.of(XsPermission.none(domid)));
                var frontend = server.setUpGuest(guest).get(20, TimeUnit.SECONDS);
                frontends.add(frontend);
                clients.add(frontend.client());
            }
            AtomicInteger events = new AtomicInteger();
            CountDownLatch lastEvent = new CountDownLatch(2);
            for (int i = 0; i < 2; i++) {
                String home = "/local/domain/" + (i + 1);
                clients.get(i).watch(home + "/w", "t", (path, token) -> {
                    events.incrementAndGet();
                    if (path.endsWith("/last")) {
                        lastEvent.countDown();
                    }
                }).get(20, TimeUnit.SECONDS);
            }

            List<CompletableFuture<String>> reads = new ArrayList<>();
            var dom0Writes = CompletableFuture.runAsync(() -> {
                for (int k = 0; k < 200; k++) {
                    toolstack.write("/local/domain/" + (1 + k % 2) + "/w/n", Integer.toString(k));
                }
                toolstack.write("/local/domain/1/w/last", "1");
                toolstack.write("/local/domain/2/w/last", "1");
            });
            for (int k = 0; k < REQUESTS; k++) {
                for (int i = 0; i < 2; i++) {
                    String path = "/local/domain/" + (i + 1) + "/k" + (k % 50);
                    XsClient c = clients.get(i);
                    reads.add(c.write(path, "v" + k).thenCompose(v -> c.readString(path)));
                }
            }
            CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            dom0Writes.get(60, TimeUnit.SECONDS);
            assertThat(lastEvent.await(60, TimeUnit.SECONDS)).isTrue();
            for (CompletableFuture<String> r : reads) {
                assertThat(r.join()).startsWith("v");
            }
            assertThat(events.get()).isGreaterThanOrEqualTo(2 + 2);   // registrations and the last writes at least

            for (int i = 0; i < 2; i++) {
                clients.get(i).close();
                server.tearDownGuest(frontends.get(i)).get(20, TimeUnit.SECONDS);
                // A barrier on the guest's executor: its close task has run.
                CompletableFuture.runAsync(() -> { }, frontends.get(i).guest().executor()).get(20, TimeUnit.SECONDS);
            }
            server.close();
            var stats = xenstored.stats().get(20, TimeUnit.SECONDS);
            assertThat(stats.connections()).isZero();
            assertThat(stats.watches()).isZero();
            assertThat(xenstored.internalErrors()).isZero();
            hv.assertCleanedUp();
        }
    }
}
