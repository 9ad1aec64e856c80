package io.xensim.xenbus.store.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.xenbus.store.ManualExecutor;
import io.xensim.xenbus.store.wire.XsType;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Domain requests and the toolstack API (C xenstored_domain.c). */
class XenstoredDomainTest {
    private final ManualExecutor executor = new ManualExecutor();
    private final List<String> hookCalls = new ArrayList<>();
    private boolean hookAccepts = true;
    private Xenstored xs;
    private Peer dom0;

    @BeforeEach
    void setUp() {
        xs = new Xenstored(executor);
        xs.setDomainIntroducer(new DomainIntroducer() {
            @Override
            public boolean introduce(int domid, long gfn, int port) {
                hookCalls.add("introduce " + domid + " " + gfn + " " + port);
                return hookAccepts;
            }

            @Override
            public void release(int domid) {
                hookCalls.add("release " + domid);
            }
        });
        dom0 = Peer.connect(xs, executor, ConnectionInfo.dom0("tools"));
        dom0.call(XsType.XS_WATCH, 0, "@introduceDomain", "in");
        dom0.call(XsType.XS_WATCH, 0, "@releaseDomain", "out");
        dom0.takeEvents();
    }

    @AfterEach
    void noInternalErrors() {
        assertThat(xs.internalErrors()).isZero();
    }

    @Test
    void introduceAttachesThroughTheHookAndFiresOnce() {
        assertThat(dom0.ask(XsType.XS_INTRODUCE, 0, "5", "-2", "7")).isEqualTo("OK|");
        assertThat(hookCalls).containsExactly("introduce 5 -2 7");
        assertThat(dom0.takeEvents()).containsExactly("@introduceDomain in");
        assertThat(dom0.ask(XsType.XS_IS_DOMAIN_INTRODUCED, 0, "5")).isEqualTo("T|");
        // Again: C rebinds the channel, no second event.
        assertThat(dom0.ask(XsType.XS_INTRODUCE, 0, "5", "-2", "8")).isEqualTo("OK|");
        assertThat(hookCalls).containsExactly("introduce 5 -2 7", "introduce 5 -2 8");
        assertThat(dom0.takeEvents()).isEmpty();
    }

    @Test
    void introduceRefusedByTheHookIsEinval() {
        hookAccepts = false;
        assertThat(dom0.ask(XsType.XS_INTRODUCE, 0, "5", "100", "7")).isEqualTo("ERR EINVAL");
        assertThat(dom0.ask(XsType.XS_IS_DOMAIN_INTRODUCED, 0, "5")).isEqualTo("F|");
        assertThat(dom0.takeEvents()).isEmpty();
        assertThat(dom0.ask(XsType.XS_INTRODUCE, 0, "40000", "1", "7")).isEqualTo("ERR EINVAL");
    }

    @Test
    void releaseDropsTheDomainItsNodesAndFires() {
        xs.introduceDomain(5);
        executor.runAll();
        dom0.takeEvents();
        dom0.ask(XsType.XS_MKDIR, 0, "/local/domain/5");
        dom0.ask(XsType.XS_SET_PERMS, 0, "/local/domain/5", "n5");
        dom0.write("/local/domain/5/data/x", "1");
        dom0.write("/backend/vif/5/0/state", "1");   // owned by dom0: stays
        Peer guest = Peer.connect(xs, executor, ConnectionInfo.domain(5, "guest5"));
        guest.write("mine", "m");
        dom0.call(XsType.XS_WATCH, 0, "/local/domain/5", "home");
        dom0.takeEvents();

        dom0.clear();
        assertThat(dom0.ask(XsType.XS_RELEASE, 0, "5")).isEqualTo("OK|");
        assertThat(guest.closedReason).contains("released");
        assertThat(hookCalls).containsExactly("release 5");
        assertThat(dom0.takeEvents()).containsExactly("/local/domain/5 home", "@releaseDomain out");
        assertThat(dom0.read("/local/domain/5")).isEqualTo("ERR ENOENT");
        assertThat(dom0.read("/backend/vif/5/0/state")).isEqualTo("1");
        assertThat(dom0.ask(XsType.XS_IS_DOMAIN_INTRODUCED, 0, "5")).isEqualTo("F|");
        assertThat(dom0.ask(XsType.XS_RELEASE, 0, "5")).isEqualTo("ERR ENOENT");
    }

    @Test
    void releaseRemovesTheDomainsSubtreesInTheOrderCsTreeWalkMeetsThem() {
        // C domain_tree_remove() walks the tree from / with children in list order (creation order, not sorted);
        // the owner index must remove them, and fire their watches, in that order too.
        xs.introduceDomain(5);
        executor.runAll();
        dom0.takeEvents();
        for (String node : List.of("/a/z", "/a/b", "/a/b/inner", "/c/d", "/a/m")) {
            dom0.ask(XsType.XS_MKDIR, 0, node);
        }
        for (String node : List.of("/c/d", "/a/b", "/a/b/inner", "/a/z")) {   // /a/m stays dom0's
            dom0.ask(XsType.XS_SET_PERMS, 0, node, "n5");
        }
        for (String node : List.of("/c/d", "/a/b", "/a/z", "/a/m", "/a/b/inner")) {
            dom0.call(XsType.XS_WATCH, 0, node, node.substring(node.lastIndexOf('/') + 1));
        }
        dom0.call(XsType.XS_WATCH, 0, "@releaseDomain", "out");
        dom0.takeEvents();

        xs.releaseDomain(5);
        executor.runAll();

        // (a removed subtree's inner node fires the watches on exactly its path, before its parent's)
        assertThat(dom0.takeEvents()).containsExactly("/a/z z", "/a/b/inner inner", "/a/b b", "/c/d d",
                "@releaseDomain out");
        assertThat(dom0.read("/a/m")).isEqualTo("");
        assertThat(dom0.read("/a/b")).isEqualTo("ERR ENOENT");
        assertThat(dom0.read("/c")).isEqualTo("");
    }

