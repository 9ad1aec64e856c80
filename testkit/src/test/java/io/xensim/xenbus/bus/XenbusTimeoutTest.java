package io.xensim.xenbus.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.bus.demo.EchoDrivers;
import io.xensim.xenbus.toolstack.ManagedDomain;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every wait of the handshake ends, after the configured time on the manual clock, in an error that says why. */
@Timeout(30)
class XenbusTimeoutTest {
    private final BusFixture fx = new BusFixture();

    @AfterEach
    void cleanUp() {
        fx.close();
    }

    /** A backend that reaches InitWait and then never does anything else. */
    private static final XenbusDriver STUCK_BACKEND = new XenbusDriver() {
        @Override
        public String type() {
            return EchoDrivers.TYPE;
        }

        @Override
        public XenbusDeviceHandler probe(XenbusDevice device) {
            return new XenbusDeviceHandler() {
                @Override
                public void start() {
                    device.switchState(XenbusState.INIT_WAIT, "stuck from now on");
                }

                @Override
                public void otherendChanged(XenbusState otherendState) {
                }

                @Override
                public void remove() {
                }
            };
        }
    };

    private ManagedDomain guestWithEcho() {
        var guest = fx.guest(1);
        fx.registerEcho(guest);
        return guest;
    }

    /** Unplugs with nobody left to close the backend: the toolstack's own wait times out too. */
    private void forceUnplug() {
        var removal = fx.toolstack.removeDevice(EchoDrivers.TYPE, 1, 0);
        fx.hv.runUntilIdle();
        fx.expireTimeouts();
        assertThat(removal).isCompletedWithValue(false);
    }

    @Test
    void frontendWaitingForABackendThatNeverAppearsNamesTheBackendStateKey() {
        var guest = guestWithEcho();
        fx.addEcho(1, 0); // no backend driver in dom0
        XenbusDevice front = fx.front(guest, 0);
        assertThat(front.failure()).isEmpty();

        fx.clock.advanceNanos(BusFixture.TIMEOUT.toNanos() - 1);
        fx.toolstack.checkTimeouts();
        fx.hv.runUntilIdle();
        assertThat(front.failure()).as("not before the deadline").isEmpty();

        fx.expireTimeouts();

        assertThat(front.failure()).hasValueSatisfying(e -> {
            assertThat(e.getMessage()).isEqualTo("echo/0 frontend of dom1 (/local/domain/1/device/echo/0): timed out"
                    + " after 5000 ms waiting for the backend to reach InitWait; frontend Initialising, backend"
                    + " Initialising (/local/domain/0/backend/echo/1/0); missing: /local/domain/0/backend/echo/1/0"
                    + "/state = 2 (InitWait) or 3 (Initialised) or 4 (Connected), is 1 (Initialising)");
            assertThat(e.missingKey()).isEqualTo("/local/domain/0/backend/echo/1/0/state");
        });
        assertThat(front.state()).isEqualTo(XenbusState.CLOSING);
        assertThat(front.heldResources()).isZero();
        forceUnplug();
    }

    @Test
    void backendWaitingForAFrontendThatNeverPublishesNamesTheMissingRingRef() {
        fx.guest(1); // no frontend driver in the guest
        fx.registerEchoBackend();
        fx.addEcho(1, 0);
        XenbusDevice back = fx.back(1, 0);
        assertThat(back.state()).isEqualTo(XenbusState.INIT_WAIT);

        fx.expireTimeouts();

        assertThat(back.failure()).hasValueSatisfying(e -> {
            assertThat(e.getMessage()).startsWith("echo/1/0 backend of dom0 (/local/domain/0/backend/echo/1/0): "
                    + "timed out after 5000 ms waiting for the frontend to publish its transport")
                    .contains("backend InitWait, frontend Initialising (/local/domain/1/device/echo/0)")
                    .endsWith("missing: /local/domain/1/device/echo/0/ring-ref");
            assertThat(e.missingKey()).isEqualTo("/local/domain/1/device/echo/0/ring-ref");
        });
        assertThat(back.state()).isEqualTo(XenbusState.CLOSING);
        forceUnplug();
    }

    @Test
    void frontendWaitingForABackendThatNeverConnects() {
        var guest = guestWithEcho();
        fx.toolstack.await(fx.toolstack.dom0().backends().register(STUCK_BACKEND));
        fx.addEcho(1, 0);
        XenbusDevice front = fx.front(guest, 0);
        assertThat(front.state()).isEqualTo(XenbusState.INITIALISED);

        fx.expireTimeouts();

        assertThat(front.failure()).hasValueSatisfying(e -> assertThat(e.getMessage())
                .contains("waiting for the backend to connect; frontend Initialised, backend InitWait")
                .endsWith("missing: /local/domain/0/backend/echo/1/0/state = 4 (Connected), is 2 (InitWait)"));
        assertThat(front.state()).isEqualTo(XenbusState.CLOSING);
        assertThat(front.heldResources()).as("grants and ports given back").isZero();
        forceUnplug();
    }

    @Test
    void closeWaitingForABackendThatNeverFollows() {
        var guest = guestWithEcho();
        fx.toolstack.await(fx.toolstack.dom0().backends().register(STUCK_BACKEND));
        fx.addEcho(1, 0);
        XenbusDevice front = fx.front(guest, 0);

        fx.onDomainRun(guest, () -> fx.echoFront(guest, 0).close());
        assertThat(front.state()).isEqualTo(XenbusState.CLOSING);
        fx.expireTimeouts();

        assertThat(front.failure()).hasValueSatisfying(e -> assertThat(e.getMessage())
                .contains("waiting for the backend to follow to Closing; frontend Closing, backend InitWait")
                .endsWith("/local/domain/0/backend/echo/1/0/state = 5 (Closing) or 6 (Closed), is 2 (InitWait)"));
        forceUnplug();
    }

    @Test
    void aCompletedHandshakeLeavesNothingToTimeOut() {
        var guest = guestWithEcho();
        fx.registerEchoBackend();
        fx.addEcho(1, 0);

        fx.expireTimeouts();
        fx.expireTimeouts();

        assertThat(fx.front(guest, 0).failure()).isEmpty();
        assertThat(fx.back(1, 0).failure()).isEmpty();
        assertThat(fx.front(guest, 0).state()).isEqualTo(XenbusState.CONNECTED);
    }
}
