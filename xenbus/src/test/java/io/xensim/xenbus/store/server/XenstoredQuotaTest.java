package io.xensim.xenbus.store.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.store.ManualExecutor;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsPayloads;
import io.xensim.xenbus.store.wire.XsType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each quota of C xenstored 4.17: the unprivileged client over quota gets the error C sends, another client is
 * unaffected, and privileged connections are exempt.
 */
class XenstoredQuotaTest {
    private final ManualExecutor executor = new ManualExecutor();
    private Xenstored xs;
    private Peer dom0;
    private Peer dom1;
    private Peer dom2;

    private void start(XenstoredConfig config) {
        xs = new Xenstored(executor, config);
        dom0 = Peer.connect(xs, executor, ConnectionInfo.dom0("tools"));
        dom1 = Peer.connect(xs, executor, ConnectionInfo.domain(1, "guest1"));
        dom2 = Peer.connect(xs, executor, ConnectionInfo.domain(2, "guest2"));
        for (int d = 1; d <= 2; d++) {
            dom0.ask(XsType.XS_MKDIR, 0, "/local/domain/" + d);
            dom0.ask(XsType.XS_SET_PERMS, 0, "/local/domain/" + d, "n" + d);
        }
    }

    @AfterEach
    void noInternalErrors() {
        assertThat(xs.internalErrors()).isZero();
    }

    @Test
    void nodesPerDomain() {
        start(XenstoredConfig.defaults().withNodesPerDomain(5));
        // dom1 owns its home already: 4 more fit, the fifth is refused.
        for (int i = 0; i < 4; i++) {
            assertThat(dom1.write("n" + i, "")).isEqualTo("OK|");
        }
        assertThat(dom1.write("n4", "")).isEqualTo("ERR ENOSPC");
        assertThat(dom1.ask(XsType.XS_MKDIR, 0, "deep/er")).isEqualTo("ERR ENOSPC");
        assertThat(dom1.read("n4")).isEqualTo("ERR ENOENT");
        assertThat(dom1.write("n0", "overwrite is fine")).isEqualTo("OK|");
        assertThat(dom2.write("m0", "")).isEqualTo("OK|");
        // dom0 is exempt; the node it creates inherits dom1 as owner and counts against dom1.
        assertThat(dom0.write("/local/domain/1/by-dom0", "")).isEqualTo("OK|");
        assertThat(dom0.ask(XsType.XS_GET_PERMS, 0, "/local/domain/1/by-dom0")).isEqualTo("n1|");
        // Removing frees quota.
        assertThat(dom1.ask(XsType.XS_RM, 0, "n0")).isEqualTo("OK|");
        assertThat(dom1.write("n4", "")).isEqualTo("ERR ENOSPC");
        assertThat(dom1.ask(XsType.XS_RM, 0, "by-dom0")).isEqualTo("OK|");
        assertThat(dom1.write("n4", "")).isEqualTo("OK|");
    }

    @Test
    void nodesPerDomainAtCommitIsStricterByOne() {
        start(XenstoredConfig.defaults().withNodesPerDomain(5));
        int tx = dom1.startTransaction();
        for (int i = 0; i < 4; i++) {
            assertThat(dom1.write(tx, "n" + i, "")).isEqualTo("OK|");
        }
        // C transaction_fix_domains(): 1 + 4 >= 5.
        assertThat(dom1.ask(XsType.XS_TRANSACTION_END, tx, "T")).isEqualTo("ERR ENOSPC");
        assertThat(dom1.read("n0")).isEqualTo("ERR ENOENT");
    }

    @Test
    void nodeSize() {
        start(XenstoredConfig.defaults());
        // Record: 24-byte header + 8 per permission + value + child names; refused at 2048 and above.
        assertThat(dom1.write("v", "x".repeat(2048 - 24 - 8 - 1))).isEqualTo("OK|");
        assertThat(dom1.write("v", "x".repeat(2048 - 24 - 8))).isEqualTo("ERR ENOSPC");
        assertThat(dom1.read("v")).hasSize(2015);
        assertThat(dom2.write("v", "small")).isEqualTo("OK|");
        assertThat(dom0.write("/big", "x".repeat(4000))).isEqualTo("OK|");
    }