    @Test
    void keepOrphansHandsNodesToDom0() {
        xs = new Xenstored(executor, XenstoredConfig.defaults().withKeepOrphans(true));
        xs.setDomainInfo(domid -> domid == 5);   // dom5 exists in the hypervisor, not introduced
        dom0 = Peer.connect(xs, executor, ConnectionInfo.dom0("tools"));
        dom0.ask(XsType.XS_MKDIR, 0, "/local/domain/5");
        dom0.ask(XsType.XS_SET_PERMS, 0, "/local/domain/5", "r5");
        xs.releaseDomain(5);
        executor.runAll();
        assertThat(dom0.ask(XsType.XS_GET_PERMS, 0, "/local/domain/5")).isEqualTo("r0|");
    }

    @Test
    void setPermsOwnerMustBeADomainThatExists() {
        // C do_set_perms(): domain_alloc_permrefs() marks entries of unknown domains XS_PERM_IGNORE, and an ignored
        // owner is ENOENT. A domain exists if the hypervisor says so, is introduced, or has a connection.
        dom0.ask(XsType.XS_MKDIR, 0, "/d");
        assertThat(dom0.ask(XsType.XS_SET_PERMS, 0, "/d", "n5")).isEqualTo("ERR ENOENT");
        assertThat(dom0.ask(XsType.XS_SET_PERMS, 0, "/d", "n0", "r5")).isEqualTo("OK|");
        xs.introduceDomain(5);
        executor.runAll();
        assertThat(dom0.ask(XsType.XS_SET_PERMS, 0, "/d", "n5")).isEqualTo("OK|");
        xs.releaseDomain(5);
        executor.runAll();
        dom0.ask(XsType.XS_MKDIR, 0, "/d");
        assertThat(dom0.ask(XsType.XS_SET_PERMS, 0, "/d", "n5")).isEqualTo("ERR ENOENT");
        xs.setDomainInfo(domid -> domid == 5);
        assertThat(dom0.ask(XsType.XS_SET_PERMS, 0, "/d", "n5")).isEqualTo("OK|");
        xs.setDomainInfo(null);
        Peer guest = Peer.connect(xs, executor, ConnectionInfo.domain(6, "guest6"));
        assertThat(dom0.ask(XsType.XS_SET_PERMS, 0, "/d", "n6")).isEqualTo("OK|");
        guest.conn.close();
        executor.runAll();
        assertThat(dom0.ask(XsType.XS_SET_PERMS, 0, "/d", "n6")).isEqualTo("ERR ENOENT");
    }

    @Test
    void shutdownFiresOnceUntilResume() {
        xs.introduceDomain(5);
        executor.runAll();
        dom0.takeEvents();
        xs.shutdownDomain(5);
        xs.shutdownDomain(5);
        executor.runAll();
        assertThat(dom0.takeEvents()).containsExactly("@releaseDomain out");
        assertThat(dom0.ask(XsType.XS_RESUME, 0, "5")).isEqualTo("OK|");
        xs.shutdownDomain(5);
        executor.runAll();
        assertThat(dom0.takeEvents()).containsExactly("@releaseDomain out");
    }

    @Test
    void setTargetGivesOwnerRightsOverTheTargetsNodes() {
        xs.introduceDomain(5);   // a device-model stub domain
        xs.introduceDomain(6);   // the guest it serves
        executor.runAll();
        dom0.ask(XsType.XS_MKDIR, 0, "/local/domain/6");
        dom0.ask(XsType.XS_SET_PERMS, 0, "/local/domain/6", "n6");
        dom0.write("/shared-with-6", "s");
        dom0.ask(XsType.XS_SET_PERMS, 0, "/shared-with-6", "n0", "r6");
        Peer stub = Peer.connect(xs, executor, ConnectionInfo.domain(5, "stubdom"));
        assertThat(stub.read("/local/domain/6")).isEqualTo("ERR EACCES");
        assertThat(stub.read("/shared-with-6")).isEqualTo("ERR EACCES");

        assertThat(dom0.ask(XsType.XS_SET_TARGET, 0, "5", "6")).isEqualTo("OK|");
        assertThat(stub.write("/local/domain/6/dm", "running")).isEqualTo("OK|");
        assertThat(stub.read("/shared-with-6")).isEqualTo("s");
        assertThat(stub.write("/shared-with-6", "no")).isEqualTo("ERR EACCES");
    }

    @Test
    void unintroducedReleaseStillCleansUpWithoutAnEvent() {
        xs.setDomainInfo(domid -> domid == 9);
        dom0.ask(XsType.XS_MKDIR, 0, "/local/domain/9");
        dom0.ask(XsType.XS_SET_PERMS, 0, "/local/domain/9", "n9");
        xs.releaseDomain(9);
        executor.runAll();
        assertThat(dom0.takeEvents()).isEmpty();
        assertThat(dom0.read("/local/domain/9")).isEqualTo("ERR ENOENT");
        assertThat(hookCalls).isEmpty();
    }
}
