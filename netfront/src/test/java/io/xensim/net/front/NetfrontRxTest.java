package io.xensim.net.front;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.net.frame.Frame;
import io.xensim.net.frame.FrameBuilder;
import io.xensim.net.frame.Ipv4Address;
import io.xensim.net.frame.Offload;
import io.xensim.net.protocol.NetRxFlags;
import io.xensim.net.protocol.NetifExtraInfo;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(30)
class NetfrontRxTest {
    private NetFixture net;
    private NetfrontDevice front;
    private final List<Frame> received = new ArrayList<>();

    @BeforeEach
    void connect() {
        net = new NetFixture(NetfrontConfig.DEFAULT, ScriptedNetback.Offer.LINUX);
        net.addVif();
        front = net.front();
        front.setReceiver(received::add);
    }

    @AfterEach
    void cleanUp() {
        net.close();
    }

    @Test
    void oneSlotFrameArrivesAndItsPageIsReplacedByAFreshOne() {
        var frame = FrameBuilder.arpRequest(NetTxFrames.PEER, Ipv4Address.of("10.0.0.2"), Ipv4Address.of("10.0.0.1"));
        assertThat(net.onBack(() -> net.back().collectRx(0))).isEqualTo(256);
        net.onBackRun(() -> net.back().deliver(0, frame.toByteArray(), 0));

        assertThat(received).hasSize(1);
        assertThat(received.get(0).toByteArray()).isEqualTo(frame.toByteArray());
        assertThat(received.get(0).offload()).isEqualTo(Offload.NONE);
        assertThat(front.counters().rxPackets()).isEqualTo(1);
        assertThat(front.counters().rxBytes()).isEqualTo(frame.length());
        // The consumed page was replaced: the ring is full again.
        assertThat(net.onBack(() -> net.back().collectRx(0))).isEqualTo(1);
        assertThat(front.queue(0).rx().posted()).isEqualTo(256);
    }

    @ParameterizedTest
    @ValueSource(ints = {100, 4096 - 54, 4096 - 53, 30000, 65535 - 54})
    void gsoFrameReassemblesFromItsChainAndExtra(int payload) {
        var frame = NetfrontTxTest.tcp4(NetTxFrames.PEER, payload, 1448);
        net.onBackRun(() -> net.back().deliver(0, frame.toByteArray(),
                NetRxFlags.NETRXF_CSUM_BLANK | NetRxFlags.NETRXF_DATA_VALIDATED,
                slot -> new NetifExtraInfo.Gso(0, 1448, NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV4, 0).encode(slot)));

        assertThat(received).as(net.fx.trace.events(e -> e.detail().contains("dropping")).toString()).hasSize(1);
        var got = received.get(0);
        assertThat(got.toByteArray()).isEqualTo(frame.toByteArray());
        assertThat(got.offload().checksum()).isEqualTo(Offload.Checksum.PARTIAL);
        assertThat(got.offload().csumStart()).isEqualTo(14 + 20);
        assertThat(got.offload().gsoType()).isEqualTo(NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV4);
        assertThat(got.offload().gsoSize()).isEqualTo(1448);
        assertThat(front.counters().rxErrors()).isZero();
        assertThat(front.queue(0).rx().posted()).isEqualTo(256);
    }

    @Test
    void postedPagesAreZeroedAndGrantedWritable() {
        var b = net.back();
        var req = net.onBack(() -> b.nextRx(0));
        assertThat(net.onBack(() -> b.read(req.gref(), 0, 4096))).containsOnly((byte) 0);
        net.onBackRun(() -> b.write(req.gref(), 0, new byte[] {1, 2, 3}));
        assertThat(front.queue(0).rx().posted()).isEqualTo(256);
    }

    @Test
    void dataValidatedBecomesUnnecessary() {
        var frame = NetfrontTxTest.tcp4(NetTxFrames.PEER, 500, 0);
        net.onBackRun(() -> net.back().deliver(0, frame.toByteArray(), NetRxFlags.NETRXF_DATA_VALIDATED));
        assertThat(received).singleElement().satisfies(f -> {
            assertThat(f.offload().checksum()).isEqualTo(Offload.Checksum.UNNECESSARY);
            assertThat(f.toByteArray()).isEqualTo(frame.toByteArray());
        });
    }

    @Test
    void slotsAtAnOffsetInsideThePageAreJoined() {
        var frame = NetfrontTxTest.tcp4(NetTxFrames.PEER, 1400, 0).toByteArray();
        net.onBackRun(() -> {
            var b = net.back();
            var r1 = b.nextRx(0);
            var r2 = b.nextRx(0);
            b.write(r1.gref(), 4000, java.util.Arrays.copyOfRange(frame, 0, 96));
            b.write(r2.gref(), 10, java.util.Arrays.copyOfRange(frame, 96, frame.length));
            b.putRxRaw(0, r1.id(), 4000, NetRxFlags.NETRXF_MORE_DATA, 96);
            b.putRxRaw(0, r2.id(), 10, 0, frame.length - 96);
            b.pushRx(0);
        });
        assertThat(received).singleElement().satisfies(f -> assertThat(f.toByteArray()).isEqualTo(frame));
    }
}