    @Test
    void watchesPerDomain() {
        start(XenstoredConfig.defaults().withWatchesPerDomain(3));
        // C refuses once the domain has more than the quota: quota + 1 watches fit.
        for (int i = 0; i < 4; i++) {
            assertThat(dom1.ask(XsType.XS_WATCH, 0, "w" + i, "t")).isEqualTo("OK|");
        }
        assertThat(dom1.ask(XsType.XS_WATCH, 0, "w4", "t")).isEqualTo("ERR E2BIG");
        assertThat(dom2.ask(XsType.XS_WATCH, 0, "w", "t")).isEqualTo("OK|");
        for (int i = 0; i < 10; i++) {
            assertThat(dom0.ask(XsType.XS_WATCH, 0, "/w" + i, "t")).isEqualTo("OK|");
        }
        assertThat(dom1.ask(XsType.XS_UNWATCH, 0, "w0", "t")).isEqualTo("OK|");
        assertThat(dom1.ask(XsType.XS_WATCH, 0, "w4", "t")).isEqualTo("OK|");
    }

    @Test
    void transactionsPerConnection() {
        start(XenstoredConfig.defaults().withTransactionsPerConnection(2));
        for (int i = 0; i < 3; i++) {
            dom1.startTransaction();
        }
        assertThat(dom1.ask(XsType.XS_TRANSACTION_START, 0, "")).isEqualTo("ERR ENOSPC");
        assertThat(dom2.ask(XsType.XS_TRANSACTION_START, 0, "")).isEqualTo("1|");
        for (int i = 0; i < 5; i++) {
            dom0.startTransaction();
        }
    }

    @Test
    void permissionsPerNode() {
        start(XenstoredConfig.defaults().withPermsPerNode(2));
        dom1.write("p", "");
        assertThat(dom1.ask(XsType.XS_SET_PERMS, 0, "p", "n1", "r2")).isEqualTo("OK|");
        assertThat(dom1.ask(XsType.XS_SET_PERMS, 0, "p", "n1", "r2", "r0")).isEqualTo("ERR ENOSPC");
        assertThat(dom0.ask(XsType.XS_SET_PERMS, 0, "/local/domain/1/p", "n1", "r2", "r0")).isEqualTo("OK|");
    }

    @Test
    void transactionNodes() {
        start(XenstoredConfig.defaults().withTransactionNodes(3));
        dom1.write("a", "");
        dom1.write("b", "");
        dom1.write("c", "");
        dom1.write("d", "");
        int tx = dom1.startTransaction();
        assertThat(dom1.ask(XsType.XS_READ, tx, "a")).isEqualTo("");
        assertThat(dom1.ask(XsType.XS_READ, tx, "b")).isEqualTo("");
        assertThat(dom1.ask(XsType.XS_READ, tx, "c")).isEqualTo("");
        assertThat(dom1.ask(XsType.XS_READ, tx, "a")).isEqualTo("");   // already touched: no new node
        assertThat(dom1.ask(XsType.XS_READ, tx, "d")).isEqualTo("ERR ENOSPC");
        // The transaction is doomed: C answers ENOMEM to the commit.
        assertThat(dom1.ask(XsType.XS_TRANSACTION_END, tx, "T")).isEqualTo("ERR ENOMEM");
        int tx2 = dom2.startTransaction();
        for (String n : new String[] {"/local/domain/2", "/local", "/"}) {
            assertThat(dom2.ask(XsType.XS_GET_PERMS, tx2, n)).doesNotStartWith("ERR ENOSPC");
        }
    }

    @Test
    void memoryPerDomain() {
        start(XenstoredConfig.defaults().withMemoryPerDomain(400));
        String result = "";
        int written = 0;
        while (written < 100 && (result = dom1.write("k" + written, "0123456789")).equals("OK|")) {
            written++;
        }
        assertThat(result).isEqualTo("ERR ENOMEM");
        assertThat(written).isBetween(3, 10);
        // Long watch tokens are charged too.
        assertThat(dom1.ask(XsType.XS_WATCH, 0, "w", "t".repeat(400))).isEqualTo("ERR ENOMEM");
        assertThat(dom2.write("k", "0123456789")).isEqualTo("OK|");
        assertThat(dom0.write("/local/domain/1/big", "x".repeat(1000))).isEqualTo("ERR ENOMEM");
        assertThat(dom0.write("/owned-by-dom0", "x".repeat(1000))).isEqualTo("OK|");
    }

