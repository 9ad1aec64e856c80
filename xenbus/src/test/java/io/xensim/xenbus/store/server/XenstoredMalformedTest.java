package io.xensim.xenbus.store.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.store.ManualExecutor;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsPayloads;
import io.xensim.xenbus.store.wire.XsType;
import io.xensim.xenbus.store.wire.XsdSockmsg;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Requests that are not well formed get the error reply C xenstored gives and the connection keeps working. */
class XenstoredMalformedTest {
    private final ManualExecutor executor = new ManualExecutor();
    private Xenstored xs;
    private Peer dom0;
    private Peer dom1;

    @BeforeEach
    void setUp() {
        xs = new Xenstored(executor);
        dom0 = Peer.connect(xs, executor, ConnectionInfo.dom0("tools"));
        dom1 = Peer.connect(xs, executor, ConnectionInfo.domain(1, "guest"));
        dom0.ask(XsType.XS_MKDIR, 0, "/local/domain/1");
        dom0.ask(XsType.XS_SET_PERMS, 0, "/local/domain/1", "n1");
        dom0.write("/a", "v");
    }

    @AfterEach
    void stillServing() {
        assertThat(dom0.read("/a")).isEqualTo("v");
        assertThat(dom0.closedReason).isNull();
        assertThat(xs.internalErrors()).isZero();
    }

    private String raw(Peer p, XsType type, String payload) {
        return Peer.render(p.call(type, 0, XsPayloads.bytes(payload)));
    }

    @Test
    void missingNul() {
        assertThat(raw(dom0, XsType.XS_READ, "/a")).isEqualTo("ERR EINVAL");
        assertThat(raw(dom0, XsType.XS_WRITE, "/a")).isEqualTo("ERR EINVAL");
        assertThat(raw(dom0, XsType.XS_MKDIR, "/a")).isEqualTo("ERR EINVAL");
        assertThat(raw(dom0, XsType.XS_RM, "/a")).isEqualTo("ERR EINVAL");
        assertThat(raw(dom0, XsType.XS_WATCH, "/a\0tok")).isEqualTo("ERR EINVAL");
        assertThat(raw(dom0, XsType.XS_UNWATCH, "/a\0tok")).isEqualTo("ERR EINVAL");
        assertThat(raw(dom0, XsType.XS_GET_DOMAIN_PATH, "1")).isEqualTo("ERR EINVAL");
        assertThat(raw(dom0, XsType.XS_TRANSACTION_END, "T")).isEqualTo("ERR EINVAL");
        // As misc/xenstore.txt draws it (no NUL after the offset): C insists on two strings.
        assertThat(raw(dom0, XsType.XS_DIRECTORY_PART, "/a\0" + "0")).isEqualTo("ERR EINVAL");
        assertThat(raw(dom0, XsType.XS_SET_PERMS, "/a\0n0")).isEqualTo("ERR EINVAL");
        assertThat(raw(dom0, XsType.XS_READ, "")).isEqualTo("ERR EINVAL");
        assertThat(raw(dom0, XsType.XS_CONTROL, "")).isEqualTo("ERR EINVAL");
    }

    @Test
    void writeValueMayHoldNulsAndTrailingBytes() {
        assertThat(Peer.render(dom0.call(XsType.XS_WRITE, 0, new byte[] {'/', 'b', 0, 1, 0, 2, 0}))).isEqualTo("OK|");
        assertThat(dom0.call(XsType.XS_READ, 0, "/b").payload()).isEqualTo(new byte[] {1, 0, 2, 0});
        assertThat(raw(dom0, XsType.XS_WRITE, "/c\0")).isEqualTo("OK|");
        assertThat(dom0.read("/c")).isEmpty();
    }

