package io.xensim.net.front;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.net.frame.Frame;
import io.xensim.net.frame.FrameBuilder;
import io.xensim.net.frame.Ipv4Address;
import io.xensim.net.frame.TcpHeader;
import io.xensim.net.guest.GuestNetInterface.SendResult;
import io.xensim.net.protocol.NetifStatus;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(30)
class NetfrontMultiQueueTest {
    private NetFixture net;

    @AfterEach
    void cleanUp() {
        net.close();
    }

    private static Frame flow(NetfrontDevice front, int port, int seq) {
        return new FrameBuilder(front.mac(), NetTxFrames.PEER).ipv4(Ipv4Address.of("10.0.0.1"),
                Ipv4Address.of("10.0.0.2")).tcp(port, 80, seq, 1, TcpHeader.ACK, 1000).payload(new byte[64]).build();
    }

    @ParameterizedTest
    @CsvSource({"2,true", "3,false", "4,true", "4,false"})
    void flowsSpreadOverTheQueuesAndEachFlowKeepsItsQueueAndOrder(int queues, boolean split) {
        net = new NetFixture(NetfrontConfig.DEFAULT.withMaxQueues(4),
                ScriptedNetback.Offer.LINUX.withMaxQueues(queues).withSplit(split));
        net.addVif();
        var front = net.front();
        assertThat(front.queueCount()).isEqualTo(queues);

        int flows = 32;
        net.onGuest(() -> {
            for (int seq = 0; seq < 3; seq++) {
                for (int f = 0; f < flows; f++) {
                    assertThat(front.send(flow(front, 10000 + f, seq))).isEqualTo(SendResult.SENT);
                }
            }
            return null;
        });
        Set<Integer> used = new HashSet<>();
        int total = 0;
        for (int q = 0; q < queues; q++) {
            int qq = q;
            var slots = net.onBack(() -> net.back().takeTxSlots(qq));
            List<Integer> portsSeen = new ArrayList<>();
            for (var s : slots) {
                var r = ScriptedNetback.request(s);
                byte[] b = net.onBack(() -> net.back().read(r.gref(), r.offset(), r.size()));
                int srcPort = ((b[34] & 0xff) << 8) | (b[35] & 0xff);
                int seq = ((b[38] & 0xff) << 24) | ((b[39] & 0xff) << 16) | ((b[40] & 0xff) << 8) | (b[41] & 0xff);
                portsSeen.add(srcPort);
                // Within a queue, a flow's segments come in order.
                long earlier = portsSeen.stream().filter(p -> p == srcPort).count() - 1;
                assertThat(seq).isEqualTo((int) earlier);
                net.onBackRun(() -> net.back().respondTx(qq, r.id(), NetifStatus.NETIF_RSP_OKAY));
            }
            if (!slots.isEmpty()) {
                used.add(q);
            }
            total += slots.size();
            // A flow is on exactly one queue: all three of its segments are here.
            for (int p : new HashSet<>(portsSeen)) {
                assertThat(portsSeen.stream().filter(x -> x == p)).hasSize(3);
            }
        }
        assertThat(total).isEqualTo(3 * flows);
        assertThat(used).hasSize(queues);
        assertThat(front.counters().txPackets()).isEqualTo(3L * flows);
    }

    @Test
    void everyQueueReceives() {
        net = new NetFixture(NetfrontConfig.DEFAULT.withMaxQueues(4), ScriptedNetback.Offer.LINUX.withSplit(false));
        net.addVif();
        var front = net.front();
        List<Frame> got = new ArrayList<>();
        front.setReceiver(got::add);
        for (int q = 0; q < 4; q++) {
            int qq = q;
            var frame = flow(front, 20000 + q, 0);
            net.onBackRun(() -> net.back().deliver(qq, frame.toByteArray(), 0));
            assertThat(got).hasSize(q + 1);
            assertThat(got.get(q).toByteArray()).isEqualTo(frame.toByteArray());
        }
        assertThat(front.counters().rxPackets()).isEqualTo(4);
    }
}
