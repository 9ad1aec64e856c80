package io.xensim.xenbus.store.ring;

import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.CONNECTION_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.REQ_PROD_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.RSP_PROD_OFFSET;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_CONNECTED;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_ERROR_NONE;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_RECONNECT;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_RING_SIZE;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_SERVER_FEATURE_ERROR;
import static io.xensim.xenbus.store.wire.XenstoreDomainInterface.XENSTORE_SERVER_FEATURE_RECONNECTION;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.Domain;
import io.xensim.xenbus.store.client.XsClient;
import io.xensim.xenbus.store.client.XsClosedException;
import io.xensim.xenbus.store.client.XsErrorException;
import io.xensim.xenbus.store.wire.XsError;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsPayloads;
import io.xensim.xenbus.store.wire.XsPermission;
import io.xensim.xenbus.store.wire.XsType;
import io.xensim.xenbus.store.wire.XsdSockmsg;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A guest and xenstored paired over the xenstore ring, in INVOKER mode, ending with a clean-up check. */
class XenstoreRingTest {
    private static final String HOME = "/local/domain/1";
    private final RingPair pair = new RingPair();
    private final Domain guest = pair.guest(1);
    private final XenstoreRingFrontend frontend = pair.frontend(guest);
    private final XsClient client = frontend.client();

    @AfterEach
    void tearDown() {
        client.close();
        pair.await(pair.server.tearDownGuest(frontend));
        pair.assertCleanedUp();
        pair.close();
    }

    private static String text(int n, char c) {
        char[] chars = new char[n];
        Arrays.fill(chars, c);
        return new String(chars);
    }

    @Test
    void introduceAdvertisesFeaturesAndConnectsTheGuestUnprivileged() {
        assertThat(frontend.serverFeatures())
                .isEqualTo(XENSTORE_SERVER_FEATURE_RECONNECTION | XENSTORE_SERVER_FEATURE_ERROR);
        assertThat(frontend.error()).isEqualTo(XENSTORE_ERROR_NONE);
        assertThat(pair.server.attachedDomains()).containsExactly(1);
        assertThat(pair.await(pair.toolstack().isDomainIntroduced(1))).isTrue();

        // Relative paths resolve under the guest's home; privileged paths are refused.
        pair.await(client.write("name", "guest-one"));
        assertThat(pair.await(pair.toolstack().readString(HOME + "/name"))).isEqualTo("guest-one");
        assertThat(pair.failure(client.write("/tool/x", "1")))
                .isInstanceOfSatisfying(XsErrorException.class, e -> assertThat(e.is(XsError.EACCES)).isTrue());
        assertThat(pair.failure(client.request(XsType.XS_INTRODUCE, 0, XsPayloads.strings("2", "1", "1"))))
                .isInstanceOfSatisfying(XsErrorException.class, e -> assertThat(e.is(XsError.EACCES)).isTrue());
    }

    @Test
    void readsWritesDirectoriesAndErrorsOverTheRing() {
        pair.await(client.write(HOME + "/data/a", "1"));
        pair.await(client.write(HOME + "/data/b", "2"));
        assertThat(pair.await(client.readString(HOME + "/data/a"))).isEqualTo("1");
        assertThat(pair.await(client.directory(HOME + "/data"))).containsExactly("a", "b");
        assertThat(pair.failure(client.read(HOME + "/missing")))
                .isInstanceOfSatisfying(XsErrorException.class, e -> assertThat(e.is(XsError.ENOENT)).isTrue());
        pair.await(client.rm(HOME + "/data"));
        assertThat(pair.await(client.readOptional(XsClient.NO_TX, HOME + "/data/a"))).isEmpty();
        assertThat(pair.await(client.getDomainPath(1))).isEqualTo(HOME);
    }

    @Test
    void watchEventsArriveOverTheRing() {
        List<String> events = new ArrayList<>();
        pair.await(client.watch(HOME + "/w", "tok", (path, token) -> events.add(path + " " + token)));
        pair.hv.runUntilIdle();
        assertThat(events).containsExactly(HOME + "/w tok");   // the registration event

        pair.await(pair.toolstack().write(HOME + "/w/x", "from dom0"));
        pair.hv.runUntilIdle();
        assertThat(events).containsExactly(HOME + "/w tok", HOME + "/w/x tok");

        pair.await(client.unwatch(HOME + "/w", "tok"));
        pair.await(pair.toolstack().write(HOME + "/w/y", "unseen"));
        pair.hv.runUntilIdle();
        assertThat(events).hasSize(2);
    }

