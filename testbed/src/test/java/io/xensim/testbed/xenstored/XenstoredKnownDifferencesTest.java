package io.xensim.testbed.xenstored;

import static io.xensim.testbed.xenstored.XenstoredDifferentialTest.Generator.strings;
import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.testbed.xenstored.XenstoredDifferentialTest.Kind;
import io.xensim.testbed.xenstored.XenstoredDifferentialTest.Observed;
import io.xensim.testbed.xenstored.XenstoredDifferentialTest.Side;
import io.xensim.testbed.xenstored.XenstoredDifferentialTest.Step;
import io.xensim.xenbus.store.wire.XsType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The differences issue 7 lists, each as the shortest request sequence that shows it, sent to the real C xenstored
 * 4.17 and to xensim. The four that xensim fixed (and the generation count the differential test found since) assert
 * that both daemons answer alike. The two deliberate ones assert each daemon's own answer, so the list of
 * deliberate differences in {@link XenstoredDifferentialTest.Deliberate} stays true.
 */
@Timeout(120)
class XenstoredKnownDifferencesTest {
    private CXenstored cDaemon;
    private XensimXenstored xDaemon;
    private Side c;
    private Side x;
    private int index;

    @BeforeEach
    void start() throws Exception {
        cDaemon = CXenstored.start();
        xDaemon = XensimXenstored.start();
        c = new Side("C", cDaemon.socket());
        x = new Side("xensim", xDaemon.socket());
    }

    @AfterEach
    void stop() throws Exception {
        if (cDaemon == null) {
            return; // start() skipped the test: no C xenstored on this machine (HostTools)
        }
        try {
            assertThat(cDaemon.isAlive()).as("C xenstored still running%s", cDaemon.stderrForMessage()).isTrue();
        } finally {
            for (AutoCloseable open : new AutoCloseable[] {c, x, cDaemon, xDaemon}) {
                if (open != null) {
                    open.close();
                }
            }
        }
    }

    /** Sends one request on connection {@code conn} of both daemons; returns {C, xensim}. */
    private Observed[] both(int conn, XsType type, int txStep, byte[] payload, Kind kind) throws Exception {
        var step = new Step(conn, type.code(), txStep, 0, payload, kind);
        int i = index++;
        return new Observed[] {c.execute(i, step), x.execute(i, step)};
    }

    private Observed[] both(int conn, XsType type, String... args) throws Exception {
        return both(conn, type, Step.NO_TX_STEP, strings(args), Kind.NORMAL);
    }

    /** Both daemons answered alike; {@code expectedC} is C's reply, as rendered. */
    private static void alike(Observed[] o, String expectedC) {
        assertThat(o[0].reply()).as("C 4.17's reply").isEqualTo(expectedC);
        assertThat(o[1]).as("xensim, against C 4.17's %s", o[0]).isEqualTo(o[0]);
    }

    /** C 4.15+ is_valid_nodename(): at most XENSTORE_REL_PATH_MAX (2048) after a leading /local/domain/<id>/. */
    @Test
    void pathLengthIsLimitedBelowTheDomainPrefix() throws Exception {
        String rel2048 = "a".repeat(2048);
        alike(both(0, XsType.XS_WRITE, "/local/domain/0/" + rel2048), "XS_WRITE tx=0 \"OK\\0\"");
        alike(both(0, XsType.XS_WRITE, rel2048 + "b"), "XS_ERROR tx=0 \"EINVAL\\0\"");
        alike(both(0, XsType.XS_WRITE, "/t/" + "a".repeat(2046)), "XS_ERROR tx=0 \"EINVAL\\0\"");
        alike(both(0, XsType.XS_WRITE, "/t/" + "a".repeat(2045)), "XS_WRITE tx=0 \"OK\\0\"");
    }

    /** C send_event(): an identical (path, token) event already queued for the connection is not queued again. */
    @Test
    void oneRequestFiringTwoWatchesWithOneTokenSendsOneEvent() throws Exception {
        both(0, XsType.XS_WATCH, "/dw/a", "tok");
        both(0, XsType.XS_WATCH, "/dw/a/b", "tok");
        Observed[] write = both(1, XsType.XS_WRITE, "/dw/a/b");
        assertThat(write[0].events().get(0)).as("C's events on the watching connection")
                .containsExactly("|", "XS_WATCH_EVENT req=0 tx=0 \"/dw/a/b\\0tok\\0\"");
        assertThat(write[1]).isEqualTo(write[0]);
    }

    /** C do_set_perms(): the owner (first entry) must be a domain that exists; other entries need not. */
    @Test
    void setPermsWithAnOwnerThatDoesNotExistIsEnoent() throws Exception {
        both(0, XsType.XS_WRITE, "/sp");
        alike(both(0, XsType.XS_SET_PERMS, "/sp", "b5"), "XS_ERROR tx=0 \"ENOENT\\0\"");
        alike(both(0, XsType.XS_SET_PERMS, "/sp", "n0", "r5"), "XS_SET_PERMS tx=0 \"OK\\0\"");
        alike(both(0, XsType.XS_GET_PERMS, "/sp"), "XS_GET_PERMS tx=0 \"n0\\0r5\\0\"");
        // The owner is checked before the node: an invalid path with an unknown owner is ENOENT, not EINVAL.
        alike(both(0, XsType.XS_SET_PERMS, "/sp/", "b5"), "XS_ERROR tx=0 \"ENOENT\\0\"");
    }

