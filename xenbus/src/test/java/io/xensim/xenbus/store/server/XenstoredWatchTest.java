package io.xensim.xenbus.store.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.store.ManualExecutor;
import io.xensim.xenbus.store.wire.XsMessage;
import io.xensim.xenbus.store.wire.XsType;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Watch firing rules of C xenstored 4.17 (xenstored_watch.c, {@code delnode_sub()}, transactions). */
class XenstoredWatchTest {
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
        dom0.clear();
    }

    @Test
    void firesOnceOnRegistrationAfterTheReply() {
        dom0.call(XsType.XS_WATCH, 0, "/nonexistent/path", "tok");
        List<XsMessage> r = dom0.received;
        assertThat(r).hasSize(2);
        assertThat(r.get(0).is(XsType.XS_WATCH)).isTrue();
        assertThat(r.get(1)).isEqualTo(XsMessage.watchEvent("/nonexistent/path", "tok"));
        assertThat(r.get(1).reqId()).isZero();
        assertThat(r.get(1).txId()).isZero();
    }

    @Test
    void firesForChangesAtOrBelowThePath() {
        dom0.call(XsType.XS_WATCH, 0, "/a", "tok");
        dom0.takeEvents();
        dom1.call(XsType.XS_WATCH, 0, "/", "root");   // dom1 may watch anything; it only hears what it may read
        dom1.takeEvents();

        dom0.write("/a/b/c", "1");
        dom0.write("/ab", "x");                        // a sibling with a common prefix is not below /a
        dom0.write("/a", "v");
        dom0.ask(XsType.XS_MKDIR, 0, "/a");            // exists already: no event
        dom0.ask(XsType.XS_MKDIR, 0, "/a/d");
        dom0.ask(XsType.XS_SET_PERMS, 0, "/a/d", "n0", "r1");
        assertThat(dom0.takeEvents()).containsExactly("/a/b/c tok", "/a tok", "/a/d tok", "/a/d tok");
        // dom1 can read /a/d only after the permission change: that one event reaches it.
        assertThat(dom1.takeEvents()).containsExactly("/a/d root");
    }

    @Test
    void identicalEventsOfOneRequestReachAConnectionOnce() {
        // C send_event(): an event equal to one already queued for the connection is dropped. Both watches match
        // the write of /dw/a/b and would send "/dw/a/b tok".
        dom0.call(XsType.XS_WATCH, 0, "/dw/a", "tok");
        dom0.call(XsType.XS_WATCH, 0, "/dw/a/b", "tok");
        dom0.call(XsType.XS_WATCH, 0, "/dw", "other");
        Peer second = Peer.connect(xs, executor, ConnectionInfo.dom0("second"));
        second.call(XsType.XS_WATCH, 0, "/dw/a", "tok");
        second.call(XsType.XS_WATCH, 0, "/dw/a/b", "tok");
        dom0.takeEvents();
        second.takeEvents();

        dom0.write("/dw/a/b", "1");
        assertThat(dom0.takeEvents()).containsExactly("/dw/a/b tok", "/dw/a/b other");
        assertThat(second.takeEvents()).containsExactly("/dw/a/b tok");
        // The next request's events are new again.
        dom0.write("/dw/a/b", "2");
        assertThat(dom0.takeEvents()).containsExactly("/dw/a/b tok", "/dw/a/b other");
    }

    @Test
    void identicalEventsOfOneCommitReachAConnectionOnce() {
        dom0.call(XsType.XS_WATCH, 0, "/dw", "tok");
        dom0.call(XsType.XS_WATCH, 0, "/dw/a", "tok");
        dom0.takeEvents();
        int tx = dom0.startTransaction();
        dom0.write(tx, "/dw/a", "1");
        dom0.write(tx, "/dw/c", "2");
        assertThat(dom0.takeEvents()).isEmpty();
        assertThat(dom0.ask(XsType.XS_TRANSACTION_END, tx, "T")).isEqualTo("OK|");
        assertThat(dom0.takeEvents()).containsExactly("/dw/a tok", "/dw/c tok");
    }

    @Test
    void ownChangeEventPrecedesTheReply() {
        dom0.call(XsType.XS_WATCH, 0, "/a", "tok");
        dom0.clear();
        dom0.write("/a/x", "1");
        assertThat(dom0.received).hasSize(2);
        assertThat(dom0.received.get(0).is(XsType.XS_WATCH_EVENT)).isTrue();
        assertThat(dom0.received.get(1).is(XsType.XS_WRITE)).isTrue();
    }

    @Test
    void removalFiresExactlyForRemovedChildrenAndBroadlyForTheRoot() {
        dom0.write("/a/b/c", "1");
        dom0.write("/a/e", "2");
        Peer watcher = Peer.connect(xs, executor, ConnectionInfo.dom0("watcher"));
        for (String w : List.of("/", "/a", "/a/b", "/a/b/c", "/a/b/c/never", "/a/e")) {
            watcher.call(XsType.XS_WATCH, 0, w, "w" + w);
        }
        watcher.takeEvents();
        dom0.ask(XsType.XS_RM, 0, "/a");
        // Children first (post-order); each child only reaches the watch on exactly its path; the removed root
        // reaches watches on it and above.
        assertThat(watcher.takeEvents()).containsExactly(
                "/a/b/c w/a/b/c", "/a/b w/a/b", "/a/e w/a/e", "/a w/", "/a w/a");
    }

    @Test
    void relativeWatchesReportRelativePaths() {
        dom1.call(XsType.XS_WATCH, 0, "device", "rel");
        assertThat(dom1.takeEvents()).containsExactly("device rel");
        dom0.write("/local/domain/1/device/vif/0/state", "4");
        dom0.write("/local/domain/1/device", "");
        assertThat(dom1.takeEvents()).containsExactly("device/vif/0/state rel", "device rel");
        // Duplicates are detected on the canonical path: the absolute form of the same watch is EEXIST.
        assertThat(dom1.ask(XsType.XS_WATCH, 0, "/local/domain/1/device", "rel")).isEqualTo("ERR EEXIST");
        assertThat(dom1.ask(XsType.XS_UNWATCH, 0, "device", "rel")).isEqualTo("OK|");
    }

    @Test
    void tokenIsEchoedByteForByte() {
        String token = "tok with spaces/\u00ff\u0001";
        dom0.call(XsType.XS_WATCH, 0, "/t", token);
        dom0.write("/t", "1");
        assertThat(dom0.takeEvents()).containsExactly("/t " + token, "/t " + token);
    }

    @Test
    void duplicateWatchIsEexistButAnotherTokenIsFine() {
        assertThat(dom0.ask(XsType.XS_WATCH, 0, "/a", "t")).isEqualTo("OK|");
        assertThat(dom0.ask(XsType.XS_WATCH, 0, "/a", "t")).isEqualTo("ERR EEXIST");
        assertThat(dom0.ask(XsType.XS_WATCH, 0, "/a", "u")).isEqualTo("OK|");
        dom0.takeEvents();
        dom0.write("/a", "1");
        assertThat(dom0.takeEvents()).containsExactly("/a t", "/a u");
    }

    @Test
    void unwatchAndResetWatchesStopEvents() {
        dom0.call(XsType.XS_WATCH, 0, "/a", "t");
        dom0.call(XsType.XS_WATCH, 0, "/b", "t");
        assertThat(dom0.ask(XsType.XS_UNWATCH, 0, "/a", "t")).isEqualTo("OK|");
        dom0.takeEvents();
        dom0.write("/a", "1");
        dom0.write("/b", "1");
        assertThat(dom0.takeEvents()).containsExactly("/b t");
        assertThat(dom0.ask(XsType.XS_RESET_WATCHES, 0, "")).isEqualTo("OK|");
        dom0.write("/b", "2");
        assertThat(dom0.takeEvents()).isEmpty();
    }

    @Test
    void eventsOnlyReachConnectionsThatMayRead() {
        dom1.call(XsType.XS_WATCH, 0, "/", "all");
        dom1.takeEvents();
        dom0.write("/secret", "s");
        dom0.write("/local/domain/1/visible", "v");
        assertThat(dom1.takeEvents()).containsExactly("/local/domain/1/visible all");
        dom1.call(XsType.XS_WATCH, 0, "/local/domain/1/visible", "vis");
        dom1.takeEvents();
        // Removal of a readable node is reported even though the watcher cannot read its parent's parent; the
        // removed child only reaches the watch on exactly its path.
        dom0.ask(XsType.XS_RM, 0, "/local/domain/1");
        assertThat(dom1.takeEvents()).containsExactly("/local/domain/1/visible vis", "/local/domain/1 all");
    }

    @Test
    void losingReadPermissionIsStillReported() {
        dom0.write("/shared", "x");
        dom0.ask(XsType.XS_SET_PERMS, 0, "/shared", "n0", "r1");
        dom1.call(XsType.XS_WATCH, 0, "/shared", "s");
        dom1.takeEvents();
        dom0.ask(XsType.XS_SET_PERMS, 0, "/shared", "n0");
        assertThat(dom1.takeEvents()).containsExactly("/shared s");
        dom0.write("/shared", "y");
        assertThat(dom1.takeEvents()).isEmpty();
    }

    @Test
    void transactionalChangesFireOnlyOnCommit() {
        dom0.write("/t", "");
        Peer watcher = Peer.connect(xs, executor, ConnectionInfo.dom0("watcher"));
        watcher.call(XsType.XS_WATCH, 0, "/t", "w");
        watcher.takeEvents();

        int tx = dom0.startTransaction();
        dom0.write(tx, "/t/x", "1");
        dom0.ask(XsType.XS_RM, tx, "/t/x");
        dom0.write(tx, "/t/y/z", "2");
        assertThat(watcher.takeEvents()).isEmpty();
        assertThat(dom0.ask(XsType.XS_TRANSACTION_END, tx, "T")).isEqualTo("OK|");
        // One event per changed node that fired inside, in first-touch order: /t/x was created and removed inside
        // the transaction, so after the commit no one can read it and its event goes nowhere; intermediate /t/y
        // fires nothing (C fires for the written node only).
        assertThat(watcher.takeEvents()).containsExactly("/t/y/z w");

        int aborted = dom0.startTransaction();
        dom0.write(aborted, "/t/q", "1");
        dom0.ask(XsType.XS_TRANSACTION_END, aborted, "F");
        assertThat(watcher.takeEvents()).isEmpty();
    }

    @Test
    void specialWatchesFollowTheirPermissions() {
        dom0.call(XsType.XS_WATCH, 0, "@introduceDomain", "intro");
        dom0.call(XsType.XS_WATCH, 0, "@releaseDomain", "rel");
        dom0.call(XsType.XS_WATCH, 0, "@releaseDomain/5", "rel5");
        dom0.call(XsType.XS_WATCH, 0, "@releaseDomain/6", "rel6");
        dom0.call(XsType.XS_WATCH, 0, "/", "root");
        dom1.call(XsType.XS_WATCH, 0, "@introduceDomain", "intro1");
        dom0.takeEvents();
        assertThat(dom1.takeEvents()).containsExactly("@introduceDomain intro1");   // registration event

        xs.introduceDomain(5);
        executor.runAll();
        // A privileged watch on "/" matches special events too (C is_child() treats "/" as everyone's parent).
        assertThat(dom0.takeEvents()).containsExactly("@introduceDomain intro", "@introduceDomain root");
        assertThat(dom1.takeEvents()).isEmpty();

        dom0.ask(XsType.XS_SET_PERMS, 0, "@introduceDomain", "n0", "r1");
        xs.introduceDomain(6);
        executor.runAll();
        assertThat(dom1.takeEvents()).containsExactly("@introduceDomain intro1");
        dom0.takeEvents();

        assertThat(dom0.ask(XsType.XS_RELEASE, 0, "5")).isEqualTo("OK|");
        assertThat(dom0.takeEvents()).containsExactly("@releaseDomain rel", "@releaseDomain root",
                "@releaseDomain/5 rel5");
    }
}
