package io.xensim.net.back;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.net.bridge.PortCounters;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.FrameBuilder;
import io.xensim.net.protocol.NetifRxResponse;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A guest that posts no rx buffers while the bridge keeps sending to it: netback's rx queue fills to
 * {@code XENVIF_RX_QUEUE_BYTES}, the next frame stops the netdev queue and is dropped ({@code tx_dropped}), the
 * qdisc holds {@code txqueuelen} frames and drops the rest; once the guest posts buffers everything held goes out
 * in order, one frame lost per time the queue fills again.
 */
@Timeout(60)
class NetdevTxQueueTest {
    /** 1 000-byte frames: the rx queue takes 525 of them before it is at its limit (524 288 bytes). */
    static final int LENGTH = 1_000;

    final NetbackFixture nf = new NetbackFixture();

    @AfterEach
    void close() {
        nf.close();
    }

    /** Frame {@code i} for guest 1, told apart by its IPv4 identification. */
    static Frame frame(int i) {
        return new FrameBuilder(NetbackTxTest.B, NetbackRxTest.GUEST).ipv4(NetbackTxTest.IP_B, NetbackTxTest.IP_A)
                .identification(i).udp(5000, 4000).payload(NetbackTxTest.payload(LENGTH - 42)).build();
    }

    static int id(byte[] frame) {
        return (frame[18] & 0xff) << 8 | frame[19] & 0xff;
    }

    @Test
    void aFullRxQueueStopsTheNetdevQueueTheQdiscHoldsTxqueuelenAndEverythingHeldArrivesInOrder() {
        var fe = nf.guest(1);
        fe.connect(1, true);
        var vif = nf.device(1).vif();
        var queue = vif.queues().getFirst();
        assertThat(frame(0).length()).isEqualTo(LENGTH);
        int fits = (int) ((RxPath.XENVIF_RX_QUEUE_BYTES + LENGTH - 1) / LENGTH);
        int extra = 7;
        int total = fits + 1 + NetdevTxQueue.DEFAULT_TX_QUEUE_LEN + extra;
        for (int i = 0; i < total; i++) {
            nf.inject(frame(i));
        }

        // The rx queue is at its limit, the frame after it stopped the queue and was dropped, the qdisc is full.
        assertThat(queue.rx().waiting()).isEqualTo(fits);
        assertThat(queue.netdev().stopped()).isTrue();
        assertThat(queue.netdev().stops()).isEqualTo(1);
        assertThat(vif.txDropped()).isEqualTo(1);
        assertThat(queue.netdev().backlog()).isEqualTo(NetdevTxQueue.DEFAULT_TX_QUEUE_LEN);
        assertThat(vif.qdiscDropped()).isEqualTo(extra);
        assertThat(queue.rx().dropped()).isZero();
        assertThat(vif.carrierOk()).as("a full queue is not a link failure").isTrue();
        // The bridge sees as sent what the qdisc took, as dropped what the vif refused at once.
        PortCounters port = nf.bridge().counters("vif1.0");
        assertThat(port.txPackets()).isEqualTo(fits + NetdevTxQueue.DEFAULT_TX_QUEUE_LEN);
        assertThat(port.txDropped()).isEqualTo(1 + extra);

        // The guest posts buffers, a ring's worth at a time, until nothing is held anywhere.
        List<Integer> got = new ArrayList<>();
        for (int round = 0; round < 20 && (queue.rx().waiting() > 0 || queue.netdev().backlog() > 0); round++) {
            fe.postRx(0, 256);
            for (MemorySegment slot : fe.takeRxSlots(0)) {
                NetifRxResponse r = NetbackRxTest.rsp(slot);
                assertThat(r.status()).isEqualTo(LENGTH);
                got.add(id(fe.rxPage(0, r.id(), r.status())));
            }
        }
        assertThat(queue.rx().waiting()).isZero();
        assertThat(queue.netdev().backlog()).isZero();
        assertThat(queue.netdev().stopped()).isFalse();
        // Received in order, none twice, none of those dropped at the start; every frame is accounted for.
        assertThat(got).isSorted().doesNotHaveDuplicates().doesNotContain(fits);
        List<Integer> head = new ArrayList<>(IntStream.range(0, fits).boxed().toList());
        head.add(fits + 1);
        assertThat(got.subList(0, fits + 1)).isEqualTo(head);
        assertThat((long) got.size() + vif.txDropped() + vif.qdiscDropped()).isEqualTo(total);
        // The qdisc overran the rx queue again as it drained: one frame lost per stop, no more.
        assertThat(vif.txDropped()).isEqualTo(queue.netdev().stops());
        assertThat(queue.netdev().stops()).isGreaterThan(1);

        // Traffic flows normally afterwards.
        fe.postRx(0, 4);
        nf.inject(frame(9_999));
        var slots = fe.takeRxSlots(0);
        assertThat(slots).hasSize(1);
        NetifRxResponse r = NetbackRxTest.rsp(slots.getFirst());
        assertThat(id(fe.rxPage(0, r.id(), r.status()))).isEqualTo(9_999);
    }

    @Test
    void whatTheQdiscHoldsWhenTheDeviceGoesDownIsDroppedAndCounted() {
        var fe = nf.guest(1);
        fe.connect(1, true);
        var vif = nf.device(1).vif();
        int fits = (int) ((RxPath.XENVIF_RX_QUEUE_BYTES + LENGTH - 1) / LENGTH);
        for (int i = 0; i < fits + 1 + 10; i++) {
            nf.inject(frame(i));
        }
        assertThat(vif.queues().getFirst().netdev().backlog()).isEqualTo(10);
        var removed = nf.fx.toolstack.removeDevice("vif", 1, 0);
        nf.fx.hv.runUntilIdle();
        fe.setState(6);
        assertThat(nf.fx.toolstack.await(removed)).isTrue();
        assertThat(vif.txDropped()).isEqualTo(1);
        assertThat(vif.qdiscDropped()).isEqualTo(10);
        assertThat(vif.queues()).isEmpty();
    }
}
