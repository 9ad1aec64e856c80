package io.xensim.xenbus.event;

import static io.xensim.xenbus.event.Evtchn.EVTCHNSTAT_closed;
import static io.xensim.xenbus.event.Evtchn.EVTCHNSTAT_interdomain;
import static io.xensim.xenbus.event.Evtchn.EVTCHNSTAT_unbound;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Domain;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Domid;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.XenErrno;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class EventChannelsTest {
    private final Hypervisor hv = Hypervisor.create(ThreadingMode.INVOKER);
    private final Domain dom0 = hv.createDomain(DomainConfig.of(0, "dom0", 1));
    private final Domain guest = hv.createDomain(DomainConfig.of(1, "guest", 1));

    @AfterEach
    void close() {
        hv.close();
    }

    /** The guest offers a port to dom0, dom0 binds it: the usual frontend/backend order. */
    private int[] connect() {
        int guestPort = guest.eventChannels().allocUnbound(0);
        int backPort = dom0.eventChannels().bindInterdomain(1, guestPort);
        assertThat(guestPort).isPositive();
        assertThat(backPort).isPositive();
        return new int[] {guestPort, backPort};
    }

    @Test
    void allocUnboundReservesThePortForTheNamedDomain() {
        int port = guest.eventChannels().allocUnbound(0);
        assertThat(port).isEqualTo(1).as("port 0 is reserved");
        PortStatus status = guest.eventChannels().status(port);
        assertThat(status.status()).isEqualTo(EVTCHNSTAT_unbound);
        assertThat(status.remoteDomid()).isEqualTo(0);
        Domain third = hv.createDomain(DomainConfig.of(2, "third", 1));
        assertThat(third.eventChannels().bindInterdomain(1, port)).isEqualTo(-XenErrno.XEN_EINVAL);
    }

    @Test
    void bindConnectsBothEndsAndMarksTheNewPortPending() {
        int guestPort = guest.eventChannels().allocUnbound(0);
        int backPort = dom0.eventChannels().bindInterdomain(1, guestPort);
        assertThat(dom0.eventChannels().status(backPort))
                .extracting(PortStatus::status, PortStatus::remoteDomid, PortStatus::remotePort, PortStatus::pending)
                .containsExactly(EVTCHNSTAT_interdomain, 1, guestPort, true);
        assertThat(guest.eventChannels().status(guestPort).remotePort()).isEqualTo(backPort);
        List<Integer> events = new ArrayList<>();
        dom0.eventChannels().bindHandler(backPort, events::add);
        hv.runUntilIdle();
        assertThat(events).containsExactly(backPort);
    }

    @Test
    void bindErrors() {
        assertThat(dom0.eventChannels().bindInterdomain(9, 1)).isEqualTo(-XenErrno.XEN_ESRCH);
        assertThat(dom0.eventChannels().bindInterdomain(1, 1)).isEqualTo(-XenErrno.XEN_EINVAL);
        int[] ports = connect();
        assertThat(dom0.eventChannels().bindInterdomain(1, ports[0])).as("already bound")
                .isEqualTo(-XenErrno.XEN_EINVAL);
        assertThat(guest.eventChannels().allocUnbound(Domid.DOMID_IO)).isEqualTo(-XenErrno.XEN_EINVAL);
    }

    @Test
    void sendDeliversOnTheReceiversExecutorNotTheSenders() {
        int[] ports = connect();
        AtomicInteger onGuestExecutor = new AtomicInteger();
        guest.eventChannels().bindHandler(ports[0], port -> {
            if (guest.executor().inExecutor()) {
                onGuestExecutor.incrementAndGet();
            }
        });
        assertThat(dom0.eventChannels().send(ports[1])).isZero();
        assertThat(onGuestExecutor).hasValue(0).as("nothing runs on the sender's stack");
        hv.runUntilIdle();
        assertThat(onGuestExecutor).hasValue(1);
    }

    @Test
    void sendsWhilePendingCoalesceIntoOneUpcall() {
        int[] ports = connect();
        List<Integer> events = new ArrayList<>();
        guest.eventChannels().bindHandler(ports[0], events::add);
        for (int i = 0; i < 5; i++) {
            dom0.eventChannels().send(ports[1]);
        }
        hv.runUntilIdle();
        assertThat(events).hasSize(1);
        PortStatus sender = dom0.eventChannels().status(ports[1]);
        PortStatus receiver = guest.eventChannels().status(ports[0]);
        assertThat(sender.sent()).isEqualTo(5);
        assertThat(receiver.delivered()).isEqualTo(1);
        dom0.eventChannels().send(ports[1]);
        hv.runUntilIdle();
        assertThat(events).hasSize(2);
    }

    @Test
    void anEventRaisedDuringTheHandlerIsDeliveredAgain() {
        int[] ports = connect();
        List<Integer> events = new ArrayList<>();
        guest.eventChannels().bindHandler(ports[0], port -> {
            events.add(port);
            if (events.size() == 1) {
                dom0.eventChannels().send(ports[1]);
            }
        });
        dom0.eventChannels().send(ports[1]);
        hv.runUntilIdle();
        assertThat(events).hasSize(2);
    }

    @Test
    void maskedPortStaysPendingAndUnmaskDelivers() {
        int[] ports = connect();
        List<Integer> events = new ArrayList<>();
        guest.eventChannels().bindHandler(ports[0], events::add);
        guest.eventChannels().mask(ports[0]);
        dom0.eventChannels().send(ports[1]);
        hv.runUntilIdle();
        assertThat(events).isEmpty();
        assertThat(guest.eventChannels().status(ports[0]).pending()).isTrue();
        guest.eventChannels().unmask(ports[0]);
        hv.runUntilIdle();
        assertThat(events).containsExactly(ports[0]);
        assertThat(guest.eventChannels().status(ports[0]).pending()).isFalse();
    }

    @Test
    void anEventBeforeTheHandlerIsBoundWaitsForIt() {
        int[] ports = connect();
        dom0.eventChannels().send(ports[1]);
        hv.runUntilIdle();
        List<Integer> events = new ArrayList<>();
        guest.eventChannels().bindHandler(ports[0], events::add);
        hv.runUntilIdle();
        assertThat(events).containsExactly(ports[0]);
    }

    @Test
    void closeReturnsThePeerToUnboundAndItCanBeBoundAgain() {
        int[] ports = connect();
        assertThat(dom0.eventChannels().close(ports[1])).isZero();
        assertThat(dom0.eventChannels().status(ports[1]).status()).isEqualTo(EVTCHNSTAT_closed);
        PortStatus guestEnd = guest.eventChannels().status(ports[0]);
        assertThat(guestEnd.status()).isEqualTo(EVTCHNSTAT_unbound);
        assertThat(guestEnd.remoteDomid()).isEqualTo(0);
        assertThat(guest.eventChannels().send(ports[0])).as("unbound: dropped silently").isZero();
        assertThat(dom0.eventChannels().send(ports[1])).isEqualTo(-XenErrno.XEN_EINVAL);
        assertThat(dom0.eventChannels().close(ports[1])).isEqualTo(-XenErrno.XEN_EINVAL);
        assertThat(dom0.eventChannels().bindInterdomain(1, ports[0])).isPositive();
    }

    @Test
    void closedPortNumbersAreReusedLowestFirst() {
        int a = guest.eventChannels().allocUnbound(0);
        int b = guest.eventChannels().allocUnbound(0);
        guest.eventChannels().close(a);
        assertThat(guest.eventChannels().allocUnbound(0)).isEqualTo(a);
        assertThat(b).isEqualTo(a + 1);
    }

    @Test
    void portsRunOutAtTheTwoLevelLimit() {
        int last = 0;
        for (int i = 1; i < Evtchn.EVTCHN_2L_NR_CHANNELS; i++) {
            last = guest.eventChannels().allocUnbound(0);
        }
        assertThat(last).isEqualTo(Evtchn.EVTCHN_2L_NR_CHANNELS - 1);
        assertThat(guest.eventChannels().allocUnbound(0)).isEqualTo(-XenErrno.XEN_ENOSPC);
    }

    @Test
    void destroyingADomainUnbindsItsPeers() {
        int[] ports = connect();
        hv.destroyDomain(1);
        assertThat(dom0.eventChannels().status(ports[1]).status()).isEqualTo(EVTCHNSTAT_unbound);
        assertThat(dom0.eventChannels().send(ports[1])).isZero();
        dom0.eventChannels().close(ports[1]);
        hv.assertCleanedUp();
    }

    @Test
    void loopbackToSelf() {
        int port = guest.eventChannels().allocUnbound(Domid.DOMID_SELF);
        int other = guest.eventChannels().bindInterdomain(Domid.DOMID_SELF, port);
        List<Integer> events = new ArrayList<>();
        guest.eventChannels().bindHandler(port, events::add);
        guest.eventChannels().send(other);
        hv.runUntilIdle();
        assertThat(events).containsExactly(port);
    }

    @Test
    @Timeout(30)
    void twoDedicatedThreadsPingPongWithoutLosingAWakeup() throws InterruptedException {
        try (Hypervisor threaded = Hypervisor.create(ThreadingMode.DEDICATED)) {
            Domain a = threaded.createDomain(DomainConfig.of(0, "a", 1));
            Domain b = threaded.createDomain(DomainConfig.of(1, "b", 1));
            int bPort = b.eventChannels().allocUnbound(0);
            int aPort = a.eventChannels().bindInterdomain(1, bPort);
            int rounds = 20_000;
            AtomicLong pongs = new AtomicLong();
            CountDownLatch done = new CountDownLatch(1);
            b.eventChannels().bindHandler(bPort, port -> b.eventChannels().send(bPort));
            a.eventChannels().bindHandler(aPort, port -> {
                if (pongs.incrementAndGet() >= rounds) {
                    done.countDown();
                } else {
                    a.eventChannels().send(aPort);
                }
            });
            assertThat(done.await(20, TimeUnit.SECONDS)).isTrue();
            assertThat(threaded.uncaughtErrors()).isEmpty();
        }
    }
}
