package io.xensim.net.front;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.net.guest.GuestNetInterface.LinkState;
import io.xensim.net.guest.GuestNetInterface.SendResult;
import io.xensim.net.frame.FrameBuilder;
import io.xensim.net.frame.Ipv4Address;
import io.xensim.net.frame.MacAddress;
import io.xensim.xenbus.XenErrno;
import io.xensim.xenbus.bus.XenbusState;
import io.xensim.xenbus.trace.TraceEvent;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(30)
class NetfrontHandshakeTest {
    private NetFixture net;

    @AfterEach
    void cleanUp() {
        if (net != null) {
            net.close();
        }
    }

    private static final List<String> COMMON_KEYS = List.of("request-rx-copy", "feature-rx-notify", "feature-sg",
            "feature-gso-tcpv4", "feature-gso-tcpv6", "feature-ipv6-csum-offload");

    @Test
    void oneQueueWithSplitChannelsWritesFlatKeysInOneTransactionAndGoesStraightToConnected() {
        net = new NetFixture(NetfrontConfig.DEFAULT, ScriptedNetback.Offer.LINUX);
        net.addVif();
        var front = net.front();

        assertThat(front.device().state()).isEqualTo(XenbusState.CONNECTED);
        assertThat(net.back().xenbus().state()).isEqualTo(XenbusState.CONNECTED);
        assertThat(front.linkState()).isEqualTo(LinkState.UP);
        // netfront never writes Initialised: InitWait of the backend, then the frontend straight to Connected.
        assertThat(net.fx.stateLines()).filteredOn(l -> l.startsWith("d1 ")).containsExactly(
                "d1 vif/0 frontend Initialising -> Connected (4)");

        assertThat(net.frontKey("multi-queue-num-queues")).isEqualTo("1");
        for (String k : COMMON_KEYS) {
            assertThat(net.frontKey(k)).as(k).isEqualTo("1");
        }
        var q = net.back().frontendQueues.queues();
        assertThat(q).hasSize(1);
        assertThat(q.get(0).split()).isTrue();
        assertThat(net.frontKey("tx-ring-ref")).isEqualTo(Integer.toUnsignedString(q.get(0).txRingRef()));
        assertThat(net.frontKey("rx-ring-ref")).isEqualTo(Integer.toUnsignedString(q.get(0).rxRingRef()));
        assertThat(net.frontKey("event-channel-tx")).isEqualTo(Integer.toString(front.queue(0).txPort()));
        assertThat(net.frontKey("event-channel-rx")).isEqualTo(Integer.toString(front.queue(0).rxPort()));
        assertThat(net.frontKey("event-channel")).isNull();
        assertThat(net.frontDir("")).doesNotContain("queue-0");

        // All of it in one transaction: every write of the frontend's keys carries the same transaction id.
        List<String> txWrites = net.fx.trace.events(e -> e.domid() == 1 && e.kind() == TraceEvent.Kind.XENSTORE_REQUEST
                && e.detail().startsWith("XS_WRITE /local/domain/1/device/vif/0/")
                && !e.detail().contains("/state")).stream().map(TraceEvent::detail).toList();
        assertThat(txWrites).hasSize(4 + 1 + COMMON_KEYS.size());
        assertThat(txWrites).allMatch(d -> d.contains("(tx "));
        assertThat(txWrites.stream().map(d -> d.substring(d.indexOf("(tx "))).distinct()).hasSize(1);

        // Nothing else: the toolstack's keys and netfront's, as xenstore-ls shows a Linux guest's vif.
        assertThat(net.frontDir("")).containsExactlyInAnyOrder("backend", "backend-id", "state", "handle", "mac",
                "mtu", "trusted", "multi-queue-num-queues", "tx-ring-ref", "rx-ring-ref", "event-channel-tx",
                "event-channel-rx", "request-rx-copy", "feature-rx-notify", "feature-sg", "feature-gso-tcpv4",
                "feature-gso-tcpv6", "feature-ipv6-csum-offload");
        assertThat(front.mac()).isEqualTo(MacAddress.of(NetFixture.MAC));
        assertThat(front.mtu()).isEqualTo(1500);
        assertThat(front.trusted()).isTrue();
        assertThat(front.offloads().gsoTcpv4()).isTrue();
        assertThat(front.offloads().gsoTcpv6()).isTrue();
        // The rx ring is full of posted pages.
        assertThat(net.onBack(() -> net.back().collectRx(0))).isEqualTo(256);
    }

