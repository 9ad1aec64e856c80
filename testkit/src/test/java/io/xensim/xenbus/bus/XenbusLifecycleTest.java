package io.xensim.xenbus.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.xenbus.bus.demo.EchoDrivers;
import io.xensim.xenbus.toolstack.ManagedDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Close, reconnect, hot-plug, illegal transitions and isolation between guests. */
@Timeout(30)
class XenbusLifecycleTest {
    private final BusFixture fx = new BusFixture();

    @AfterEach
    void cleanUp() {
        fx.close();
    }

    private ManagedDomain connectedGuest(int domid, int devices) {
        var guest = fx.guest(domid);
        fx.registerEcho(guest);
        for (int devid = 0; devid < devices; devid++) {
            fx.addEcho(domid, devid);
        }
        return guest;
    }

    @Test
    void backendDisappearsMidConnectionThenComesBackAndTheFrontendReconnectsAndReissues() {
        fx.registerEchoBackend();
        var guest = connectedGuest(1, 1);
        var front = fx.echoFront(guest, 0);
        int firstRef = Integer.parseInt(fx.toolstack.await(guest.xs().readOptional(
                fx.front(guest, 0).nodename() + "/ring-ref")).orElseThrow());
        fx.trace.clear();

        fx.toolstack.await(fx.toolstack.removeBackend(EchoDrivers.TYPE, 1, 0));
        fx.hv.runUntilIdle();

        assertThat(fx.front(guest, 0).state()).isEqualTo(XenbusState.CLOSED);
        assertThat(fx.toolstack.dom0().backends().devices()).isEmpty();
        assertThat(fx.front(guest, 0).heldResources()).isZero();
        assertThat(guest.domain().grantTable().isGranted(firstRef)).isFalse();

        // A request made while the backend is away waits for the next connection.
        CompletableFuture<Long> reply = fx.onDomain(guest, () -> front.echo(99));
        assertThat(reply).isNotDone();
        fx.trace.clear();

        fx.toolstack.await(fx.toolstack.restoreBackend(EchoDrivers.TYPE, 1, 0));
        fx.hv.runUntilIdle();

        // The frontend returns to Initialising as soon as it sees the backend's directory again.
        assertThat(fx.stateLines()).containsExactly(
                "d1 echo/0 frontend Closed -> Initialising (1)",
                "d0 echo/1/0 backend Initialising -> InitWait (2)",
                "d1 echo/0 frontend Initialising -> Initialised (3)",
                "d0 echo/1/0 backend InitWait -> Connected (4)",
                "d1 echo/0 frontend Initialised -> Connected (4)");
        assertThat(front.connectionCount()).isEqualTo(2);
        assertThat(reply).isCompletedWithValue(99L);
        assertThat(fx.onDomain(guest, () -> front.echo(5))).isCompletedWithValue(5L);
    }

    @Test
    void frontendInitiatedCloseGoesClosingThenBothEndsClosed() {
        fx.registerEchoBackend();
        var guest = connectedGuest(1, 1);
        fx.trace.clear();

        fx.onDomainRun(guest, () -> fx.echoFront(guest, 0).close());

        assertThat(fx.stateLines()).containsExactly(
                "d1 echo/0 frontend Connected -> Closing (5)",
                "d0 echo/1/0 backend Connected -> Closing (5)",
                "d1 echo/0 frontend Closing -> Closed (6)",
                "d0 echo/1/0 backend Closing -> Closed (6)");
        assertThat(fx.front(guest, 0).heldResources()).isZero();
        assertThat(fx.back(1, 0).heldResources()).isZero();
        // A frontend closed on purpose stays closed.
        assertThat(fx.front(guest, 0).state()).isEqualTo(XenbusState.CLOSED);
        assertThat(fx.toolstack.await(fx.toolstack.removeDevice(EchoDrivers.TYPE, 1, 0))).isTrue();
    }

