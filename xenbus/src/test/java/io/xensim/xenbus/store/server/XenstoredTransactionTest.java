package io.xensim.xenbus.store.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.store.ManualExecutor;
import io.xensim.xenbus.store.wire.XsType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Transactions as C xenstored 4.17 decides them (xenstored_transaction.c): a node read in the transaction is checked
 * at commit against its generation in the store; EAGAIN if it changed; nodes the transaction did not touch are read
 * from the live store.
 */
class XenstoredTransactionTest {
    private final ManualExecutor executor = new ManualExecutor();
    private Xenstored xs;
    private Peer a;
    private Peer b;

    @BeforeEach
    void setUp() {
        xs = new Xenstored(executor);
        a = Peer.connect(xs, executor, ConnectionInfo.dom0("a"));
        b = Peer.connect(xs, executor, ConnectionInfo.dom0("b"));
        a.write("/A", "a0");
        a.write("/B", "b0");
    }

    @AfterEach
    void noInternalErrors() {
        assertThat(xs.internalErrors()).isZero();
    }

    @Test
    void writesAreIsolatedUntilCommit() {
        int tx = a.startTransaction();
        assertThat(a.write(tx, "/A", "a1")).isEqualTo("OK|");
        assertThat(a.write(tx, "/new/deep", "n")).isEqualTo("OK|");
        assertThat(a.ask(XsType.XS_READ, tx, "/A")).isEqualTo("a1");
        assertThat(a.read("/A")).isEqualTo("a0");
        assertThat(b.read("/new/deep")).isEqualTo("ERR ENOENT");
        assertThat(b.ask(XsType.XS_DIRECTORY, 0, "/")).isEqualTo("tool|A|B|");
        assertThat(a.ask(XsType.XS_DIRECTORY, tx, "/")).isEqualTo("tool|A|B|new|");
        assertThat(a.ask(XsType.XS_TRANSACTION_END, tx, "T")).isEqualTo("OK|");
        assertThat(b.read("/A")).isEqualTo("a1");
        assertThat(b.read("/new/deep")).isEqualTo("n");
    }

    @Test
    void rmOfANodeCreatedOutsideAfterTheParentWasReadIsEio() {
        // C rm_node()/delete_child(): the transaction's copy of /A, read before /A/late existed, does not list it;
        // C calls that corruption and answers EIO. The commit then fails as /A changed outside.
        int tx = a.startTransaction();
        assertThat(a.ask(XsType.XS_DIRECTORY, tx, "/A")).isEmpty();
        assertThat(b.write("/A/late", "x")).isEqualTo("OK|");
        assertThat(a.ask(XsType.XS_RM, tx, "/A/late")).isEqualTo("ERR EIO");
        assertThat(a.ask(XsType.XS_TRANSACTION_END, tx, "T")).isEqualTo("ERR EAGAIN");
        assertThat(b.read("/A/late")).isEqualTo("x");
    }

    @Test
    void rmOfASubtreeWhoseChildWasRemovedOutsideAfterItWasReadIsEio() {
        // C walk_node_tree(): the transaction's copy of /A lists /A/x, which is gone outside; reading the child
        // fails, the walk stops, and rm_node() answers EIO.
        assertThat(a.write("/A/x", "1")).isEqualTo("OK|");
        int tx = a.startTransaction();
        assertThat(a.ask(XsType.XS_DIRECTORY, tx, "/A")).isEqualTo("x|");
        assertThat(b.ask(XsType.XS_RM, 0, "/A/x")).isEqualTo("OK|");
        assertThat(a.ask(XsType.XS_RM, tx, "/A")).isEqualTo("ERR EIO");
        assertThat(a.ask(XsType.XS_TRANSACTION_END, tx, "T")).isEqualTo("ERR EAGAIN");
        assertThat(b.read("/A")).isEqualTo("a0");
    }

    @Test
    void rmOfANodeCreatedOutsideIsFineIfTheParentWasNotRead() {
        int tx = a.startTransaction();
        assertThat(b.write("/A/late", "x")).isEqualTo("OK|");
        assertThat(a.ask(XsType.XS_RM, tx, "/A/late")).isEqualTo("OK|");
        assertThat(a.ask(XsType.XS_TRANSACTION_END, tx, "T")).isEqualTo("OK|");
        assertThat(b.read("/A/late")).isEqualTo("ERR ENOENT");
    }