    @Test
    void controlQuotaSetChangesTheLimitLive() {
        start(XenstoredConfig.defaults());
        assertThat(dom0.ask(XsType.XS_CONTROL, 0, "quota")).startsWith("Quota settings:\n")
                .contains(String.format("%-17s: %8d %s\n", "nodes", 1000, "Nodes per domain"));
        assertThat(dom0.ask(XsType.XS_CONTROL, 0, "quota", "set", "nodes", "2")).isEqualTo("OK|");
        assertThat(xs.config().nodesPerDomain()).isEqualTo(2);
        assertThat(dom1.write("a", "")).isEqualTo("OK|");
        assertThat(dom1.write("b", "")).isEqualTo("ERR ENOSPC");
        assertThat(dom0.ask(XsType.XS_CONTROL, 0, "quota", "1")).startsWith("Domain 1:\n")
                .contains(String.format("%-16s: %8d\n", "nodes", 2));
        assertThat(dom0.ask(XsType.XS_CONTROL, 0, "quota-soft")).contains("memory");
    }

    @Test
    void pathMaxLimitsEveryPathBelowTheDomainPrefix() {
        // C quota_max_path_len, CONTROL "path-max": is_valid_nodename() for every connection, dom0's included.
        start(XenstoredConfig.defaults());
        assertThat(dom0.ask(XsType.XS_CONTROL, 0, "quota"))
                .contains(String.format("%-17s: %8d %s\n", "path-max", 2048, "Max. length of a node path"));
        assertThat(dom0.ask(XsType.XS_CONTROL, 0, "quota", "set", "path-max", "10")).isEqualTo("OK|");
        assertThat(xs.config().pathMax()).isEqualTo(10);
        assertThat(dom0.read("/" + "x".repeat(9))).isEqualTo("ERR ENOENT");
        assertThat(dom0.read("/" + "x".repeat(10))).isEqualTo("ERR EINVAL");
        assertThat(dom1.read("y".repeat(10))).isEqualTo("ERR ENOENT");
        assertThat(dom1.read("y".repeat(11))).isEqualTo("ERR EINVAL");
        assertThat(dom0.write("/local/domain/2/" + "z".repeat(10), "v")).isEqualTo("OK|");
        assertThat(dom0.ask(XsType.XS_WATCH, 0, "/" + "w".repeat(10), "t")).isEqualTo("ERR EINVAL");
    }

    @Test
    void outstandingRequestsStallTheReaderAndFloodingClosesOnlyTheFlooder() {
        start(XenstoredConfig.defaults().withOutstandingRequests(4, 8));
        for (int i = 0; i < 4; i++) {
            dom1.conn.receive(XsMessage.of(XsType.XS_READ, i, 0, "x"));
        }
        assertThat(dom1.conn.isStalled()).isTrue();
        for (int i = 0; i < 4; i++) {
            dom0.conn.receive(XsMessage.of(XsType.XS_READ, i, 0, "/x"));
        }
        assertThat(dom0.conn.isStalled()).isFalse();
        executor.runAll();
        assertThat(dom1.conn.isStalled()).isFalse();
        assertThat(dom1.received).hasSize(4);

        // A transport that ignores the stall: past maxQueuedRequests the connection is dropped.
        for (int i = 0; i < 9; i++) {
            dom2.conn.receive(XsMessage.of(XsType.XS_READ, i, 0, "x"));
        }
        executor.runAll();
        assertThat(dom2.closedReason).contains("requests queued");
        assertThat(dom2.conn.isClosed()).isTrue();
        assertThat(dom1.read("x")).isEqualTo("ERR ENOENT");
        assertThat(dom1.closedReason).isNull();
    }

    @Test
    void payloadOfTheLargestWriteIsAccepted() {
        start(XenstoredConfig.defaults());
        String path = "/v";
        byte[] value = new byte[4096 - path.length() - 1];
        var reply = dom0.call(XsType.XS_WRITE, 0, XsPayloads.stringThenBytes(path, value));
        assertThat(Peer.render(reply)).isEqualTo("OK|");
        assertThat(dom0.call(XsType.XS_READ, 0, path).payload()).isEqualTo(value);
    }
}
