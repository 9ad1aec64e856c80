package io.xensim.xenbus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.xenbus.trace.TraceEvent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class HypervisorTest {
    @Test
    void invokerModeRunsNothingUntilStepped() {
        try (Hypervisor hv = Hypervisor.create(ThreadingMode.INVOKER)) {
            Domain d = hv.createDomain(DomainConfig.of(1, "g", 1));
            AtomicInteger ran = new AtomicInteger();
            d.executor().execute(() -> {
                assertThat(d.executor().inExecutor()).isTrue();
                ran.incrementAndGet();
            });
            assertThat(ran).hasValue(0);
            assertThat(hv.hasPendingWork()).isTrue();
            assertThat(hv.runUntilIdle()).isEqualTo(1);
            assertThat(ran).hasValue(1);
            assertThat(d.executor().inExecutor()).isFalse();
        }
    }

    /**
     * The stepper's order, which every trace and timeline depends on: each pass gives one task to each domain with
     * work, in creation order; work given to a later domain during a pass runs in that pass, work given to an
     * earlier one (or to the same one) waits for the next pass, and a domain created during a pass joins the next.
     */
    @Test
    void invokerModeStepsDomainsRoundRobinInCreationOrder() {
        try (Hypervisor hv = Hypervisor.create(ThreadingMode.INVOKER)) {
            Domain a = hv.createDomain(DomainConfig.of(1, "a", 1));
            Domain b = hv.createDomain(DomainConfig.of(2, "b", 1));
            Domain c = hv.createDomain(DomainConfig.of(3, "c", 1));
            List<String> ran = new ArrayList<>();
            List<Domain> late = new ArrayList<>();
            Runnable b1 = () -> {
                ran.add("b1");
                a.executor().execute(() -> ran.add("a4"));   // earlier in the order: next pass, after a's older tasks
                late.add(hv.createDomain(DomainConfig.of(4, "d", 1)));
                late.get(0).executor().execute(() -> ran.add("d1"));   // created during the pass: joins the next
            };
            a.executor().execute(() -> {
                ran.add("a1");
                b.executor().execute(b1);                      // later in the order, idle until now: this pass
                c.executor().execute(() -> ran.add("c2"));   // behind c1: one task per pass, so the next pass
                a.executor().execute(() -> ran.add("a3"));   // itself: behind a2
            });
            a.executor().execute(() -> ran.add("a2"));
            c.executor().execute(() -> ran.add("c1"));

            assertThat(hv.runUntilIdle()).isEqualTo(8);
            assertThat(ran).containsExactly("a1", "b1", "c1", "a2", "c2", "d1", "a3", "a4");
            assertThat(hv.hasPendingWork()).isFalse();
        }
    }

    @Test
    void runUntilStopsWhenTheConditionHolds() {
        try (Hypervisor hv = Hypervisor.create(ThreadingMode.INVOKER)) {
            Domain d = hv.createDomain(DomainConfig.of(1, "g", 1));
            AtomicInteger count = new AtomicInteger();
            Runnable[] again = new Runnable[1];
            again[0] = () -> {
                count.incrementAndGet();
                d.executor().execute(again[0]);
            };
            d.executor().execute(again[0]);
            assertThat(hv.runUntil(() -> count.get() == 5, 100)).isTrue();
            assertThat(count).hasValue(5);
            assertThatThrownBy(() -> hv.runUntil(() -> false, 10)).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("livelock");
        }
    }

    @Test
    void aTaskThatThrowsIsReportedToTheStepper() {
        try (Hypervisor hv = Hypervisor.create(ThreadingMode.INVOKER)) {
            Domain d = hv.createDomain(DomainConfig.of(1, "g", 1));
            d.executor().execute(() -> {
                throw new IllegalStateException("boom");
            });
            assertThatThrownBy(hv::runUntilIdle).hasMessageContaining("boom");
            assertThat(hv.leftovers()).anyMatch(s -> s.contains("boom"));
        }
    }

    @Test
    void domainIdsAreUniqueAndReservedIdsRefused() {
        try (Hypervisor hv = Hypervisor.create(ThreadingMode.INVOKER)) {
            hv.createDomain(DomainConfig.of(1, "g", 1));
            assertThatThrownBy(() -> hv.createDomain(DomainConfig.of(1, "again", 1)))
                    .isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> DomainConfig.of(Domid.DOMID_SELF, "self", 1))
                    .isInstanceOf(IllegalArgumentException.class);
            hv.destroyDomain(1);
            assertThat(hv.domain(1)).isEmpty();
            hv.createDomain(DomainConfig.of(1, "reborn", 1));
        }
    }

    @Test
    void tracerSeesDomainLifecycleGrantsAndEvents() {
        List<TraceEvent> events = Collections.synchronizedList(new ArrayList<>());
        ManualClock clock = new ManualClock();
        try (Hypervisor hv = Hypervisor.builder().tracer(events::add).clock(clock).build()) {
            Domain dom0 = hv.createDomain(DomainConfig.of(0, "dom0", 1));
            clock.advanceMillis(1);
            Domain guest = hv.createDomain(DomainConfig.of(1, "g", 1));
            int port = guest.eventChannels().allocUnbound(0);
            int ref = guest.grantTable().grantAccess(0, guest.memory().allocateFrame(), false);
            dom0.grantOps().unmapGrantRef(dom0.grantOps().mapGrantRef(1, ref, 2).handle());
            dom0.eventChannels().bindInterdomain(1, port);
            assertThat(events).extracting(TraceEvent::kind).contains(TraceEvent.Kind.DOMAIN,
                    TraceEvent.Kind.EVENT_CHANNEL, TraceEvent.Kind.GRANT);
            assertThat(events.get(1).timeNs()).isEqualTo(1_000_000);
            assertThat(events).anyMatch(e -> e.detail().contains("map_grant_ref d1 ref " + ref));
        }
    }

    @Test
    @Timeout(20)
    void sharedModeRunsEveryDomainOnOneThreadInOrder() throws InterruptedException {
        try (Hypervisor hv = Hypervisor.create(ThreadingMode.SHARED)) {
            Domain a = hv.createDomain(DomainConfig.of(1, "a", 1));
            Domain b = hv.createDomain(DomainConfig.of(2, "b", 1));
            List<String> threads = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch done = new CountDownLatch(2);
            a.executor().execute(() -> {
                threads.add(Thread.currentThread().getName());
                done.countDown();
            });
            b.executor().execute(() -> {
                threads.add(Thread.currentThread().getName());
                done.countDown();
            });
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(threads).containsOnly("xensim-shared");
            assertThatThrownBy(hv::runUntilIdle).isInstanceOf(IllegalStateException.class);
        }
    }

    /** A task queued on a domain's thread before the domain was destroyed never runs (its memory may be gone). */
    @Test
    @Timeout(20)
    void tasksQueuedBeforeADomainIsDestroyedAreDropped() throws InterruptedException {
        try (Hypervisor hv = Hypervisor.create(ThreadingMode.SHARED)) {
            Domain a = hv.createDomain(DomainConfig.of(1, "a", 1));
            Domain b = hv.createDomain(DomainConfig.of(2, "b", 1));
            CountDownLatch running = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger ranAfterDestroy = new AtomicInteger();
            a.executor().execute(() -> {
                running.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
            a.executor().execute(ranAfterDestroy::incrementAndGet);   // queued behind the blocked task
            hv.destroyDomain(1);
            release.countDown();
            CountDownLatch bRan = new CountDownLatch(1);
            b.executor().execute(bRan::countDown);                   // one thread, in order: after a's queued task
            assertThat(bRan.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(ranAfterDestroy).hasValue(0);
        }
    }
}
