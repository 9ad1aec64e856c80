package io.xensim.net.back;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.net.frame.Frame;
import io.xensim.net.frame.FrameBuilder;
import io.xensim.net.frame.MacAddress;
import io.xensim.net.protocol.NetTxFlags;
import io.xensim.net.protocol.NetifExtraInfo;
import io.xensim.net.protocol.NetifStatus;
import io.xensim.net.protocol.NetifTxResponse;
import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Netback's multicast control ({@code feature-multicast-control}, {@code feature-dynamic-multicast-control}) driven
 * by a scripted frontend that asks for it, as the Windows PV drivers do (Linux netfront never does): the
 * {@code request-multicast-control} key, the {@code XEN_NETIF_EXTRA_TYPE_MCAST_ADD}/{@code _DEL} extras on the tx
 * ring, and what reaches the guest.
 */
class NetbackMulticastTest {
    static final MacAddress MDNS = MacAddress.of("01:00:5e:00:00:fb");
    static final MacAddress ALL_HOSTS = MacAddress.of("01:00:5e:00:00:01");

    final NetbackFixture nf = new NetbackFixture();

    @AfterEach
    void close() {
        nf.close();
    }

    static Frame udpTo(MacAddress dst, int id) {
        return new FrameBuilder(NetbackTxTest.B, dst).ipv4(NetbackTxTest.IP_B, NetbackTxTest.IP_A).identification(id)
                .udp(5353, 5353).payload(NetbackTxTest.payload(100)).build();
    }

    /** A dummy tx request with {@code NETTXF_extra_info}, then the multicast extra (no data is read). */
    static List<byte[]> mcastRequest(NetifExtraInfo extra, int id) {
        byte[] e = new byte[8];
        extra.encode(MemorySegment.ofArray(e));
        return List.of(ScriptedNetfront.txRequest(0, 0, NetTxFlags.NETTXF_EXTRA_INFO, id, 0), e);
    }

    static List<byte[]> add(MacAddress group, int id) {
        return mcastRequest(new NetifExtraInfo.McastAdd(0, group.bits()), id);
    }

    static List<byte[]> del(MacAddress group, int id) {
        return mcastRequest(new NetifExtraInfo.McastDel(0, group.bits()), id);
    }

    /** Injects {@code frame} from the bridge; true if it reached the guest's posted pages. */
    boolean delivered(ScriptedNetfront fe, Frame frame) {
        fe.postRx(0, 1);
        nf.inject(frame);
        var slots = fe.takeRxSlots(0);
        if (slots.isEmpty()) {
            return false;
        }
        assertThat(slots).hasSize(1);
        var r = NetbackRxTest.rsp(slots.getFirst());
        assertThat(fe.rxPage(0, r.id(), r.status())).isEqualTo(frame.toByteArray());
        return true;
    }

    @Test
    void netbackOffersMulticastControlAndAFrontendThatDoesNotAskGetsEveryGroup() {
        var fe = nf.guest(1);
        assertThat(nf.fx.toolstack.await(nf.fx.toolstack.xs().readOptional(
                "/local/domain/0/backend/vif/1/0/feature-multicast-control"))).contains("1");
        assertThat(nf.fx.toolstack.await(nf.fx.toolstack.xs().readOptional(
                "/local/domain/0/backend/vif/1/0/feature-dynamic-multicast-control"))).contains("1");
        fe.connect(1, true);
        var vif = nf.device(1).vif();
        assertThat(vif.mcast().enabled()).isFalse();
        assertThat(delivered(fe, udpTo(MDNS, 1))).isTrue();
        assertThat(delivered(fe, udpTo(ALL_HOSTS, 2))).isTrue();
        assertThat(vif.txDropped()).isZero();
    }

    @Test
    void withMulticastControlOnlyAddedGroupsArriveAndBroadcastAndUnicastAlways() {
        var fe = nf.guest(1);
        var keys = fe.setUp(1, true);
        keys.put("request-multicast-control", "1");
        fe.publish(keys);
        var vif = nf.device(1).vif();
        assertThat(vif.mcast().enabled()).isTrue();

        assertThat(delivered(fe, udpTo(MDNS, 1))).as("a group not added").isFalse();
        assertThat(vif.txDropped()).isEqualTo(1);
        assertThat(delivered(fe, udpTo(MacAddress.BROADCAST, 2))).as("broadcast is not filtered").isTrue();
        assertThat(delivered(fe, udpTo(NetbackRxTest.GUEST, 3))).as("unicast is not filtered").isTrue();

        fe.pushTx(0, add(MDNS, 7));
        assertThat(fe.takeTxResponses(0)).containsExactly(new NetifTxResponse(7, NetifStatus.NETIF_RSP_OKAY),
                new NetifTxResponse(0, NetifStatus.NETIF_RSP_NULL));
        assertThat(vif.mcast().groups()).containsExactly(MDNS);
        assertThat(vif.queues().getFirst().tx().packets()).as("a filter update is not a packet").isZero();
        assertThat(delivered(fe, udpTo(MDNS, 4))).isTrue();
        assertThat(delivered(fe, udpTo(ALL_HOSTS, 5))).as("another group").isFalse();

        fe.pushTx(0, del(MDNS, 8));
        assertThat(fe.takeTxResponses(0)).containsExactly(new NetifTxResponse(8, NetifStatus.NETIF_RSP_OKAY),
                new NetifTxResponse(0, NetifStatus.NETIF_RSP_NULL));
        assertThat(vif.mcast().groups()).isEmpty();
        assertThat(delivered(fe, udpTo(MDNS, 6))).isFalse();
        assertThat(vif.txDropped()).isEqualTo(3);
        assertThat(vif.carrierOk()).isTrue();
    }