    @Test
    void generationCountsArePreIncrementedFromOne() {
        // C access_node(): node->generation = ++generation; setup_structure() makes "/" 1, "/tool" 2,
        // "/tool/xenstored" 3. DIRECTORY_PART shows a node's count.
        var fresh = new Xenstored(executor);
        Peer p = Peer.connect(fresh, executor, ConnectionInfo.dom0("fresh"));
        assertThat(p.ask(XsType.XS_DIRECTORY_PART, 0, "/", "0")).isEqualTo("1|tool||");
        assertThat(p.ask(XsType.XS_DIRECTORY_PART, 0, "/tool", "0")).isEqualTo("2|xenstored||");
        assertThat(p.ask(XsType.XS_DIRECTORY_PART, 0, "/tool/xenstored", "0")).isEqualTo("3||");
        assertThat(p.write("/g", "")).isEqualTo("OK|");   // the new node, then its parent
        assertThat(p.ask(XsType.XS_DIRECTORY_PART, 0, "/g", "0")).isEqualTo("4||");
        assertThat(p.ask(XsType.XS_DIRECTORY_PART, 0, "/", "0")).isEqualTo("5|tool|g||");
        // Creation writes bottom-up: /s/a/b 6, /s/a 7, /s 8, / 9. Removal (C walk_node_tree(), rm_from_parent())
        // deletes a child, then writes its parent without it: b 10, a 11 (written), a 12, s 13 (written), s 14,
        // and / 15 without s.
        assertThat(p.write("/s/a/b", "")).isEqualTo("OK|");
        assertThat(p.ask(XsType.XS_DIRECTORY_PART, 0, "/", "0")).isEqualTo("9|tool|g|s||");
        assertThat(p.ask(XsType.XS_RM, 0, "/s")).isEqualTo("OK|");
        assertThat(p.ask(XsType.XS_DIRECTORY_PART, 0, "/", "0")).isEqualTo("15|tool|g||");
    }

    @Test
    void abortDiscards() {
        int tx = a.startTransaction();
        a.write(tx, "/A", "a1");
        a.ask(XsType.XS_RM, tx, "/B");
        assertThat(a.ask(XsType.XS_TRANSACTION_END, tx, "F")).isEqualTo("OK|");
        assertThat(a.read("/A")).isEqualTo("a0");
        assertThat(a.read("/B")).isEqualTo("b0");
        // After END the id is dead.
        assertThat(a.ask(XsType.XS_READ, tx, "/A")).isEqualTo("ERR ENOENT");
        assertThat(a.ask(XsType.XS_TRANSACTION_END, tx, "T")).isEqualTo("ERR ENOENT");
    }

    @Test
    void untouchedNodesAreReadLive() {
        int tx = a.startTransaction();
        b.write("/B", "b1");
        assertThat(a.ask(XsType.XS_READ, tx, "/B")).isEqualTo("b1");
        assertThat(a.ask(XsType.XS_TRANSACTION_END, tx, "T")).isEqualTo("OK|");
    }

    @Test
    void conflictingWriteToAReadNodeIsEagain() {
        // C example 2: TA1 reads A; A is written outside; TA1 writes B; END -> EAGAIN.
        int tx = a.startTransaction();
        a.ask(XsType.XS_READ, tx, "/A");
        b.write("/A", "outside");
        a.write(tx, "/B", "from-tx");
        assertThat(a.ask(XsType.XS_TRANSACTION_END, tx, "T")).isEqualTo("ERR EAGAIN");
        assertThat(a.read("/B")).isEqualTo("b0");
        assertThat(a.read("/A")).isEqualTo("outside");
    }

    @Test
    void conflictingDeleteIsEagain() {
        int tx = a.startTransaction();
        a.ask(XsType.XS_READ, tx, "/A");
        b.ask(XsType.XS_RM, 0, "/A");
        a.write(tx, "/B", "x");
        assertThat(a.ask(XsType.XS_TRANSACTION_END, tx, "T")).isEqualTo("ERR EAGAIN");
    }

    @Test
    void creationOfANodeReadAsMissingIsEagain() {
        int tx = a.startTransaction();
        assertThat(a.ask(XsType.XS_READ, tx, "/C")).isEqualTo("ERR ENOENT");
        b.write("/C", "c");
        assertThat(a.ask(XsType.XS_TRANSACTION_END, tx, "T")).isEqualTo("ERR EAGAIN");
    }

