package io.xensim.xenbus.bus;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.bus.demo.EchoBackend;
import io.xensim.xenbus.bus.demo.EchoDrivers;
import io.xensim.xenbus.bus.demo.EchoFrontend;
import io.xensim.xenbus.bus.demo.EchoRequest;
import io.xensim.xenbus.bus.demo.EchoResponse;
import io.xensim.xenbus.grant.GrantEntryV1;
import io.xensim.xenbus.memory.Layouts;
import io.xensim.xenbus.ring.SringDescriptor;
import io.xensim.xenbus.toolstack.ManagedDomain;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the device model offers drivers, shown with the echo drivers: a key set that depends on what was read (the
 * ring order chosen from the backend's maximum), a rogue peer's keys, running out of guest memory, the grant pool,
 * tracked watches, {@code xenbus_switch_state} semantics. Every test ends in BusFixture's clean-up check.
 */
@Timeout(30)
class XenbusDeviceModelTest {
    private final BusFixture fx = new BusFixture();

    @AfterEach
    void cleanUp() {
        fx.close();
    }

    private ManagedDomain guestWith(int wantedOrder, int backendMaxOrder) {
        var guest = fx.guest(1);
        fx.toolstack.await(guest.frontends().register(EchoDrivers.frontend(wantedOrder)));
        fx.toolstack.await(fx.toolstack.dom0().backends().register(EchoDrivers.backend(backendMaxOrder)));
        return guest;
    }

    private Optional<String> read(String path) {
        return fx.toolstack.await(fx.toolstack.xs().readOptional(path));
    }

    private void write(ManagedDomain domain, String path, String value) {
        fx.toolstack.await(domain.xs().write(path, value));
        fx.hv.runUntilIdle();
    }

    // ------------------------------------------------------------------------------------------ variable keys

    @ParameterizedTest(name = "frontend wants order {0}, backend offers {1}: order {2}")
    @CsvSource({"0, 2, 0", "4, 2, 2", "1, 2, 1", "3, 0, 0", "4, 4, 4"})
    void theRingOrderIsTheSmallerOfWhatTheFrontendWantsAndTheBackendOffers(int wanted, int offered, int order) {
        var guest = guestWith(wanted, offered);
        fx.addEcho(1, 0);

        XenbusDevice front = fx.front(guest, 0);
        assertThat(front.state()).isEqualTo(XenbusState.CONNECTED);
        assertThat(read(fx.back(1, 0).nodename() + "/max-ring-page-order")).contains(Integer.toString(offered));
        String fe = front.nodename();
        if (order == 0) {
            // blkfront writes a one-page ring the old way: ring-ref, and no ring-page-order.
            assertThat(read(fe + "/ring-ref")).isPresent();
            assertThat(read(fe + "/ring-page-order")).isEmpty();
            assertThat(read(fe + "/ring-ref0")).isEmpty();
        } else {
            assertThat(read(fe + "/ring-page-order")).contains(Integer.toString(order));
            assertThat(read(fe + "/ring-ref")).isEmpty();
            for (int i = 0; i < 1 << order; i++) {
                assertThat(read(fe + "/ring-ref" + i)).as("ring-ref" + i).isPresent();
            }
            assertThat(read(fe + "/ring-ref" + (1 << order))).isEmpty();
        }
        EchoFrontend echo = fx.echoFront(guest, 0);
        EchoBackend back = fx.echoBack(1, 0);
        assertThat(echo.ringPageOrder()).isEqualTo(order);
        assertThat(back.ringPageOrder()).as("the backend read whichever key set exists").isEqualTo(order);

        // Fill the whole negotiated ring at once: every slot of every page carries a request.
        int slots = EchoDrivers.RING.size(order);
        List<CompletableFuture<Long>> replies = fx.onDomain(guest, () -> {
            List<CompletableFuture<Long>> out = new ArrayList<>();
            for (int i = 0; i < slots; i++) {
                out.add(echo.echo(1000 + i));
            }
            return out;
        });
        fx.hv.runUntilIdle();
        for (int i = 0; i < slots; i++) {
            assertThat(replies.get(i)).isCompletedWithValue(1000L + i);
        }
        assertThat(back.served()).isEqualTo(slots);
        assertThat(fx.toolstack.await(fx.toolstack.removeDevice(EchoDrivers.TYPE, 1, 0))).isTrue();
    }

    /** A misbehaving frontend: writes its keys by hand and goes Initialised; nothing of its own was granted. */
    private XenbusDevice rogueFrontendWrites(String... keyValues) {
        var rogue = fx.guest(2);
        fx.toolstack.await(fx.toolstack.dom0().backends().register(EchoDrivers.backend(2)));
        fx.addEcho(2, 0); // no frontend driver in dom2
        String fe = "/local/domain/2/device/echo/0";
        for (int i = 0; i < keyValues.length; i += 2) {
            fx.toolstack.await(rogue.xs().write(fe + "/" + keyValues[i], keyValues[i + 1]));
        }
        write(rogue, fe + "/state", "3");
        return fx.back(2, 0);
    }

    @Test
    void aRingOrderAboveTheBackendsMaximumFailsTheBackendWithEinvalAndLeaksNothing() {
        XenbusDevice back = rogueFrontendWrites("ring-page-order", "9", "ring-ref0", "8", "event-channel", "1");

        assertThat(back.state()).isEqualTo(XenbusState.CLOSING);
        assertThat(back.fatalError()).hasValueSatisfying(m -> assertThat(m)
                .isEqualTo("connecting to the frontend: requested ring page order 9 exceeds max-ring-page-order 2"
                        + " (/local/domain/2/device/echo/0/ring-page-order)"));
        assertThat(read(back.errorNode())).hasValueSatisfying(v -> assertThat(v).startsWith("22 ")); // EINVAL
        assertThat(back.heldResources()).isZero();
        assertThat(((BackendDevice) back.handler()).phase()).isEqualTo(BackendDevice.Phase.FAILED);
        assertThat(fx.hv.uncaughtErrors()).isEmpty();
        assertThat(fx.trace.events(e -> e.domid() == 0 && e.detail().contains("xenbus_map_ring")))
                .as("nothing mapped").isEmpty();
    }

    @Test
    void aMissingPageOfAMultiPageRingNamesTheKey() {
        XenbusDevice back = rogueFrontendWrites("ring-page-order", "1", "ring-ref0", "8", "event-channel", "1");

        assertThat(back.fatalError()).contains(
                "connecting to the frontend: missing key /local/domain/2/device/echo/0/ring-ref1");
        assertThat(read(back.errorNode())).hasValueSatisfying(v -> assertThat(v).startsWith("2 ")); // ENOENT
        assertThat(back.heldResources()).isZero();
    }

    @Test
    void aNonAsciiOrderIsNoNumberSoTheDefaultOnePageRingIsRead() {
        // "١" (ARABIC-INDIC DIGIT ONE) is not 1: xenbus_read_unsigned gives the default 0, so ring-ref is wanted.
        XenbusDevice back = rogueFrontendWrites("ring-page-order", "\u0661", "ring-ref0", "8", "ring-ref1", "9",
                "event-channel", "1");

        assertThat(back.fatalError()).hasValue(
                "connecting to the frontend: missing key /local/domain/2/device/echo/0/ring-ref");
    }

    @Test
    void aMalformedRefIsEinvalNamingThePathAndTheValue() {
        XenbusDevice back = rogueFrontendWrites("ring-ref", "\u0664\u0662", "event-channel", "1");

        assertThat(back.fatalError()).hasValueSatisfying(m -> assertThat(m)
                .startsWith("connecting to the frontend: reading /local/domain/2/device/echo/0/ring-ref: ")
                .contains("\\u0664\\u0662"));
        assertThat(read(back.errorNode())).hasValueSatisfying(v -> assertThat(v).startsWith("22 "));
    }

    // ------------------------------------------------------------------------------------------ guest memory

    @Test
    void runningOutOfGuestMemoryFailsTheFrontendWithEnomemAndItCloses() {
        var guest = guestWith(0, 2);
        var memory = guest.domain().memory();
        List<Long> taken = fx.onDomain(guest, () -> {
            List<Long> gfns = new ArrayList<>();
            for (long gfn = memory.allocateFrame(); gfn >= 0; gfn = memory.allocateFrame()) {
                gfns.add(gfn);
            }
            return gfns;
        });
        assertThat(taken).isNotEmpty();

        fx.addEcho(1, 0);

        XenbusDevice front = fx.front(guest, 0);
        assertThat(front.fatalError()).hasValueSatisfying(m -> assertThat(m)
                .startsWith("talking to the backend: allocating 1 ring page(s): guest memory of dom1 exhausted"));
        assertThat(read(front.errorNode())).hasValueSatisfying(v -> assertThat(v)
                .startsWith("12 talking to the backend: allocating 1 ring page(s)")); // ENOMEM
        // The backend followed to Closing, and the frontend to Closed: a named failure, not an exception.
        assertThat(front.state()).isEqualTo(XenbusState.CLOSED);
        assertThat(fx.back(1, 0).state()).isIn(XenbusState.CLOSING, XenbusState.CLOSED);
        assertThat(front.heldResources()).isZero();
        assertThat(fx.hv.uncaughtErrors()).isEmpty();
        fx.onDomainRun(guest, () -> taken.forEach(memory::freeFrame));
        assertThat(fx.toolstack.await(fx.toolstack.removeDevice(EchoDrivers.TYPE, 1, 0))).isTrue();
    }

    // ------------------------------------------------------------------------------------------ state

    @Test
    void switchingToTheStateAnEndAlreadyHasWritesNothing() {
        var guest = guestWith(0, 2);
        fx.addEcho(1, 0);
        XenbusDevice front = fx.front(guest, 0);
        assertThat(front.state()).isEqualTo(XenbusState.CONNECTED);
        fx.trace.clear();

        var result = fx.onDomain(guest, () -> front.switchState(XenbusState.CONNECTED, "again"));

        assertThat(result).isCompleted();
        assertThat(fx.trace.events()).as("no request, no state line, no watch event on either side").isEmpty();
        assertThat(fx.toolstack.await(fx.toolstack.removeDevice(EchoDrivers.TYPE, 1, 0))).isTrue();
    }

    @Test
    void eachEndIsInOnePhaseThatFollowsTheHandshake() {
        var guest = guestWith(0, 2);
        fx.addEcho(1, 0);
        var front = fx.echoFront(guest, 0);
        var back = fx.echoBack(1, 0);
        assertThat(front.phase()).isEqualTo(FrontendDevice.Phase.CONNECTED);
        assertThat(back.phase()).isEqualTo(BackendDevice.Phase.CONNECTED);

        fx.onDomainRun(guest, front::close);

        assertThat(front.phase()).isEqualTo(FrontendDevice.Phase.UNPLUGGED);
        assertThat(back.phase()).isEqualTo(BackendDevice.Phase.CLOSED);
        assertThat(fx.toolstack.await(fx.toolstack.removeDevice(EchoDrivers.TYPE, 1, 0))).isTrue();
    }

    // ------------------------------------------------------------------------------------------ resources

    @Test
    void aDataPageStillMappedByTheBackendIsRevokedAndFreedOnlyWhenItLetsGo() {
        var guest = guestWith(0, 2);
        fx.addEcho(1, 0);
        XenbusDevice front = fx.front(guest, 0);
        var memory = guest.domain().memory();
        long framesBefore = fx.onDomain(guest, memory::allocatedFrames);
        GrantPool.DataPage page = fx.onDomain(guest, () -> front.grantPool().allocate(false));
        page.page().set(Layouts.U32, 0, 0xCAFE);
        var dom0 = fx.toolstack.dom0().domain();
        var mapped = fx.onDomain(fx.toolstack.dom0(),
                () -> dom0.grantOps().mapGrantRef(1, page.ref(), GrantEntryV1.GNTMAP_host_map));
        assertThat(mapped.ok()).isTrue();
        assertThat(mapped.area().get(Layouts.U32, 0)).isEqualTo(0xCAFE);
        assertThat(front.heldResources()).as("ring, port, data page").isEqualTo(3);

        // The frontend goes (the guest unplugs it): the ring and port go at once; the mapped page waits.
        fx.onDomainRun(guest, () -> fx.echoFront(guest, 0).close());
        assertThat(front.grantPool().live()).isZero();
        assertThat(guest.domain().grantTable().deferredCount()).isEqualTo(1);
        assertThat(guest.domain().grantTable().isGranted(page.ref())).isTrue();
        // The ring page went back when the backend unmapped it; the data page is kept.
        assertThat(fx.onDomain(guest, memory::allocatedFrames)).as("the frame is kept").isEqualTo(framesBefore);

        fx.onDomainRun(fx.toolstack.dom0(), () -> dom0.grantOps().unmapGrantRef(mapped.handle()));

        assertThat(guest.domain().grantTable().deferredCount()).isZero();
        assertThat(guest.domain().grantTable().isGranted(page.ref())).isFalse();
        assertThat(fx.onDomain(guest, memory::allocatedFrames)).isEqualTo(framesBefore - 1);
        assertThat(fx.toolstack.await(fx.toolstack.removeDevice(EchoDrivers.TYPE, 1, 0))).isTrue();
    }

    @Test
    void anEndedDataPageIsRecycledZeroedAndAStillMappedOneOnlyAfterRevocation() {
        var guest = guestWith(0, 2);
        fx.addEcho(1, 0);
        XenbusDevice front = fx.front(guest, 0);
        var memory = guest.domain().memory();
        GrantPool.DataPage first = fx.onDomain(guest, () -> front.grantPool().allocate(false));
        first.page().set(Layouts.U32, 100, 0xCAFE);
        fx.onDomainRun(guest, () -> front.grantPool().free(first));
        assertThat(front.grantPool().spares()).isEqualTo(1);
        long framesInUse = fx.onDomain(guest, memory::allocatedFrames);

        // The same frame comes back, granted again, with none of what it held.
        GrantPool.DataPage again = fx.onDomain(guest, () -> front.grantPool().allocate(false));
        assertThat(again.gfn()).isEqualTo(first.gfn());
        assertThat(again.page().get(Layouts.U32, 100)).isZero();
        assertThat(fx.onDomain(guest, memory::allocatedFrames)).isEqualTo(framesInUse);
        assertThat(front.grantPool().spares()).isZero();

        // Still mapped by the backend when freed: not reused until the revocation completes.
        again.page().set(Layouts.U32, 0, 0xBEEF);
        var dom0 = fx.toolstack.dom0().domain();
        var mapped = fx.onDomain(fx.toolstack.dom0(),
                () -> dom0.grantOps().mapGrantRef(1, again.ref(), GrantEntryV1.GNTMAP_host_map));
        assertThat(mapped.ok()).isTrue();
        fx.onDomainRun(guest, () -> front.grantPool().free(again));
        assertThat(front.grantPool().spares()).isZero();
        GrantPool.DataPage other = fx.onDomain(guest, () -> front.grantPool().allocate(false));
        assertThat(other.gfn()).isNotEqualTo(again.gfn());
        assertThat(mapped.area().get(Layouts.U32, 0)).as("the mapped frame is untouched").isEqualTo(0xBEEF);
        fx.onDomainRun(fx.toolstack.dom0(), () -> dom0.grantOps().unmapGrantRef(mapped.handle()));
        assertThat(front.grantPool().spares()).isEqualTo(1);

        // Closing gives the spares back to guest memory.
        long beforeClose = fx.onDomain(guest, memory::allocatedFrames);
        fx.onDomainRun(guest, () -> fx.echoFront(guest, 0).close());
        assertThat(front.grantPool().spares()).isZero();
        assertThat(fx.onDomain(guest, memory::allocatedFrames)).isLessThanOrEqualTo(beforeClose - 2);
        assertThat(fx.toolstack.await(fx.toolstack.removeDevice(EchoDrivers.TYPE, 1, 0))).isTrue();
    }

    @Test
    void theEchoDriversCarryDataPagesFromTheGrantPoolAndGiveThemBack() {
        var guest = guestWith(0, 2);
        fx.addEcho(1, 0);
        var echo = fx.echoFront(guest, 0);
        byte[] page = new byte[Layouts.XEN_PAGE_SIZE];
        for (int i = 0; i < page.length; i++) {
            page[i] = (byte) (i * 7);
        }
        byte[] reversedPage = new byte[page.length];
        for (int i = 0; i < page.length; i++) {
            reversedPage[i] = page[page.length - 1 - i];
        }

        var small = fx.onDomain(guest, () -> echo.reverse("hello, xen".getBytes(StandardCharsets.US_ASCII)));
        var full = fx.onDomain(guest, () -> echo.reverse(page));
        var value = fx.onDomain(guest, () -> echo.echo(3));

        assertThat(small).isCompleted();
        assertThat(small.join()).containsExactly("nex ,olleh".getBytes(StandardCharsets.US_ASCII));
        assertThat(full).isCompleted();
        assertThat(full.join()).containsExactly(reversedPage);
        assertThat(value).isCompletedWithValue(3L);
        assertThat(fx.front(guest, 0).grantPool().live()).as("every page given back with its response").isZero();
        assertThat(fx.echoBack(1, 0).served()).isEqualTo(3);
        assertThat(fx.toolstack.await(fx.toolstack.removeDevice(EchoDrivers.TYPE, 1, 0))).isTrue();
    }

    @Test
    void aBadRequestGetsAnErrorResponseAndTheNextRequestIsStillServed() {
        var guest = guestWith(0, 2);
        fx.addEcho(1, 0);
        XenbusDevice front = fx.front(guest, 0);
        int ref = Integer.parseUnsignedInt(read(front.nodename() + "/ring-ref").orElseThrow());
        int port = Integer.parseUnsignedInt(read(front.nodename() + "/event-channel").orElseThrow());
        var dom0 = fx.toolstack.dom0().domain();
        var scribble = fx.onDomain(fx.toolstack.dom0(),
                () -> dom0.grantOps().mapGrantRef(1, ref, GrantEntryV1.GNTMAP_host_map));
        assertThat(scribble.ok()).isTrue();
        // Three requests a buggy frontend might write: a page ref it never granted, a length past the page, and a
        // good one.
        new EchoRequest(77, 4000, 10).encode(slot(scribble.area(), 0));
        new EchoRequest(78, 8, 5000).encode(slot(scribble.area(), 1));
        new EchoRequest(79, 5).encode(slot(scribble.area(), 2));
        scribble.area().set(Layouts.U32, SringDescriptor.REQ_PROD_OFFSET, 3);
        fx.onDomainRun(guest, () -> guest.domain().eventChannels().send(port));

        EchoBackend back = fx.echoBack(1, 0);
        assertThat(back.rejected()).isEqualTo(2);
        assertThat(back.served()).isEqualTo(1);
        assertThat(fx.back(1, 0).state()).isEqualTo(XenbusState.CONNECTED);
        assertThat(scribble.area().get(Layouts.U32, SringDescriptor.RSP_PROD_OFFSET)).isEqualTo(3);
        assertThat(slot(scribble.area(), 0).get(Layouts.U32, EchoResponse.STATUS_OFFSET))
                .isEqualTo(EchoResponse.ECHO_RSP_ERROR);
        assertThat(slot(scribble.area(), 2).get(Layouts.U64, EchoResponse.VALUE_OFFSET))
                .isEqualTo(5L);
        assertThat(fx.hv.uncaughtErrors()).isEmpty();
        fx.onDomainRun(fx.toolstack.dom0(), () -> dom0.grantOps().unmapGrantRef(scribble.handle()));
        assertThat(fx.toolstack.await(fx.toolstack.removeDevice(EchoDrivers.TYPE, 1, 0))).isTrue();
    }

    private static MemorySegment slot(MemorySegment sring, int i) {
        return sring.asSlice(SringDescriptor.RING_OFFSET + (long) i * EchoDrivers.RING.entrySize(),
                EchoDrivers.RING.entrySize());
    }

    @Test
    void anExtraWatchIsLiveWhileConnectedAndReleasedWithTheDevice() {
        var guest = guestWith(0, 2);
        fx.addEcho(1, 0);
        XenbusDevice back = fx.back(1, 0);
        String offsetPath = back.nodename() + "/" + EchoDrivers.OFFSET_KEY;
        assertThat(fx.toolstack.dom0().xs().liveWatches()).anyMatch(w -> w.startsWith(offsetPath + " "));

        write(fx.toolstack.dom0(), offsetPath, "5");
        assertThat(fx.onDomain(guest, () -> fx.echoFront(guest, 0).echo(1))).isCompletedWithValue(6L);
        write(fx.toolstack.dom0(), offsetPath, "\u0665"); // not a number: the offset stays
        assertThat(fx.onDomain(guest, () -> fx.echoFront(guest, 0).echo(1))).isCompletedWithValue(6L);

        assertThat(fx.toolstack.await(fx.toolstack.removeDevice(EchoDrivers.TYPE, 1, 0))).isTrue();
        fx.hv.runUntilIdle();
        assertThat(fx.toolstack.dom0().xs().liveWatches()).noneMatch(w -> w.startsWith(offsetPath + " "));
    }

    @Test
    void aFrontendPublishingABogusReqProdFailsTheBackendWhichStopsUsingTheRing() {
        var guest = guestWith(0, 2);
        fx.addEcho(1, 0);
        XenbusDevice front = fx.front(guest, 0);
        int ref = Integer.parseUnsignedInt(read(front.nodename() + "/ring-ref").orElseThrow());
        int port = Integer.parseUnsignedInt(read(front.nodename() + "/event-channel").orElseThrow());
        // The frontend's bytes go bad: req_prod far past what the ring can hold (written through a second
        // mapping of the granted ring page, standing in for a buggy guest kernel), then an event.
        var dom0 = fx.toolstack.dom0().domain();
        var scribble = fx.onDomain(fx.toolstack.dom0(),
                () -> dom0.grantOps().mapGrantRef(1, ref, GrantEntryV1.GNTMAP_host_map));
        assertThat(scribble.ok()).isTrue();
        scribble.area().set(Layouts.U32, SringDescriptor.REQ_PROD_OFFSET, 100_000);
        fx.onDomainRun(guest, () -> guest.domain().eventChannels().send(port));

        XenbusDevice back = fx.back(1, 0);
        assertThat(back.fatalError()).hasValueSatisfying(m -> assertThat(m)
                .startsWith("frontend provided bogus ring requests: req_prod 100000 is more than"));
        assertThat(read(back.errorNode())).hasValueSatisfying(v -> assertThat(v).startsWith("13 ")); // EACCES
        assertThat(back.heldResources()).isZero();
        assertThat(fx.echoBack(1, 0).served()).isZero();
        assertThat(fx.hv.uncaughtErrors()).isEmpty();
        fx.onDomainRun(fx.toolstack.dom0(), () -> dom0.grantOps().unmapGrantRef(scribble.handle()));
        fx.toolstack.await(fx.toolstack.removeDevice(EchoDrivers.TYPE, 1, 0));
        fx.hv.runUntilIdle();
    }
}