    @Test
    void hotPlugWhileRunningAndHotUnplugOfAConnectedDevice() {
        fx.registerEchoBackend();
        var guest = connectedGuest(1, 1);

        fx.addEcho(1, 1); // hot-plug: the guest is running and its first device is connected
        assertThat(fx.front(guest, 1).state()).isEqualTo(XenbusState.CONNECTED);
        assertThat(fx.back(1, 1).state()).isEqualTo(XenbusState.CONNECTED);

        assertThat(fx.toolstack.await(fx.toolstack.removeDevice(EchoDrivers.TYPE, 1, 0))).isTrue();
        fx.hv.runUntilIdle();

        assertThat(guest.frontends().devices().keySet()).containsExactly("/local/domain/1/device/echo/1");
        assertThat(fx.onDomain(guest, () -> fx.echoFront(guest, 1).echo(11))).isCompletedWithValue(11L);
    }

    @Test
    void anIllegalTransitionIsRefusedWithTheDeviceAndBothStatesNamed() {
        fx.registerEchoBackend();
        var guest = connectedGuest(1, 1);
        XenbusDevice front = fx.front(guest, 0);

        RuntimeException refused = fx.onDomain(guest, () -> {
            try {
                front.switchState(XenbusState.INITIALISING, "test");
                return null;
            } catch (IllegalStateException e) {
                return e;
            }
        });
        assertThat(refused).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("echo/0 frontend of dom1 (/local/domain/1/device/echo/0)")
                .hasMessageContaining("illegal transition Connected -> Initialising")
                .hasMessageContaining("[Closing, Closed, Reconfiguring]");
        assertThat(front.state()).isEqualTo(XenbusState.CONNECTED);
        assertThat(fx.toolstack.await(guest.xs().readOptional(front.nodename() + "/state"))).contains("4");
    }

    @Test
    void theStateKeyIsTheSourceOfTruth() {
        var guest = fx.guest(1);
        fx.registerEcho(guest);
        fx.addEcho(1, 0); // no backend driver: the frontend waits in Initialising
        XenbusDevice front = fx.front(guest, 0);
        assertThat(front.state()).isEqualTo(XenbusState.INITIALISING);
        // The key says Closed (written behind the driver's back): Initialised is not reachable from there.
        fx.toolstack.await(fx.toolstack.xs().write(front.nodename() + "/state", "6"));

        var result = fx.onDomain(guest, () -> front.switchState(XenbusState.INITIALISED, "test"));

        assertThat(result).isCompletedExceptionally();
        assertThatThrownBy(result::join).hasMessageContaining("illegal transition Closed -> Initialised");
        assertThat(front.state()).isEqualTo(XenbusState.CLOSED);
        assertThat(fx.toolstack.await(guest.xs().readOptional(front.nodename() + "/state"))).contains("6");
        fx.onDomainRun(guest, front::clearExpectation);
        // Nobody drives the backend to Closed: the unplug gives up waiting and removes the directories anyway.
        var removal = fx.toolstack.removeDevice(EchoDrivers.TYPE, 1, 0);
        fx.hv.runUntilIdle();
        assertThat(removal).isNotDone();
        fx.expireTimeouts();
        assertThat(removal).isCompletedWithValue(false);
        assertThat(guest.frontends().devices()).isEmpty();
    }

