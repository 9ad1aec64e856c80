package io.xensim.xenbus;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A domain's executor at the domain's destruction, with real threads. */
class DomainExecutorTest {

    /**
     * The teardown race: a task of the guest already running on its thread when another thread destroys the
     * guest. Destruction must not free the guest's memory under it: {@code destroyDomain} waits until the task has
     * returned (the task keeps writing to a guest page for 200 ms after it sees the domain dying; without the wait
     * the arena is closed meanwhile and the write fails).
     */
    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = {"SHARED", "DEDICATED"})
    @Timeout(30)
    void destroyingADomainWaitsForItsRunningTaskBeforeReleasingItsMemory(ThreadingMode mode) throws Exception {
        try (Hypervisor hv = Hypervisor.create(mode)) {
            Domain guest = hv.createDomain(DomainConfig.of(1, "guest", 1));
            long gfn = guest.memory().allocateFrame();
            var started = new CountDownLatch(1);
            var ended = new AtomicBoolean();
            var failure = new AtomicReference<Throwable>();
            guest.executor().execute(() -> {
                MemorySegment page = guest.memory().frame(gfn);
                started.countDown();
                try {
                    long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                    while (!guest.isDying() && System.nanoTime() - giveUp < 0) {
                        Thread.onSpinWait(); // until destroyDomain has begun, on the test's thread
                    }
                    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
                    for (long i = 0; System.nanoTime() - end < 0; i++) {
                        page.set(ValueLayout.JAVA_LONG, 0, i);
                    }
                } catch (Throwable t) {
                    failure.set(t);
                } finally {
                    ended.set(true);
                }
            });
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();

            hv.destroyDomain(1);

            assertThat(ended).as("destroyDomain returned only once the running task had").isTrue();
            assertThat(failure.get()).as("the task's writes to its own memory").isNull();
            assertThat(hv.dyingDomains()).isEmpty();
            assertThat(hv.uncaughtErrors()).isEmpty();
        }
    }
}