    @ParameterizedTest
    @CsvSource({"1,true", "1,false", "2,true", "3,false", "4,true", "4,false"})
    void queuesAndEventChannelsFollowTheBackendsOffer(int queues, boolean split) {
        net = new NetFixture(NetfrontConfig.DEFAULT.withMaxQueues(4),
                ScriptedNetback.Offer.LINUX.withMaxQueues(queues).withSplit(split));
        net.addVif();
        var front = net.front();

        assertThat(front.queueCount()).isEqualTo(queues);
        assertThat(net.frontKey("multi-queue-num-queues")).isEqualTo(Integer.toString(queues));
        var read = net.back().frontendQueues.queues();
        assertThat(read).hasSize(queues);
        for (int i = 0; i < queues; i++) {
            String dir = queues == 1 ? "" : "queue-" + i + "/";
            assertThat(net.frontKey(dir + "tx-ring-ref")).isEqualTo(Integer.toUnsignedString(read.get(i).txRingRef()));
            assertThat(net.frontKey(dir + "rx-ring-ref")).isEqualTo(Integer.toUnsignedString(read.get(i).rxRingRef()));
            assertThat(read.get(i).split()).isEqualTo(split);
            if (split) {
                assertThat(net.frontKey(dir + "event-channel-tx")).isNotNull();
                assertThat(net.frontKey(dir + "event-channel-rx")).isNotNull();
                assertThat(net.frontKey(dir + "event-channel")).isNull();
                assertThat(front.queue(i).txPort()).isNotEqualTo(front.queue(i).rxPort());
            } else {
                assertThat(net.frontKey(dir + "event-channel")).isNotNull();
                assertThat(net.frontKey(dir + "event-channel-tx")).isNull();
            }
        }
        if (queues > 1) {
            assertThat(net.frontKey("tx-ring-ref")).isNull();
            assertThat(net.frontDir("")).contains("queue-0", "queue-" + (queues - 1));
        }
        assertThat(front.linkState()).isEqualTo(LinkState.UP);
    }

    @Test
    void backendWithoutRxCopyIsRefusedWithAClearError() {
        net = new NetFixture(NetfrontConfig.DEFAULT, ScriptedNetback.Offer.LINUX.withRxCopy(false));
        net.addVif();
        var front = net.front();

        assertThat(front.device().state()).isIn(XenbusState.CLOSING, XenbusState.CLOSED);
        assertThat(front.linkState()).isEqualTo(LinkState.DOWN);
        assertThat(front.device().fatalError()).hasValueSatisfying(
                m -> assertThat(m).contains("backend does not support copying receive path"));
        assertThat(net.fx.toolstack.await(net.fx.toolstack.xs().readOptional(
                "/local/domain/1/error/device/vif/0/error"))).hasValueSatisfying(
                        m -> assertThat(m).startsWith(XenErrno.XEN_ENODEV + " ")
                                .contains("backend does not support copying receive path"));
        assertThat(net.frontKey("tx-ring-ref")).isNull();
        assertThat(front.device().heldResources()).isZero();
    }

    @Test
    void absentTrustedMeansTrustedAndZeroMeansUntrusted() {
        net = new NetFixture(NetfrontConfig.DEFAULT, ScriptedNetback.Offer.LINUX);
        net.addVif(null);
        assertThat(net.front().trusted()).isTrue();
        net.close();
        net = new NetFixture(NetfrontConfig.DEFAULT, ScriptedNetback.Offer.LINUX);
        net.addVif("0");
        assertThat(net.front().trusted()).isFalse();
    }