    @Test
    void aConflictingTransactionFailsWithEagainAndTheRetrySucceeds() {
        pair.await(client.write(HOME + "/counter", "0"));
        int tx = pair.await(client.transactionStart());
        assertThat(pair.await(client.readString(tx, HOME + "/counter"))).isEqualTo("0");
        pair.await(pair.toolstack().write(HOME + "/counter", "5"));   // dom0 changes it meanwhile
        pair.await(client.write(tx, HOME + "/counter", "1"));
        assertThat(pair.failure(client.transactionEnd(tx, true)))
                .isInstanceOfSatisfying(XsErrorException.class, e -> assertThat(e.is(XsError.EAGAIN)).isTrue());
        assertThat(pair.await(client.readString(HOME + "/counter"))).isEqualTo("5");

        // XsClient's retrying helper over the ring: the body reads and increments.
        pair.await(client.transaction(t -> client.readString(t, HOME + "/counter")
                .thenCompose(v -> client.write(t, HOME + "/counter", Integer.toString(Integer.parseInt(v) + 1)))));
        assertThat(pair.await(client.readString(HOME + "/counter"))).isEqualTo("6");
    }

    @Test
    void aHeaderStraddlesTheWrapInBothDirections() {
        // An XS_WRITE of exactly 1016 wire bytes leaves the next request's header 8 bytes before the wrap point.
        String path = HOME + "/v";
        int valueLength = 1016 - XsdSockmsg.LENGTH - (path.length() + 1);
        String value = text(valueLength, 'v');
        pair.await(client.write(path, value));
        assertThat(XenstoreRingBytes.getAcquire(frontend.page(), REQ_PROD_OFFSET)).isEqualTo(1016);

        // The XS_READ header straddles 1016..1032 of the request stream; its reply (16 + 984 bytes) runs from 19
        // (after "OK") to 1019, so the next reply's header straddles the response stream's wrap.
        assertThat(pair.await(client.readString(path))).isEqualTo(value);
        assertThat(XenstoreRingBytes.getAcquire(frontend.page(), RSP_PROD_OFFSET))
                .isEqualTo(19 + XsdSockmsg.LENGTH + valueLength);
        assertThat(pair.await(client.readString(path))).isEqualTo(value);
        assertThat(XenstoreRingBytes.getAcquire(frontend.page(), RSP_PROD_OFFSET))
                .isGreaterThan(XENSTORE_RING_SIZE + XsdSockmsg.LENGTH);
    }

