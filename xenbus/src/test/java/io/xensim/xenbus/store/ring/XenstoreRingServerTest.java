package io.xensim.xenbus.store.ring;

import static io.xensim.xenbus.grant.GrantEntryV1.GNTTAB_RESERVED_XENSTORE;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Domain;
import io.xensim.xenbus.DomainConfig;
import io.xensim.xenbus.Hypervisor;
import io.xensim.xenbus.ThreadingMode;
import io.xensim.xenbus.store.ManualExecutor;
import io.xensim.xenbus.store.client.XsClient;
import io.xensim.xenbus.store.client.XsErrorException;
import io.xensim.xenbus.store.server.ConnectionInfo;
import io.xensim.xenbus.store.server.Xenstored;
import io.xensim.xenbus.store.wire.XsError;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** INTRODUCE that cannot attach a ring fails with EINVAL, as in C, and leaves nothing behind. */
class XenstoreRingServerTest {
    private static void assertEinval(Throwable t) {
        assertThat(t).isInstanceOfSatisfying(XsErrorException.class,
                e -> assertThat(e.is(XsError.EINVAL)).isTrue());
    }

    @Test
    void withoutTheReservedGrantIntroduceIsEinval() {
        try (var pair = new RingPair()) {
            Domain guest = pair.guest(1);
            long gfn = guest.memory().allocateFrame();
            int port = guest.eventChannels().allocUnbound(0);

            assertEinval(pair.failure(pair.toolstack().introduce(1, gfn, port)));

            assertThat(pair.server.attachedDomains()).isEmpty();
            assertThat(pair.await(pair.toolstack().isDomainIntroduced(1))).isFalse();
            guest.eventChannels().close(port);
            pair.assertCleanedUp();
        }
    }

    @Test
    void aGuestWithoutAFreeFrameGetsANamedEnomemAndNothingIsGrantedOrBound() {
        try (var pair = new RingPair()) {
            Domain guest = pair.guest(1);
            List<Long> taken = new ArrayList<>();
            for (long gfn = guest.memory().allocateFrame(); gfn >= 0; gfn = guest.memory().allocateFrame()) {
                taken.add(gfn);
            }

            Throwable error = pair.failure(pair.server.setUpGuest(guest));

            assertThat(error).hasMessageStartingWith("dom1: no frame for the xenstore ring: ENOMEM");
            assertThat(guest.grantTable().isGranted(GNTTAB_RESERVED_XENSTORE)).isFalse();
            assertThat(guest.eventChannels().openPorts()).isZero();
            taken.forEach(guest.memory()::freeFrame);
            pair.assertCleanedUp();
        }
    }

    @Test
    void aPortTheGuestDidNotOfferIsEinvalAndTheMappingIsUndone() {
        try (var pair = new RingPair()) {
            Domain guest = pair.guest(1);
            long gfn = guest.memory().allocateFrame();
            guest.grantTable().grantReserved(GNTTAB_RESERVED_XENSTORE, 0, gfn, false);

            assertEinval(pair.failure(pair.toolstack().introduce(1, gfn, 42)));

            assertThat(pair.dom0.grantOps().activeMappings()).isZero();
            assertThat(guest.grantTable().endForeignAccess(GNTTAB_RESERVED_XENSTORE)).isTrue();
            pair.assertCleanedUp();
        }
    }

    @Test
    void xenstoredOffTheDomainsExecutorCannotAttachRings() {
        try (Hypervisor hv = Hypervisor.create(ThreadingMode.INVOKER)) {
            Domain dom0 = hv.createDomain(DomainConfig.of(0, "dom0", 16));
            Domain guest = hv.createDomain(DomainConfig.of(1, "guest", 16));
            var executor = new ManualExecutor();
            var xenstored = new Xenstored(executor);
            XenstoreRingServer.install(dom0, xenstored);
            long gfn = guest.memory().allocateFrame();
            guest.grantTable().grantReserved(GNTTAB_RESERVED_XENSTORE, 0, gfn, false);
            int port = guest.eventChannels().allocUnbound(0);
            var toolstack = XsClient.connect(xenstored, ConnectionInfo.dom0("toolstack"), executor);

            var introduce = toolstack.introduce(1, gfn, port);
            executor.runAll();
            assertThat(introduce).isCompletedExceptionally();
            assertEinval(introduce.handle((v, e) -> e.getCause()).join());

            toolstack.close();
            executor.runAll();
            guest.eventChannels().close(port);
            hv.assertCleanedUp();
        }
    }
}
