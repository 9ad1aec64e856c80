package io.xensim.xenbus.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.bus.demo.EchoDrivers;
import io.xensim.xenbus.trace.TraceEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class XenbusHandshakeTest {
    private final BusFixture fx = new BusFixture();

    @AfterEach
    void cleanUp() {
        fx.close();
    }

    @Test
    void echoPairCompletesTheHandshakeInTheDocumentedOrder() {
        var guest = fx.guest(1);
        fx.registerEcho(guest);
        fx.registerEchoBackend();
        fx.addEcho(1, 0);

        assertThat(fx.front(guest, 0).state()).isEqualTo(XenbusState.CONNECTED);
        assertThat(fx.back(1, 0).state()).isEqualTo(XenbusState.CONNECTED);
        assertThat(fx.stateLines()).containsExactly(
                "d0 echo/1/0 backend Initialising -> InitWait (2)",
                "d1 echo/0 frontend Initialising -> Initialised (3)",
                "d0 echo/1/0 backend InitWait -> Connected (4)",
                "d1 echo/0 frontend Initialised -> Connected (4)");

        // The frontend published its ring-ref and event-channel in a transaction before going Initialised.
        List<TraceEvent> events = fx.trace.events();
        int ringRef = indexOf(events, 1, "XS_WRITE /local/domain/1/device/echo/0/ring-ref");
        int initialised = indexOf(events, 1, "frontend Initialising -> Initialised");
        int featureRead = indexOf(events, 1, "XS_READ /local/domain/0/backend/echo/1/0/feature-echo");
        int grant = indexOf(events, 1, "gnttab_grant_foreign_access");
        int backendMaps = indexOf(events, 0, "xenbus_map_ring dom1");
        assertThat(featureRead).isLessThan(grant);
        assertThat(grant).isLessThan(ringRef);
        assertThat(ringRef).isLessThan(initialised);
        assertThat(initialised).isLessThan(backendMaps);
        assertThat(events.get(ringRef).detail()).contains("(tx ");
        assertThat(fx.echoFront(guest, 0).backendFeatures()).hasValueSatisfying(f -> assertThat(f.echo()).isTrue());
    }

    @Test
    void requestsAndResponsesFlowOverTheNegotiatedRing() {
        var guest = fx.guest(1);
        fx.registerEcho(guest);
        fx.registerEchoBackend();
        fx.addEcho(1, 0);

        var front = fx.echoFront(guest, 0);
        List<CompletableFuture<Long>> replies = fx.onDomain(guest,
                () -> List.of(front.echo(7), front.echo(42), front.echo(-1)));
        assertThat(replies).allMatch(CompletableFuture::isDone);
        assertThat(replies.stream().map(CompletableFuture::join)).containsExactly(7L, 42L, -1L);
        assertThat(fx.echoBack(1, 0).served()).isEqualTo(3);
    }

    @Test
    void toolstackUnplugClosesFrontendThenBackendAndRemovesBothDirectories() {
        var guest = fx.guest(1);
        fx.registerEcho(guest);
        fx.registerEchoBackend();
        fx.addEcho(1, 0);
        fx.trace.clear();

        boolean clean = fx.toolstack.await(fx.toolstack.removeDevice(EchoDrivers.TYPE, 1, 0));
        fx.hv.runUntilIdle();

        assertThat(clean).isTrue();
        assertThat(fx.stateLines()).containsExactly(
                "d1 echo/0 frontend Connected -> Closed (6)",
                "d0 echo/1/0 backend Connected -> Closed (6)");
        assertThat(guest.frontends().devices()).isEmpty();
        assertThat(fx.toolstack.dom0().backends().devices()).isEmpty();
        assertThat(fx.toolstack.await(fx.toolstack.xs().readOptional("/local/domain/1/device/echo/0"))).isEmpty();
        assertThat(fx.toolstack.await(fx.toolstack.xs().readOptional("/local/domain/0/backend/echo/1/0")))
                .isEmpty();
        assertThat(guest.domain().grantTable().grantedCount() - reserved(guest)).isZero();
    }

    private static int reserved(io.xensim.xenbus.toolstack.ManagedDomain d) {
        int n = 0;
        for (int ref = 0; ref < 8; ref++) {
            if (d.domain().grantTable().isGranted(ref)) {
                n++;
            }
        }
        return n;
    }

    static int indexOf(List<TraceEvent> events, int domid, String detailPart) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).domid() == domid && events.get(i).detail().contains(detailPart)) {
                return i;
            }
        }
        throw new AssertionError("no event of d" + domid + " containing \"" + detailPart + "\" in:\n"
                + String.join("\n", events.stream().map(Object::toString).toList()));
    }
}
