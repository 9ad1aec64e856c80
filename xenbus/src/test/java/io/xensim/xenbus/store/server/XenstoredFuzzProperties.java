package io.xensim.xenbus.store.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.store.ManualExecutor;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsPayloads;
import io.xensim.xenbus.store.wire.XsType;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random and truncated requests from a guest and from dom0: no exception escapes xenstored, every request gets
 * exactly one reply, a bystander keeps working, and per-connection state stays within the quotas.
 */
class XenstoredFuzzProperties {
    record Req(int who, int type, int tx, byte[] payload) {
    }

    private static final List<String> WORDS = List.of("a", "b", "local", "domain", "1", "2", "device", "@releaseDomain",
            "@introduceDomain", "", "x/y", "..", "T", "F", "0", "-1", "b0", "r1", "n2", "w1", "help", "quota", "set",
            "nodes", "check", "4294967295", "99999");

    @Provide
    Arbitrary<byte[]> payloads() {
        Arbitrary<String> word = Arbitraries.of(WORDS);
        Arbitrary<String> path = Combinators.combine(Arbitraries.of("/", "", "/local/domain/1/"),
                word.list().ofMaxSize(4)).as((p, ws) -> p + String.join("/", ws));
        Arbitrary<byte[]> strings = Arbitraries.oneOf(path, word).list().ofMaxSize(4)
                .map(l -> XsPayloads.strings(l.toArray(String[]::new)));
        Arbitrary<byte[]> truncated = strings.flatMap(b -> Arbitraries.integers().between(0, b.length)
                .map(n -> java.util.Arrays.copyOf(b, n)));
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
        return Arbitraries.oneOf(strings, truncated, random);
    }

    @Provide
    Arbitrary<List<Req>> sessions() {
        Arbitrary<Integer> type = Arbitraries.oneOf(Arbitraries.integers().between(0, 24),
                Arbitraries.of(0xffff, -1, 1 << 20));
        Arbitrary<Integer> tx = Arbitraries.oneOf(Arbitraries.just(0), Arbitraries.integers().between(1, 4),
                Arbitraries.integers());
        return Combinators.combine(Arbitraries.integers().between(0, 1), type, tx, payloads()).as(Req::new)
                .list().ofMaxSize(60);
    }

    @Property(tries = 300)
    void randomRequestsNeverBreakXenstored(@ForAll("sessions") List<Req> session) {
        var executor = new ManualExecutor();
        var config = XenstoredConfig.defaults().withWatchesPerDomain(3).withTransactionsPerConnection(2)
                .withTransactionNodes(8);
        var xs = new Xenstored(executor, config);
        var dom0 = Peer.connect(xs, executor, ConnectionInfo.dom0("fuzz0"));
        var guest = Peer.connect(xs, executor, ConnectionInfo.domain(1, "fuzz1"));
        var bystander = Peer.connect(xs, executor, ConnectionInfo.domain(2, "bystander"));
        dom0.ask(XsType.XS_MKDIR, 0, "/local/domain/1");
        dom0.ask(XsType.XS_SET_PERMS, 0, "/local/domain/1", "n1");
        dom0.ask(XsType.XS_MKDIR, 0, "/local/domain/2");
        dom0.ask(XsType.XS_SET_PERMS, 0, "/local/domain/2", "n2");
        dom0.clear();
        guest.clear();

        int[] sent = new int[2];
        int reqId = 1;
        for (Req r : session) {
            Peer p = r.who == 0 ? dom0 : guest;
            // Never release the fuzzers' own domains or the bystander; everything else goes.
            if (r.type == XsType.XS_RELEASE.code() || r.type == XsType.XS_SET_TARGET.code()) {
                continue;
            }
            p.conn.receive(new XsMessage(r.type, reqId++, r.tx, r.payload));
            sent[r.who]++;
        }
        executor.runAll();

        assertThat(xs.internalErrors()).isZero();
        assertThat(dom0.closedReason).isNull();
        assertThat(guest.closedReason).isNull();
        assertThat(replies(dom0)).isEqualTo(sent[0]);
        assertThat(replies(guest)).isEqualTo(sent[1]);
        // State the guest can hold is bounded by its quotas (C refuses "more than" the quota: quota + 1).
        assertThat(guest.conn.watches().size()).isLessThanOrEqualTo(config.watchesPerDomain() + 1);
        assertThat(guest.conn.transactionCount()).isLessThanOrEqualTo(config.transactionsPerConnection() + 1);
        for (Transaction t : guest.conn.transactions()) {
            assertThat(t.accessedCount()).isLessThanOrEqualTo(config.transactionNodes());
        }
        assertThat(bystander.write("/local/domain/2/alive", "yes")).isEqualTo("OK|");
        assertThat(bystander.read("/local/domain/2/alive")).isEqualTo("yes");
        assertThat(bystander.received.stream().noneMatch(m -> m.is(XsType.XS_ERROR) && m.reqId() < 100)).isTrue();
    }

    private static long replies(Peer p) {
        return p.received.stream().filter(m -> !m.is(XsType.XS_WATCH_EVENT)).count();
    }
}