    /**
     * C rm_node() in a transaction: once the transaction has its own copy of the parent (here: it created a sibling),
     * that copy lacks a child created outside after the transaction started, while the child itself is still read
     * from outside; delete_child() finds no entry and reports corruption (EIO). The commit fails with EAGAIN.
     */
    @Test
    void rmInATransactionOfAChildCreatedOutsideAfterTheTransactionCopiedItsParentIsEio() throws Exception {
        both(0, XsType.XS_WRITE, "/rt");
        int started = index;
        both(0, XsType.XS_TRANSACTION_START, "");
        alike(both(0, XsType.XS_WRITE, started, strings("/rt/sibling"), Kind.NORMAL),
                "XS_WRITE tx=T@" + started + " \"OK\\0\"");
        both(1, XsType.XS_WRITE, "/rt/new");
        alike(both(0, XsType.XS_RM, started, strings("/rt/new"), Kind.NORMAL),
                "XS_ERROR tx=T@" + started + " \"EIO\\0\"");
        alike(both(0, XsType.XS_TRANSACTION_END, started, strings("T"), Kind.NORMAL),
                "XS_ERROR tx=T@" + started + " \"EAGAIN\\0\"");
    }

    /**
     * Found by the differential test: C's generation counter is pre-incremented ({@code node->generation =
     * ++generation}, xenstored_transaction.c; setup_structure() makes "/" 1, "/tool" 2, "/tool/xenstored" 3).
     * DIRECTORY_PART shows it, and its chunks depend on the count's decimal width. Compared raw here, unlike the
     * differential test, which normalises generation counts.
     */
    @Test
    void generationCountsStartWhereCsDo() throws Exception {
        var raw = new ArrayList<String>();
        for (Side side : List.of(c, x)) {
            try (var conn = new XsWireConnection(side.socket)) {
                for (String path : List.of("/", "/tool", "/tool/xenstored")) {
                    var answer = conn.request(io.xensim.xenbus.store.wire.XsMessage.of(XsType.XS_DIRECTORY_PART,
                            1, 0, path, "0"));
                    raw.add(side.name + " " + path + " " + answer.reply().strings().getFirst());
                }
            }
        }
        assertThat(raw).containsExactly("C / 1", "C /tool 2", "C /tool/xenstored 3",
                "xensim / 1", "xensim /tool 2", "xensim /tool/xenstored 3");
    }

    /** Deliberate: C 4.17 answers a one-argument request without its NUL with a stale errno; xensim EINVAL. */
    @Test
    void malformedOneArgumentPayloadGetsAStaleErrnoInCAndEinvalInXensim() throws Exception {
        List<String> c417 = new ArrayList<>();
        for (XsType type : List.of(XsType.XS_READ, XsType.XS_DIRECTORY, XsType.XS_GET_PERMS)) {
            both(0, XsType.XS_READ, "/no-such-node");   // leaves C's errno ENOENT
            Observed[] o = both(0, type, Step.NO_TX_STEP, "/tool".getBytes(), Kind.STALE_ERRNO_ONEARG);
            c417.add(o[0].reply());
            assertThat(o[1].reply()).isEqualTo("XS_ERROR tx=0 \"EINVAL\\0\"");
            assertThat(XenstoredDifferentialTest.Deliberate.explaining(
                    new Step(0, type.code(), Step.NO_TX_STEP, 0, new byte[0], Kind.STALE_ERRNO_ONEARG), o[0], o[1]))
                    .isEqualTo(XenstoredDifferentialTest.Deliberate.ONEARG_MALFORMED_STALE_ERRNO);
        }
        assertThat(c417).as("C 4.17 repeats the ENOENT the READ before left").containsOnly(
                "XS_ERROR tx=0 \"ENOENT\\0\"");
    }

    /** Deliberate: C 4.17 answers SET_PERMS of an unknown @name with a stale errno; xensim EINVAL. */
    @Test
    void setPermsOfAnUnknownSpecialNameGetsAStaleErrnoInCAndEinvalInXensim() throws Exception {
        both(0, XsType.XS_READ, "/no-such-node");
        Observed[] o = both(0, XsType.XS_SET_PERMS, Step.NO_TX_STEP, strings("@bogus", "n0"),
                Kind.STALE_ERRNO_SPECIAL_SET_PERMS);
        assertThat(o[0].reply()).isEqualTo("XS_ERROR tx=0 \"ENOENT\\0\"");
        assertThat(o[1].reply()).isEqualTo("XS_ERROR tx=0 \"EINVAL\\0\"");
    }
}
