package io.xensim.xenbus.store.socket;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsPayloads;
import io.xensim.xenbus.store.wire.XsType;
import io.xensim.xenbus.store.wire.XsdSockmsg;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded socket-level fuzzing: a new connection per round sends random, truncated or unframeable bytes, while one
 * well-behaved session checks after every round that its own replies and watch events are exactly as expected.
 */
@Timeout(180)
class XenstoredSocketFuzzTest {
    private static final int ROUNDS = 150;

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 0x5eed, 20261126})
    void garbageOnOneConnectionNeverDisturbsAnother(long seed) throws Exception {
        var random = new Random(seed);
        try (var fixture = new SocketServerFixture(); var session = new RawXsSocket(fixture.socket)) {
            assertThat(session.request(XsMessage.of(XsType.XS_WATCH, 1, 0, "/fuzz/s", "tok")))
                    .isEqualTo(XsMessage.of(XsType.XS_WATCH, 1, 0, "OK"));
            int events = 1;   // the registration event
            for (int round = 0; round < ROUNDS; round++) {
                try (var rogue = new RawXsSocket(fixture.socket)) {
                    int kind = random.nextInt(4);
                    rogue.sendBytes(garbage(random, kind));
                    if (kind == 2) {
                        // An unframeable header: the server drops that connection, as C xenstored does.
                        while (rogue.next() != null) {
                            // replies to whatever preceded the bad header
                        }
                    }
                } catch (IOException e) {
                    // The server may already have dropped the rogue; that is its business, not the session's.
                }
                String node = "/fuzz/s/" + round;
                byte[] value = new byte[random.nextInt(200)];
                random.nextBytes(value);
                int reqId = 1000 + round;
                assertThat(session.request(new XsMessage(XsType.XS_WRITE, reqId, 0,
                        XsPayloads.stringThenBytes(node, value))))
                        .isEqualTo(XsMessage.of(XsType.XS_WRITE, reqId, 0, "OK"));
                events++;
                assertThat(session.request(XsMessage.of(XsType.XS_READ, reqId, 0, node)))
                        .isEqualTo(new XsMessage(XsType.XS_READ, reqId, 0, value));
            }
            assertThat(session.request(XsMessage.of(XsType.XS_UNWATCH, 2, 0, "/fuzz/s", "tok")).is(XsType.XS_UNWATCH))
                    .isTrue();
            assertThat(session.watchEvents).hasSize(events);
            assertThat(session.watchEvents.getFirst()).isEqualTo(XsMessage.watchEvent("/fuzz/s", "tok"));
            for (int round = 0; round < ROUNDS; round++) {
                assertThat(session.watchEvents.get(round + 1))
                        .isEqualTo(XsMessage.watchEvent("/fuzz/s/" + round, "tok"));
            }
        }
    }

    private static byte[] garbage(Random random, int kind) {
        var out = new ByteArrayOutputStream();
        switch (kind) {
            case 0 -> {   // random bytes
                byte[] b = new byte[1 + random.nextInt(300)];
                random.nextBytes(b);
                out.writeBytes(b);
            }
            case 1 -> {   // a valid header, then a truncated payload
                int len = 1 + random.nextInt(XsdSockmsg.XENSTORE_PAYLOAD_MAX);
                out.writeBytes(new XsdSockmsg(random.nextInt(XsType.XS_TYPE_COUNT.code()), random.nextInt(), 0, len)
                        .encode());
                byte[] part = new byte[random.nextInt(len)];
                random.nextBytes(part);
                out.writeBytes(part);
            }
            case 2 -> {   // a harmless request, then an unframeable header and more bytes
                out.writeBytes(XsdSockmsg.encode(XsMessage.of(XsType.XS_READ, 1, 0, "/fuzz/none")));
                int len = XsdSockmsg.XENSTORE_PAYLOAD_MAX + 1 + random.nextInt(Integer.MAX_VALUE - 5000);
                out.writeBytes(new XsdSockmsg(random.nextInt(), random.nextInt(), random.nextInt(), len).encode());
                byte[] tail = new byte[random.nextInt(100)];
                random.nextBytes(tail);
                out.writeBytes(tail);
            }
            case 3 -> {   // a random-type message with a random payload and a random transaction id
                byte[] payload = new byte[random.nextInt(64)];
                random.nextBytes(payload);
                int type = random.nextInt(XsType.XS_TYPE_COUNT.code() + 3);
                out.writeBytes(XsdSockmsg.encode(new XsMessage(type, random.nextInt(), random.nextInt(3), payload)));
            }
            default -> throw new AssertionError(kind);
        }
        return out.toByteArray();
    }
}
