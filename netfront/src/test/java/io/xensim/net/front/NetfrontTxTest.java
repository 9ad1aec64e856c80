package io.xensim.net.front;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.net.frame.Frame;
import io.xensim.net.frame.FrameBuilder;
import io.xensim.net.frame.Ipv4Address;
import io.xensim.net.frame.Ipv6Address;
import io.xensim.net.frame.MacAddress;
import io.xensim.net.frame.TcpHeader;
import io.xensim.net.guest.GuestNetInterface.SendResult;
import io.xensim.net.protocol.NetTxFlags;
import io.xensim.net.protocol.NetifExtraInfo;
import io.xensim.net.protocol.NetifStatus;
import io.xensim.net.protocol.NetifTxRequest;
import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.memory.Layouts;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(30)
class NetfrontTxTest {
    static final MacAddress PEER = MacAddress.of("00:16:3e:00:00:02");
    private NetFixture net;

    @AfterEach
    void cleanUp() {
        if (net != null) {
            net.close();
        }
    }

    private NetfrontDevice connect(NetfrontConfig config, ScriptedNetback.Offer offer, String trusted) {
        net = new NetFixture(config, offer);
        net.addVif(trusted);
        return net.front();
    }

    static Frame tcp4(MacAddress src, int payload, int mss) {
        byte[] data = new byte[payload];
        new Random(payload).nextBytes(data);
        var b = new FrameBuilder(src, PEER).ipv4(Ipv4Address.of("10.0.0.1"), Ipv4Address.of("10.0.0.2"))
                .tcp(40000, 80, 1, 1, TcpHeader.ACK, 65535).payload(data);
        return mss > 0 ? b.gso(mss).build() : b.build();
    }

    /** The frame a well-behaved backend would see: the chain's bytes read through the grants. */
    private byte[] reassemble(List<MemorySegment> slots) {
        var out = new ByteArrayOutputStream();
        var first = ScriptedNetback.request(slots.get(0));
        int remaining = first.size();
        for (int i = 0; i < slots.size(); i++) {
            if (i == 1 && first.has(NetTxFlags.NETTXF_EXTRA_INFO)) {
                continue;
            }
            var r = ScriptedNetback.request(slots.get(i));
            int size = i == 0 ? Math.min(remaining, Layouts.XEN_PAGE_SIZE - r.offset()) : r.size();
            out.writeBytes(net.back().read(r.gref(), r.offset(), size));
        }
        return out.toByteArray();
    }

    @Test
    void smallFrameTakesOneSlotAndItsCompletionGivesTheGrantBack() {
        var front = connect(NetfrontConfig.DEFAULT, ScriptedNetback.Offer.LINUX, "1");
        int pagesBefore = front.device().grantPool().live();
        var frame = FrameBuilder.arpRequest(front.mac(), Ipv4Address.of("10.0.0.1"), Ipv4Address.of("10.0.0.2"));

        assertThat(net.onGuest(() -> front.send(frame))).isEqualTo(SendResult.SENT);
        var slots = net.onBack(() -> net.back().takeTxSlots(0));
        assertThat(slots).hasSize(1);
        NetifTxRequest req = ScriptedNetback.request(slots.get(0));
        assertThat(req.size()).isEqualTo(frame.length());
        assertThat(req.offset()).isZero();
        assertThat(req.flags()).isZero();
        assertThat(net.onBack(() -> net.back().read(req.gref(), 0, req.size()))).isEqualTo(frame.toByteArray());
        assertThat(front.device().grantPool().live()).isEqualTo(pagesBefore + 1);

        net.onBackRun(() -> net.back().respondTx(0, req.id(), NetifStatus.NETIF_RSP_OKAY));
        assertThat(front.device().grantPool().live()).isEqualTo(pagesBefore);
        assertThat(front.device().domain().grantTable().isGranted(req.gref())).isFalse();
        assertThat(front.counters().txPackets()).isEqualTo(1);
        assertThat(front.counters().txBytes()).isEqualTo(frame.length());
    }