    @Test
    void twoGuestsWithSeveralDevicesEachDoNotInterfere() {
        fx.registerEchoBackend();
        var g1 = connectedGuest(1, 3);
        var g2 = connectedGuest(2, 3);

        List<CompletableFuture<Long>> replies = new ArrayList<>();
        for (int devid = 0; devid < 3; devid++) {
            int d = devid;
            replies.add(fx.onDomain(g1, () -> fx.echoFront(g1, d).echo(100 + d)));
            replies.add(fx.onDomain(g2, () -> fx.echoFront(g2, d).echo(200 + d)));
        }
        assertThat(replies.stream().map(CompletableFuture::join)).containsExactly(100L, 200L, 101L, 201L, 102L, 202L);
        for (int devid = 0; devid < 3; devid++) {
            assertThat(fx.echoBack(1, devid).served()).isEqualTo(1);
            assertThat(fx.echoBack(2, devid).served()).isEqualTo(1);
        }

        // Unplugging one of g1's devices and destroying g2 leave g1's other devices connected and working.
        fx.toolstack.await(fx.toolstack.removeDevice(EchoDrivers.TYPE, 1, 1));
        fx.toolstack.await(fx.toolstack.destroyDomain(2));
        fx.hv.runUntilIdle();

        assertThat(fx.toolstack.dom0().backends().devices().keySet()).containsExactlyInAnyOrder(
                "/local/domain/0/backend/echo/1/0", "/local/domain/0/backend/echo/1/2");
        for (int devid : new int[] {0, 2}) {
            assertThat(fx.front(g1, devid).state()).isEqualTo(XenbusState.CONNECTED);
            int d = devid;
            assertThat(fx.onDomain(g1, () -> fx.echoFront(g1, d).echo(7))).isCompletedWithValue(7L);
        }
        assertThat(fx.hv.domain(2)).isEmpty();
    }

    @Test
    void destroyingAConnectedGuestReleasesItFromXenstoreAndFreesEverything() {
        fx.registerEchoBackend();
        connectedGuest(1, 2);
        List<String> released = new ArrayList<>();
        fx.toolstack.await(fx.toolstack.xs().watch("@releaseDomain", "t", (p, t) -> released.add(p)));
        fx.hv.runUntilIdle();
        released.clear();

        fx.toolstack.await(fx.toolstack.destroyDomain(1));
        fx.hv.runUntilIdle();

        assertThat(released).contains("@releaseDomain");
        assertThat(fx.toolstack.await(fx.toolstack.xs().readOptional("/local/domain/1"))).isEmpty();
        assertThat(fx.toolstack.dom0().backends().devices()).isEmpty();
        assertThat(fx.hv.domain(1)).isEmpty();
        assertThat(fx.hv.dyingDomains()).isEmpty();
        fx.toolstack.await(fx.toolstack.xs().unwatch("@releaseDomain", "t"));
    }

    @Test
    void aFrontendPublishingABadRingRefClosesOnlyItsOwnDevice() {
        fx.registerEchoBackend();
        var guest = connectedGuest(1, 1);
        var bad = fx.guest(2);
        // A misbehaving frontend: writes a ring-ref it never granted and goes Initialised by hand.
        toolstackAddEchoWithoutDriver(2, 0);
        String fe = "/local/domain/2/device/echo/0";
        fx.toolstack.await(bad.xs().write(fe + "/ring-ref", "4000"));
        fx.toolstack.await(bad.xs().write(fe + "/event-channel", "1"));
        fx.toolstack.await(bad.xs().write(fe + "/state", "3"));
        fx.hv.runUntilIdle();

        XenbusDevice back = fx.back(2, 0);
        assertThat(back.state()).isEqualTo(XenbusState.CLOSING);
        assertThat(back.fatalError()).hasValueSatisfying(m -> assertThat(m)
                .contains("map of dom2 refs [4000]").contains("GNTST_"));
        assertThat(back.heldResources()).isZero();
        assertThat(fx.hv.uncaughtErrors()).isEmpty();
        // As Linux's xenbus_dev_fatal, the reason is recorded under dom0's error/ directory for the toolstack.
        assertThat(back.errorNode()).isEqualTo("/local/domain/0/error/backend/echo/2/0/error");
        assertThat(fx.toolstack.await(fx.toolstack.xs().readOptional(back.errorNode())))
                .hasValueSatisfying(v -> assertThat(v).startsWith("5 ").contains("map of dom2 refs [4000]"));
        // The other guest's device is untouched.
        assertThat(fx.onDomain(guest, () -> fx.echoFront(guest, 0).echo(3))).isCompletedWithValue(3L);
    }

    private void toolstackAddEchoWithoutDriver(int domid, int devid) {
        fx.addEcho(domid, devid);
    }
}