    @Test
    void pathLengthLimits() {
        // C 4.17 is_valid_nodename(): XENSTORE_REL_PATH_MAX bytes after /local/domain/<domid>/, and the same limit
        // for every other path, dom0's included (XENSTORE_ABS_PATH_MAX is never reached).
        String abs = "/" + "x".repeat(XsdSockmsg.XENSTORE_REL_PATH_MAX - 1);
        assertThat(dom0.ask(XsType.XS_READ, 0, abs)).isEqualTo("ERR ENOENT");
        assertThat(dom0.ask(XsType.XS_READ, 0, abs + "x")).isEqualTo("ERR EINVAL");
        // A relative path is checked after the implicit path is put in front, which the limit then leaves out.
        String rel = "y".repeat(XsdSockmsg.XENSTORE_REL_PATH_MAX);
        assertThat(dom1.ask(XsType.XS_READ, 0, rel)).isEqualTo("ERR ENOENT");
        assertThat(dom1.ask(XsType.XS_READ, 0, rel + "y")).isEqualTo("ERR EINVAL");
        assertThat(dom0.ask(XsType.XS_WATCH, 0, "@" + "s".repeat(XsdSockmsg.XENSTORE_REL_PATH_MAX), "t"))
                .isEqualTo("ERR EINVAL");
    }

    @Test
    void unknownTypesAreEnosysAndTheConnectionKeepsWorking() {
        for (int type : new int[] {20, 23, 24, 100, 0xffff, 0x10000, -1}) {
            assertThat(Peer.render(dom1.call(type, 0, new byte[] {1, 2, 3}))).isEqualTo("ERR ENOSYS");
        }
        assertThat(dom1.write("still", "works")).isEqualTo("OK|");
        assertThat(dom1.closedReason).isNull();
    }

    @Test
    void tooLargeReplyIsE2bigAndDirectoryPartPagesThroughIt() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String name = "child-with-a-long-name-" + i;
            names.add(name);
            assertThat(dom0.ask(XsType.XS_MKDIR, 0, "/big/" + name)).isEqualTo("OK|");
        }
        assertThat(dom0.ask(XsType.XS_DIRECTORY, 0, "/big")).isEqualTo("ERR E2BIG");

        List<String> collected = new ArrayList<>();
        String gen = null;
        int offset = 0;
        for (int round = 0; round < 100; round++) {
            XsMessage reply = dom0.call(XsType.XS_DIRECTORY_PART, 0, "/big", Integer.toString(offset));
            assertThat(reply.is(XsType.XS_DIRECTORY_PART)).isTrue();
            assertThat(reply.len()).isLessThanOrEqualTo(XsdSockmsg.XENSTORE_PAYLOAD_MAX);
            List<String> parts = reply.strings();
            if (gen == null) {
                gen = parts.getFirst();
            }
            assertThat(parts.getFirst()).isEqualTo(gen);
            List<String> chunk = parts.subList(1, parts.size());
            boolean end = !chunk.isEmpty() && chunk.getLast().isEmpty();
            for (String n : end ? chunk.subList(0, chunk.size() - 1) : chunk) {
                collected.add(n);
                offset += n.length() + 1;
            }
            if (end) {
                break;
            }
        }
        assertThat(collected).isEqualTo(names);
        // Past the end: just the generation and the empty name.
        assertThat(dom0.ask(XsType.XS_DIRECTORY_PART, 0, "/big", Integer.toString(offset + 1000)))
                .isEqualTo(gen + "||");
        assertThat(dom0.ask(XsType.XS_DIRECTORY_PART, 0, "/big", "-5")).isEqualTo(gen + "||");
    }

    @Test
    void controlWithoutPrivilegeIsEaccesEvenWhenMalformed() {
        assertThat(raw(dom1, XsType.XS_CONTROL, "")).isEqualTo("ERR EACCES");
    }

    @Test
    void sinkThatThrowsLosesOnlyItsConnection() {
        var bad = xs.connect(ConnectionInfo.domain(1, "bad"), new XsSink() {
            @Override
            public void send(XsMessage message) {
                throw new IllegalStateException("transport bug");
            }

            @Override
            public void close(String reason) {
            }
        });
        bad.receive(XsMessage.of(XsType.XS_READ, 1, 0, "x"));
        executor.runAll();
        assertThat(bad.isClosed()).isTrue();
        assertThat(dom1.write("ok", "1")).isEqualTo("OK|");
    }
}