    @Test
    void interferingTransactionsFirstCommitWins() {
        // C example 4: TA1 reads A, TA2 reads B, TA1 writes B, TA2 writes A: TA1 commits, TA2 gets EAGAIN.
        int t1 = a.startTransaction();
        int t2 = b.startTransaction();
        a.ask(XsType.XS_READ, t1, "/A");
        b.ask(XsType.XS_READ, t2, "/B");
        a.write(t1, "/B", "t1");
        b.write(t2, "/A", "t2");
        assertThat(a.ask(XsType.XS_TRANSACTION_END, t1, "T")).isEqualTo("OK|");
        assertThat(b.ask(XsType.XS_TRANSACTION_END, t2, "T")).isEqualTo("ERR EAGAIN");
        assertThat(a.read("/A")).isEqualTo("a0");
        assertThat(a.read("/B")).isEqualTo("t1");
    }

    @Test
    void unrelatedOutsideWritesDoNotConflict() {
        int tx = a.startTransaction();
        a.ask(XsType.XS_READ, tx, "/A");
        a.write(tx, "/A", "mine");
        b.write("/B", "elsewhere");
        b.write("/Z/z", "new subtree");   // changes the root's child list, which the transaction never read
        assertThat(a.ask(XsType.XS_TRANSACTION_END, tx, "T")).isEqualTo("OK|");
        assertThat(b.read("/A")).isEqualTo("mine");
    }

    @Test
    void siblingsCreatedConcurrentlyConflictOnTheParent() {
        // Creating a child reads its parent: two creators of children of one node conflict.
        a.write("/P", "");
        int tx = a.startTransaction();
        a.write(tx, "/P/x", "1");
        b.write("/P/y", "2");
        assertThat(a.ask(XsType.XS_TRANSACTION_END, tx, "T")).isEqualTo("ERR EAGAIN");
    }

    @Test
    void rmInsideATransactionAppliesAtCommit() {
        a.write("/R/x/y", "1");
        int tx = a.startTransaction();
        assertThat(a.ask(XsType.XS_RM, tx, "/R/x")).isEqualTo("OK|");
        assertThat(a.ask(XsType.XS_READ, tx, "/R/x/y")).isEqualTo("ERR ENOENT");
        assertThat(b.read("/R/x/y")).isEqualTo("1");
        assertThat(a.ask(XsType.XS_TRANSACTION_END, tx, "T")).isEqualTo("OK|");
        assertThat(b.read("/R/x/y")).isEqualTo("ERR ENOENT");
        assertThat(b.ask(XsType.XS_DIRECTORY, 0, "/R")).isEmpty();
    }

    @Test
    void nestedStartIsEbusyAndIdsAreFresh() {
        int t1 = a.startTransaction();
        assertThat(t1).isEqualTo(1);
        assertThat(a.ask(XsType.XS_TRANSACTION_START, t1, "")).isEqualTo("ERR EBUSY");
        int t2 = a.startTransaction();
        assertThat(t2).isEqualTo(2);
        a.ask(XsType.XS_TRANSACTION_END, t1, "F");
        assertThat(a.startTransaction()).isEqualTo(3);
        // Transaction ids are per connection.
        assertThat(b.startTransaction()).isEqualTo(1);
    }

    @Test
    void resetWatchesEndsTransactions() {
        int tx = a.startTransaction();
        a.write(tx, "/A", "lost");
        a.ask(XsType.XS_RESET_WATCHES, 0, "");
        assertThat(a.ask(XsType.XS_TRANSACTION_END, tx, "T")).isEqualTo("ERR ENOENT");
        assertThat(a.read("/A")).isEqualTo("a0");
    }

    @Test
    void closingAConnectionDropsItsTransactions() {
        int tx = a.startTransaction();
        a.write(tx, "/A", "lost");
        a.conn.close();
        executor.runAll();
        assertThat(b.read("/A")).isEqualTo("a0");
        var stats = xs.stats();
        executor.runAll();
        assertThat(stats.join().transactions()).isZero();
    }

    @Test
    void directoryPartGenerationMovesWithChanges() {
        a.write("/D/one", "");
        String first = a.ask(XsType.XS_DIRECTORY_PART, 0, "/D", "0");
        assertThat(first).endsWith("|one||");
        assertThat(a.ask(XsType.XS_DIRECTORY_PART, 0, "/D", "0")).isEqualTo(first);
        a.write("/D/two", "");
        String second = a.ask(XsType.XS_DIRECTORY_PART, 0, "/D", "0");
        assertThat(second).endsWith("|one|two||");
        assertThat(second.substring(0, second.indexOf('|'))).isNotEqualTo(first.substring(0, first.indexOf('|')));
    }
}