    @ParameterizedTest
    @ValueSource(ints = {4096 - 54, 4096 - 53, 9000, 65535 - 54})
    void gsoFrameChainsSlotsWithItsExtraAndChecksumFlags(int payload) {
        var front = connect(NetfrontConfig.DEFAULT, ScriptedNetback.Offer.LINUX, "1");
        var frame = tcp4(front.mac(), payload, 1448);
        int pages = (frame.length() + 4095) / 4096;

        assertThat(net.onGuest(() -> front.send(frame))).isEqualTo(SendResult.SENT);
        var slots = net.onBack(() -> net.back().takeTxSlots(0));
        assertThat(slots).hasSize(pages + 1);
        var first = ScriptedNetback.request(slots.get(0));
        assertThat(first.size()).isEqualTo(frame.length());
        int expected = NetTxFlags.NETTXF_CSUM_BLANK | NetTxFlags.NETTXF_DATA_VALIDATED | NetTxFlags.NETTXF_EXTRA_INFO
                | (pages > 1 ? NetTxFlags.NETTXF_MORE_DATA : 0);
        assertThat(first.flags()).isEqualTo(expected);
        assertThat(NetifExtraInfo.decode(slots.get(1))).isEqualTo(Decoded.ok(
                new NetifExtraInfo.Gso(0, 1448, NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV4, 0)));
        int sum = Math.min(4096, frame.length());
        for (int i = 2; i < slots.size(); i++) {
            var r = ScriptedNetback.request(slots.get(i));
            assertThat(r.offset() + r.size()).isLessThanOrEqualTo(4096);
            assertThat(r.has(NetTxFlags.NETTXF_MORE_DATA)).isEqualTo(i < slots.size() - 1);
            sum += r.size();
        }
        assertThat(sum).isEqualTo(frame.length());
        assertThat(slots.size()).isLessThanOrEqualTo(18 + 1);
        assertThat(net.onBack(() -> reassemble(slots))).isEqualTo(frame.toByteArray());

        // Answer every data slot, NULL for the extra: every page goes back.
        int before = front.device().grantPool().live();
        net.onBackRun(() -> {
            for (int i = 0; i < slots.size(); i++) {
                if (i == 1) {
                    net.back().putTx(0, new io.xensim.net.protocol.NetifTxResponse(0, NetifStatus.NETIF_RSP_NULL));
                } else {
                    net.back().putTx(0, new io.xensim.net.protocol.NetifTxResponse(
                            ScriptedNetback.request(slots.get(i)).id(), NetifStatus.NETIF_RSP_OKAY));
                }
            }
            net.back().pushTx(0);
        });
        assertThat(front.device().grantPool().live()).isEqualTo(before - pages);
        assertThat(front.brokenReason()).isEmpty();
    }

    @Test
    void ipv6GsoUsesTheTcpv6TypeAndValidatedFramesOnlyDataValidated() {
        var front = connect(NetfrontConfig.DEFAULT, ScriptedNetback.Offer.LINUX, "1");
        var v6 = new FrameBuilder(front.mac(), PEER).ipv6(Ipv6Address.of("fd00::1"), Ipv6Address.of("fd00::2"))
                .tcp(1, 2, 3, 4, TcpHeader.ACK, 100).payload(new byte[20000]).gso(1428).build();
        assertThat(net.onGuest(() -> front.send(v6))).isEqualTo(SendResult.SENT);
        var slots = net.onBack(() -> net.back().takeTxSlots(0));
        assertThat(((NetifExtraInfo.Gso) ((Decoded.Ok<NetifExtraInfo>) NetifExtraInfo.decode(slots.get(1)))
                .value()).gsoType()).isEqualTo(NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV6);

        var validated = tcp4(front.mac(), 100, 0).withOffload(new io.xensim.net.frame.Offload(
                io.xensim.net.frame.Offload.Checksum.UNNECESSARY, 0, 0, 0, 0));
        assertThat(net.onGuest(() -> front.send(validated))).isEqualTo(SendResult.SENT);
        var one = net.onBack(() -> net.back().takeTxSlots(0));
        assertThat(ScriptedNetback.request(one.get(0)).flags()).isEqualTo(NetTxFlags.NETTXF_DATA_VALIDATED);
    }

