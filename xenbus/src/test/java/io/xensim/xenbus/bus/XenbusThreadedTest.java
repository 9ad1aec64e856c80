package io.xensim.xenbus.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.bus.demo.EchoDrivers;
import io.xensim.xenbus.bus.demo.EchoFrontend;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.Toolstack;
import io.xensim.xenbus.toolstack.ToolstackConfig;
import java.time.Duration;
import io.xensim.xenbus.trace.TraceEvent;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The same handshake with real threads: each domain's work on its own thread (or one shared thread). */
@Timeout(60)
class XenbusThreadedTest {
    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = {"SHARED", "DEDICATED"})
    void handshakeTrafficAndUnplugWorkOnRealThreads(ThreadingMode mode) throws Exception {
        var frontConnected = new CompletableFuture<Void>();
        var backConnected = new CompletableFuture<Void>();
        try (var hv = Hypervisor.builder().threadingMode(mode).tracer(e -> {
            if (e.kind() == TraceEvent.Kind.STATE && e.detail().startsWith("frontend Initialised -> Connected")) {
                frontConnected.complete(null);
            }
            if (e.kind() == TraceEvent.Kind.STATE && e.detail().startsWith("backend InitWait -> Connected")) {
                backConnected.complete(null);
            }
        }).build()) {
            var toolstack = Toolstack.start(hv);
            var guest = toolstack.await(toolstack.createDomain(DomainConfig.of(1, "guest", 16)));
            toolstack.await(guest.frontends().register(EchoDrivers.frontend()));
            toolstack.await(toolstack.dom0().backends().register(EchoDrivers.backend()));
            toolstack.await(toolstack.addDevice(DeviceConfig.of(EchoDrivers.TYPE, 1, 0, 0)));
            CompletableFuture.allOf(frontConnected, backConnected).get(30, TimeUnit.SECONDS);

            var front = guest.frontends().device(EchoDrivers.TYPE, 1, 0).orElseThrow();
            var reply = new CompletableFuture<CompletableFuture<Long>>();
            guest.domain().executor().execute(() -> reply.complete(((EchoFrontend) front.handler()).echo(77)));
            assertThat(reply.get(30, TimeUnit.SECONDS).get(30, TimeUnit.SECONDS)).isEqualTo(77L);

            assertThat(toolstack.await(toolstack.removeDevice(EchoDrivers.TYPE, 1, 0))).isTrue();
            toolstack.close();
            assertThat(hv.uncaughtErrors()).isEmpty();
        }
    }

    /** Nobody calls checkTimeouts(): with real threads the toolstack's watchdog notices a backend that never comes. */
    @ParameterizedTest
    @EnumSource(value = ThreadingMode.class, names = {"SHARED", "DEDICATED"})
    void aMissingBackendTimesOutOnItsOwnWithRealThreads(ThreadingMode mode) throws Exception {
        var timedOut = new CompletableFuture<String>();
        try (var hv = Hypervisor.builder().threadingMode(mode).tracer(e -> {
            if (e.kind() == TraceEvent.Kind.INFO && e.detail().startsWith("timeout: ")) {
                timedOut.complete(e.detail());
            }
        }).build()) {
            var config = ToolstackConfig.defaults()
                    .withXenbus(XenbusConfig.defaults().withStepTimeout(Duration.ofMillis(200)));
            var toolstack = Toolstack.start(hv, config);
            var guest = toolstack.await(toolstack.createDomain(DomainConfig.of(1, "guest", 16)));
            toolstack.await(guest.frontends().register(EchoDrivers.frontend()));
            toolstack.await(toolstack.addDevice(DeviceConfig.of(EchoDrivers.TYPE, 1, 0, 0))); // no backend driver

            assertThat(timedOut.get(30, TimeUnit.SECONDS))
                    .contains("echo/0 frontend of dom1")
                    .contains("waiting for the backend to reach InitWait")
                    .contains("/local/domain/0/backend/echo/1/0/state");
            var front = guest.frontends().device(EchoDrivers.TYPE, 1, 0).orElseThrow();
            assertThat(front.failure()).isPresent();
            toolstack.close();
        }
    }
}
