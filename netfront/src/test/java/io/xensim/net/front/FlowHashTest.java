package io.xensim.net.front;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.net.frame.FrameBuilder;
import io.xensim.net.frame.Ipv4Address;
import io.xensim.net.frame.Ipv6Address;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FlowHashTest {
    @Test
    void oneQueueOrNonIpGoesToQueueZero() {
        var arp = FrameBuilder.arpRequest(NetTxFrames.PEER, Ipv4Address.of("1.2.3.4"), Ipv4Address.of("1.2.3.5"));
        assertThat(FlowHash.select(arp.data(), 4)).isZero();
        var udp = new FrameBuilder(NetTxFrames.PEER, NetTxFrames.PEER).ipv4(Ipv4Address.of("1.2.3.4"),
                Ipv4Address.of("1.2.3.5")).udp(1, 2).payload(new byte[10]).build();
        assertThat(FlowHash.select(udp.data(), 1)).isZero();
    }

    @Test
    void aFlowAlwaysMapsToTheSameQueueAndFlowsUseThemAll() {
        Set<Integer> seen = new HashSet<>();
        for (int port = 1000; port < 1064; port++) {
            var v4 = new FrameBuilder(NetTxFrames.PEER, NetTxFrames.PEER).ipv4(Ipv4Address.of("10.0.0.1"),
                    Ipv4Address.of("10.0.0.2")).udp(port, 53).payload(new byte[port % 7]).build();
            var again = new FrameBuilder(NetTxFrames.PEER, NetTxFrames.PEER).ipv4(Ipv4Address.of("10.0.0.1"),
                    Ipv4Address.of("10.0.0.2")).udp(port, 53).payload(new byte[100]).build();
            int q = FlowHash.select(v4.data(), 4);
            assertThat(q).isBetween(0, 3);
            assertThat(FlowHash.select(again.data(), 4)).isEqualTo(q);
            seen.add(q);
            var v6 = new FrameBuilder(NetTxFrames.PEER, NetTxFrames.PEER).ipv6(Ipv6Address.of("fd00::1"),
                    Ipv6Address.of("fd00::2")).udp(port, 53).payload(new byte[3]).build();
            assertThat(FlowHash.select(v6.data(), 3)).isBetween(0, 2);
        }
        assertThat(seen).containsExactlyInAnyOrder(0, 1, 2, 3);
    }
}