    @Test
    void guestCloseTakesTheLinkDownAndGivesEverythingBack() {
        net = new NetFixture(NetfrontConfig.DEFAULT, ScriptedNetback.Offer.LINUX);
        net.addVif();
        var front = net.front();
        net.onGuest(() -> {
            front.close();
            return null;
        });
        assertThat(front.device().state()).isEqualTo(XenbusState.CLOSED);
        assertThat(net.back().xenbus().state()).isIn(XenbusState.CLOSING, XenbusState.CLOSED);
        assertThat(front.linkState()).isEqualTo(LinkState.DOWN);
        assertThat(front.device().heldResources()).isZero();
        assertThat(front.queueCount()).isZero();
    }

    @Test
    void hotUnplugWhileTrafficFlowsDropsWhatIsInFlightAndLeavesNothingBehind() {
        net = new NetFixture(NetfrontConfig.DEFAULT.withTxQueueLimit(3), ScriptedNetback.Offer.LINUX);
        net.addVif();
        var front = net.front();
        var frame = FrameBuilder.arpRequest(front.mac(), Ipv4Address.of("10.0.0.1"), Ipv4Address.of("10.0.0.2"));
        net.onGuest(() -> {
            for (int i = 0; i < 240; i++) {
                front.send(frame);
            }
            return null;
        });
        assertThat(front.txQueued()).isEqualTo(3);
        long droppedBefore = front.counters().txDropped();

        boolean clean = net.fx.toolstack.await(net.fx.toolstack.removeDevice("vif", 1, 0));
        net.fx.hv.runUntilIdle();

        assertThat(clean).isTrue();
        assertThat(front.linkState()).isEqualTo(LinkState.DOWN);
        // The scripted backend answered nothing: the 237 frames on the ring and the 3 queued are all dropped.
        assertThat(droppedBefore).isZero();
        assertThat(front.counters().txDropped()).isEqualTo(240);
        assertThat(front.device().heldResources()).isZero();
        assertThat(front.device().grantPool().live()).isZero();
        // The fixture's close checks that no grant, mapping, port or watch is left.
    }

    @Test
    void backendThatComesBackGetsFreshRingsAndInFlightFramesAreDroppedNotReplayed() {
        net = new NetFixture(NetfrontConfig.DEFAULT, ScriptedNetback.Offer.LINUX);
        net.addVif();
        var front = net.front();
        var frame = FrameBuilder.arpRequest(front.mac(), Ipv4Address.of("10.0.0.1"), Ipv4Address.of("10.0.0.2"));
        assertThat(net.onGuest(() -> front.send(frame))).isEqualTo(SendResult.SENT);
        int oldTxRef = net.back().frontendQueues.queues().get(0).txRingRef();
        // The backend never answered: the frame is in flight when the backend goes away.

        net.fx.toolstack.await(net.fx.toolstack.removeBackend("vif", 1, 0));
        net.fx.hv.runUntilIdle();
        assertThat(front.linkState()).isEqualTo(LinkState.DOWN);
        assertThat(net.onGuest(() -> front.send(frame))).isEqualTo(SendResult.DROPPED_LINK_DOWN);

        net.fx.toolstack.await(net.fx.toolstack.restoreBackend("vif", 1, 0));
        net.fx.hv.runUntilIdle();
        assertThat(front.linkState()).isEqualTo(LinkState.UP);
        assertThat(front.connectionCount()).isEqualTo(2);
        var back = net.back();
        assertThat(back.frontendQueues.queues().get(0).txRingRef()).isNotEqualTo(oldTxRef);
        // Nothing replayed on the new ring.
        assertThat(net.onBack(() -> back.takeTxSlots(0))).isEmpty();
        assertThat(net.onGuest(() -> front.send(frame))).isEqualTo(SendResult.SENT);
        assertThat(net.onBack(() -> back.takeTxSlots(0))).hasSize(1);
    }
}