    @Test
    void requestsAndRepliesLargerThanTheRingStreamThrough() {
        String path = HOME + "/big";
        // The largest payload a request may carry (path, NUL, value = XENSTORE_PAYLOAD_MAX) streams through four
        // ring's worth; xenstored answers it as C does for a guest: the node would exceed the node-size quota.
        String tooBig = text(XsdSockmsg.XENSTORE_PAYLOAD_MAX - path.length() - 1, 'x');
        assertThat(pair.failure(client.write(path, tooBig)))
                .isInstanceOfSatisfying(XsErrorException.class, e -> assertThat(e.is(XsError.ENOSPC)).isTrue());
        // dom0 is not bound by quotas: its 4000-byte value comes back to the guest as a reply four rings long.
        String value = text(4000, 'y');
        pair.await(pair.toolstack().write(path, value));
        assertThat(pair.await(client.readString(path))).isEqualTo(value);

        // Many mixed sizes back to back, pipelined: the streams wrap many times, at every offset.
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            writes.add(client.write(HOME + "/m/" + i, text((i * 397) % 1900, (char) ('a' + i % 26))));
        }
        writes.forEach(pair::await);
        for (int i = 0; i < 60; i++) {
            assertThat(pair.await(client.readString(HOME + "/m/" + i)))
                    .isEqualTo(text((i * 397) % 1900, (char) ('a' + i % 26)));
        }
        assertThat(Integer.toUnsignedLong(XenstoreRingBytes.getAcquire(frontend.page(), REQ_PROD_OFFSET)))
                .isGreaterThan(50L * XENSTORE_RING_SIZE);
    }

    @Test
    void reconnectDiscardsTheSessionAndKeepsTheStore() {
        List<String> events = new ArrayList<>();
        pair.await(client.write(HOME + "/kept", "yes"));
        pair.await(client.watch(HOME + "/kept", "t", (p, t) -> events.add(p)));
        pair.await(client.transactionStart());
        assertThat(pair.stats().watches()).isEqualTo(1);
        assertThat(pair.stats().transactions()).isEqualTo(1);

        pair.await(frontend.reconnect());

        assertThat(XenstoreRingBytes.getAcquire(frontend.page(), CONNECTION_OFFSET))
                .isEqualTo(XENSTORE_CONNECTED);
        assertThat(pair.stats().watches()).isZero();
        assertThat(pair.stats().transactions()).isZero();
        // The old client was closed by the reconnect; a new session works and sees the store unchanged.
        assertThat(pair.failure(client.read(HOME + "/kept"))).isInstanceOf(XsClosedException.class);
        try (XsClient again = frontend.client()) {
            assertThat(pair.await(again.readString(HOME + "/kept"))).isEqualTo("yes");
        }
        pair.await(pair.toolstack().write(HOME + "/kept", "changed"));
        pair.hv.runUntilIdle();
        assertThat(events).containsExactly(HOME + "/kept");   // only the registration event before the reconnect
    }

    @Test
    void releaseThroughTheJavaApiDetachesTheRingAndTheDomainCanComeBack() {
        pair.await(client.watch(HOME, "t", (p, t) -> { }));
        pair.await(pair.xenstored.releaseDomain(1));
        assertThat(pair.server.attachedDomains()).isEmpty();
        assertThat(pair.server.backend(1)).isEmpty();
        assertThat(pair.stats().watches()).isZero();
        assertThat(pair.await(pair.toolstack().isDomainIntroduced(1))).isFalse();

        // xenstored deleted the nodes dom1 owned (its home) and closed its end of the event channel, so the guest's
        // port is unbound again: the toolstack recreates the home and introduces the domain anew.
        assertThat(pair.await(pair.toolstack().readOptional(XsClient.NO_TX, HOME))).isEmpty();
        pair.await(pair.toolstack().mkdir(HOME));
        pair.await(pair.toolstack().setPerms(HOME, List.of(XsPermission.none(1))));
        pair.await(pair.toolstack().introduce(1, frontend.gfn(), frontend.port()));
        try (XsClient c = frontend.client()) {
            pair.await(c.write(HOME + "/back", "1"));
            assertThat(pair.await(c.readString(HOME + "/back"))).isEqualTo("1");
        }
    }

    @Test
    void reintroduceRebindsThePortAndResetsTheConnection() {
        pair.await(client.watch(HOME, "t", (p, t) -> { }));
        assertThat(pair.stats().watches()).isEqualTo(1);
        int newPort = guest.eventChannels().allocUnbound(0);
        pair.await(pair.toolstack().introduce(1, frontend.gfn(), newPort));
        frontend.rebind(newPort);

        assertThat(pair.backend(1).remotePort()).isEqualTo(newPort);
        assertThat(pair.dom0.eventChannels().status(pair.backend(1).localPort()).remotePort()).isEqualTo(newPort);
        assertThat(pair.stats().watches()).isZero();
        try (XsClient c = frontend.client()) {
            assertThat(pair.await(c.getDomainPath(1))).isEqualTo(HOME);
        }
    }

    @Test
    void aReconnectRequestedWhileIdleCompletesWithoutTraffic() {
        var page = frontend.page();
        XenstoreRingBytes.setRelease(page, CONNECTION_OFFSET, XENSTORE_RECONNECT);
        guest.eventChannels().send(frontend.port());
        pair.hv.runUntilIdle();
        assertThat(XenstoreRingBytes.getAcquire(page, CONNECTION_OFFSET)).isEqualTo(XENSTORE_CONNECTED);
        assertThat(pair.backend(1).state()).isEqualTo(XenstoreRingBackend.State.SERVING);
        // The guest read its own (zeroed) indices from the page, so it carries on where the reset left it.
        pair.await(client.write(HOME + "/after", "1"));
        assertThat(pair.await(client.readString(HOME + "/after"))).isEqualTo("1");
    }

    @Test
    void rawMessagesAreTheWireBytes() {
        List<XsMessage> got = new ArrayList<>();
        frontend.setReceiver(new io.xensim.xenbus.store.server.XsSink() {
            @Override
            public void send(XsMessage message) {
                got.add(message);
            }

            @Override
            public void close(String reason) {
            }
        });
        frontend.send(XsMessage.of(XsType.XS_GET_DOMAIN_PATH, 77, 0, "1"));
        frontend.send(new XsMessage(99, 78, 0, new byte[0]));   // no such type: ENOSYS
        pair.hv.runUntilIdle();
        assertThat(got).containsExactly(XsMessage.of(XsType.XS_GET_DOMAIN_PATH, 77, 0, HOME),
                XsMessage.error(78, 0, XsError.ENOSYS));
    }
}