    @Test
    void theSixtyFifthGroupIsRefusedWithAnErrorResponseAndTheVifStaysUp() {
        var fe = nf.guest(1);
        var keys = fe.setUp(1, true);
        keys.put("request-multicast-control", "1");
        fe.publish(keys);
        for (int i = 0; i < VifMcastFilter.XEN_NETBK_MCAST_MAX; i++) {
            fe.pushTx(0, add(new MacAddress(0x01005e000000L + i), i));
        }
        var responses = fe.takeTxResponses(0);
        assertThat(responses).hasSize(2 * VifMcastFilter.XEN_NETBK_MCAST_MAX)
                .filteredOn(r -> r.status() != NetifStatus.NETIF_RSP_NULL)
                .allMatch(r -> r.status() == NetifStatus.NETIF_RSP_OKAY);
        fe.pushTx(0, add(MDNS, 200));
        assertThat(fe.takeTxResponses(0)).containsExactly(new NetifTxResponse(200, NetifStatus.NETIF_RSP_ERROR),
                new NetifTxResponse(0, NetifStatus.NETIF_RSP_NULL));
        var vif = nf.device(1).vif();
        assertThat(vif.mcast().groups()).hasSize(VifMcastFilter.XEN_NETBK_MCAST_MAX).doesNotContain(MDNS);
        assertThat(vif.disabled()).isFalse();
        // The ring goes on: a real packet after the refused update is carried.
        fe.pushTx(0, NetbackTxTest.slots(fe, NetbackTxTest.udp(300).toByteArray(), 4096, 0, 0, 201, List.of()));
        assertThat(fe.takeTxResponses(0)).containsExactly(new NetifTxResponse(201, NetifStatus.NETIF_RSP_OKAY));
        assertThat(nf.capture.received).hasSize(1);
    }

    @Test
    void theFrontendCanSwitchFilteringOnAndOffWhileConnectedAndAReconnectForgetsTheGroups() {
        var fe = nf.guest(1);
        fe.connect(1, true);
        var vif = nf.device(1).vif();
        assertThat(delivered(fe, udpTo(MDNS, 1))).isTrue();

        nf.fx.toolstack.await(fe.guest.xs().write(fe.dir + "/request-multicast-control", "1"));
        nf.fx.hv.runUntilIdle();
        assertThat(vif.mcast().enabled()).isTrue();
        assertThat(delivered(fe, udpTo(MDNS, 2))).isFalse();
        fe.pushTx(0, add(MDNS, 3));
        fe.takeTxResponses(0);
        assertThat(delivered(fe, udpTo(MDNS, 4))).isTrue();

        nf.fx.toolstack.await(fe.guest.xs().write(fe.dir + "/request-multicast-control", "0"));
        nf.fx.hv.runUntilIdle();
        assertThat(vif.mcast().enabled()).isFalse();
        assertThat(delivered(fe, udpTo(ALL_HOSTS, 5))).isTrue();

        // The frontend closes: the data rings go, and with them the group list and the watch.
        nf.fx.toolstack.await(fe.guest.xs().write(fe.dir + "/request-multicast-control", "1"));
        nf.fx.hv.runUntilIdle();
        fe.pushTx(0, add(ALL_HOSTS, 6));
        fe.takeTxResponses(0);
        assertThat(vif.mcast().groups()).containsExactly(MDNS, ALL_HOSTS);
        fe.setState(5);
        fe.setState(6);
        assertThat(vif.mcast().groups()).isEmpty();
        assertThat(vif.mcast().enabled()).isFalse();
        nf.fx.toolstack.await(fe.guest.xs().write(fe.dir + "/request-multicast-control", "0"));
        nf.fx.toolstack.await(fe.guest.xs().write(fe.dir + "/request-multicast-control", "1"));
        nf.fx.hv.runUntilIdle();
        assertThat(vif.mcast().enabled()).as("no watch while disconnected").isFalse();

        // It comes back still asking for filtering: the watch, set again at connect, reads the key at once.
        fe.setState(1);
        var again = new ScriptedNetfront(nf.fx, fe.guest, 0);
        again.connect(1, true);
        assertThat(vif.mcast().enabled()).isTrue();
        assertThat(vif.mcast().groups()).isEmpty();
        assertThat(delivered(again, udpTo(MDNS, 7))).as("the group was forgotten").isFalse();
    }
}
