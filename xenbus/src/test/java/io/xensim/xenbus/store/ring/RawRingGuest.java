package io.xensim.xenbus.store.ring;

import static io.xensim.xenbus.grant.GrantEntryV1.GNTTAB_RESERVED_XENSTORE;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.CONNECTION_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.ERROR_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.REQ_CONS_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.REQ_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.REQ_PROD_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.RSP_CONS_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.RSP_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.RSP_PROD_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_RING_SIZE;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Domain;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsWireDecoder;
import io.xensim.xenbus.store.wire.XsdSockmsg;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hand-driven guest end of the xenstore ring for protocol and fault tests: the test thread plays the guest's vCPU
 * between hypervisor steps (INVOKER mode), writing bytes and indices into the page as it likes, well-formed or not.
 */
final class RawRingGuest {
    final Domain guest;
    final long gfn;
    final int port;
    final MemorySegment page;
    final AtomicInteger events = new AtomicInteger();
    private final XsWireDecoder decoder = new XsWireDecoder();

    private RawRingGuest(Domain guest, long gfn, int port) {
        this.guest = guest;
        this.gfn = gfn;
        this.port = port;
        this.page = guest.memory().frame(gfn);
    }

    /** The toolstack's steps of {@link XenstoreRingServer#setUpGuest}, with a guest that only counts events. */
    static CompletableFuture<RawRingGuest> setUp(XenstoreRingServer server, Domain guest, int xenstoredDomid) {
        long gfn = guest.memory().allocateFrame();
        guest.memory().frame(gfn).fill((byte) 0);
        guest.grantTable().grantReserved(GNTTAB_RESERVED_XENSTORE, xenstoredDomid, gfn, false);
        int port = guest.eventChannels().allocUnbound(xenstoredDomid);
        var raw = new RawRingGuest(guest, gfn, port);
        guest.eventChannels().bindHandler(port, p -> raw.events.incrementAndGet());
        return server.toolstack().introduce(guest.domid(), gfn, port).thenApply(v -> raw);
    }

    int get(long offset) {
        return XenstoreRingBytes.getAcquire(page, offset);
    }

    void set(long offset, int value) {
        XenstoreRingBytes.setRelease(page, offset, value);
    }

    void notifyServer() {
        guest.eventChannels().send(port);
    }

    int error() {
        return get(ERROR_OFFSET);
    }

    int connection() {
        return get(CONNECTION_OFFSET);
    }

    int freeRequestSpace() {
        return XENSTORE_RING_SIZE - (get(REQ_PROD_OFFSET) - get(REQ_CONS_OFFSET));
    }

    /** Appends bytes to the request stream (they must fit) and signals. */
    void writeRequestBytes(byte[] bytes) {
        assertThat(bytes.length).as("fits in the request ring").isLessThanOrEqualTo(freeRequestSpace());
        int prod = get(REQ_PROD_OFFSET);
        XenstoreRingBytes.copyIn(bytes, 0, page, REQ_OFFSET, prod, bytes.length);
        set(REQ_PROD_OFFSET, prod + bytes.length);
        notifyServer();
    }

    void writeRequest(XsMessage m) {
        writeRequestBytes(XsdSockmsg.encode(m));
    }

    /** Consumes everything in the response stream, signals, and returns the messages completed so far. */
    List<XsMessage> readResponses() {
        List<XsMessage> out = new ArrayList<>();
        int prod = get(RSP_PROD_OFFSET);
        int cons = get(RSP_CONS_OFFSET);
        int n = prod - cons;
        if (n > 0) {
            byte[] bytes = new byte[n];
            XenstoreRingBytes.copyOut(page, RSP_OFFSET, cons, bytes, 0, n);
            set(RSP_CONS_OFFSET, prod);
            assertThat(decoder.feed(bytes, out::add).isOk()).isTrue();
            notifyServer();
        }
        return out;
    }

    void close() {
        guest.eventChannels().close(port);
        guest.grantTable().endForeignAccess(GNTTAB_RESERVED_XENSTORE);
        guest.memory().freeFrame(gfn);
    }
}