    @Test
    void untrustedBackendSeesOnlyTheFrameInFreshZeroedPages() {
        var front = connect(NetfrontConfig.DEFAULT, ScriptedNetback.Offer.LINUX, "0");
        assertThat(front.trusted()).isFalse();
        var big = tcp4(front.mac(), 1400, 0);
        var small = FrameBuilder.arpRequest(front.mac(), Ipv4Address.of("10.0.0.1"), Ipv4Address.of("10.0.0.2"));
        for (Frame f : List.of(big, small)) {
            assertThat(net.onGuest(() -> front.send(f))).isEqualTo(SendResult.SENT);
            var req = ScriptedNetback.request(net.onBack(() -> net.back().takeTxSlots(0)).get(0));
            byte[] page = net.onBack(() -> net.back().read(req.gref(), 0, 4096));
            for (int i = f.length(); i < 4096; i++) {
                assertThat(page[i]).as("byte %d past the frame", i).isZero();
            }
            net.onBackRun(() -> net.back().respondTx(0, req.id(), NetifStatus.NETIF_RSP_OKAY));
        }
        assertThat(front.counters().txPackets()).isEqualTo(2);
    }

    @Test
    void stalledBackendQueuesUpToTheLimitThenDropsAndTheQueueDrainsOnceItAnswers() {
        var front = connect(NetfrontConfig.DEFAULT.withTxQueueLimit(5), ScriptedNetback.Offer.LINUX, "1");
        var frame = FrameBuilder.arpRequest(front.mac(), Ipv4Address.of("10.0.0.1"), Ipv4Address.of("10.0.0.2"));
        List<SendResult> results = net.onGuest(() -> {
            List<SendResult> r = new ArrayList<>();
            for (int i = 0; i < 256 + 10; i++) {
                r.add(front.send(frame));
            }
            return r;
        });
        // 256 slots, 19 kept free for the largest frame: 237 sent, 5 queued, the rest refused.
        assertThat(results.stream().filter(r -> r == SendResult.SENT)).hasSize(256 - 19);
        assertThat(results.stream().filter(r -> r == SendResult.QUEUED)).hasSize(5);
        assertThat(results.stream().filter(r -> r == SendResult.DROPPED_QUEUE_FULL)).hasSize(256 + 10 - 237 - 5);
        assertThat(front.txQueued()).isEqualTo(5);
        assertThat(front.counters().txDropped()).isEqualTo(256 + 10 - 237 - 5);
        // Nothing spins while the backend sleeps: the domains go idle.
        assertThat(net.fx.hv.hasPendingWork()).isFalse();

        var slots = net.onBack(() -> net.back().takeTxSlots(0));
        assertThat(slots).hasSize(237);
        net.onBackRun(() -> {
            for (var s : slots) {
                net.back().putTx(0, new io.xensim.net.protocol.NetifTxResponse(ScriptedNetback.request(s).id(),
                        NetifStatus.NETIF_RSP_OKAY));
            }
            net.back().pushTx(0);
        });
        assertThat(front.txQueued()).isZero();
        assertThat(net.onBack(() -> net.back().takeTxSlots(0))).hasSize(5);
        assertThat(front.counters().txPackets()).isEqualTo(242);
    }

    @Test
    void framesTheInterfaceCannotCarryAreRefusedClearly() {
        var front = connect(NetfrontConfig.DEFAULT, ScriptedNetback.Offer.LINUX.withoutSg(), "1");
        assertThat(front.offloads().sg()).isFalse();
        assertThat(front.offloads().gsoTcpv4()).isFalse();
        assertThat(net.onGuest(() -> front.send(tcp4(front.mac(), 20000, 1448))))
                .isEqualTo(SendResult.DROPPED_OFFLOAD_NOT_NEGOTIATED);
        assertThat(net.onGuest(() -> front.send(tcp4(front.mac(), 1500, 0)))).isEqualTo(SendResult.DROPPED_TOO_BIG);
        assertThat(net.onGuest(() -> front.send(tcp4(front.mac(), 1460, 0)))).isEqualTo(SendResult.SENT);
        assertThat(front.counters().txDropped()).isEqualTo(2);
    }
}
