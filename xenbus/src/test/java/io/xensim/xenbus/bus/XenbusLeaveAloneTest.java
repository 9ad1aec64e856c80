package io.xensim.xenbus.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.bus.demo.EchoDrivers;
import io.xensim.xenbus.toolstack.DeviceConfig;
import io.xensim.xenbus.toolstack.Toolstack;
import io.xensim.xenbus.trace.TraceEvent;
import io.xensim.xenbus.trace.TraceRecorder;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@link XenbusBus#leaveAlone}: the frontend bus does not probe a device left to an outside frontend (its backend
 * waits in InitWait for whoever drives it), says so once, and still probes the type's other devices.
 */
class XenbusLeaveAloneTest {
    private final TraceRecorder trace = new TraceRecorder();

    @Test
    void aLeftAloneDeviceIsNotProbedAndTheOthersAre() {
        try (var hv = Hypervisor.builder().threadingMode(ThreadingMode.INVOKER).tracer(trace).build()) {
            var toolstack = Toolstack.start(hv);
            var guest = toolstack.await(toolstack.createDomain(DomainConfig.of(1, "guest", 16)));
            guest.frontends().leaveAlone(EchoDrivers.TYPE, 0);
            toolstack.await(guest.frontends().register(EchoDrivers.frontend()));
            toolstack.await(toolstack.dom0().backends().register(EchoDrivers.backend()));
            toolstack.await(toolstack.addDevice(DeviceConfig.of(EchoDrivers.TYPE, 1, 0, 0)));
            toolstack.await(toolstack.addDevice(DeviceConfig.of(EchoDrivers.TYPE, 1, 0, 1)));
            hv.runUntilIdle();
            // The outside frontend writes under its directory: still nothing probes it, and no second trace line.
            toolstack.await(guest.frontends().xs().write("/local/domain/1/device/echo/0/feature-x", "1"));
            hv.runUntilIdle();

            assertThat(guest.frontends().leftAlone(EchoDrivers.TYPE, 0)).isTrue();
            assertThat(guest.frontends().device(EchoDrivers.TYPE, 1, 0)).isEmpty();
            assertThat(guest.frontends().device(EchoDrivers.TYPE, 1, 1).map(XenbusDevice::state))
                    .contains(XenbusState.CONNECTED);
            assertThat(trace.events(e -> e.kind() == TraceEvent.Kind.INFO
                    && e.detail().contains("left to an outside frontend"))).hasSize(1).first()
                    .satisfies(e -> assertThat(e.detail()).isEqualTo(
                            "not probing /local/domain/1/device/echo/0: left to an outside frontend"));
            assertThat(toolstack.await(guest.frontends().xs().readOptional(
                    "/local/domain/0/backend/echo/1/0/state"))).isEqualTo(Optional.of("2"));
            toolstack.close();
        }
    }

    @Test
    void aBackendBusRefusesAndABadDevidIsRefused() {
        try (var hv = Hypervisor.create(ThreadingMode.INVOKER)) {
            var toolstack = Toolstack.start(hv);
            assertThatThrownBy(() -> toolstack.dom0().backends().leaveAlone("vif", 0))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("backend bus");
            var guest = toolstack.await(toolstack.createDomain(DomainConfig.of(1, "guest", 16)));
            assertThatThrownBy(() -> guest.frontends().leaveAlone("vif", -1))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("devid: -1");
            toolstack.close();
        }
    }
}
