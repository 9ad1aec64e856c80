package io.xensim.net.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.xensim.net.frame.ChecksumOffload;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.FrameBuilder;
import io.xensim.net.frame.Ipv4Address;
import io.xensim.net.frame.MacAddress;
import io.xensim.net.frame.Offload;
import io.xensim.net.frame.TcpHeader;
import io.xensim.xenbus.Decoded;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BridgeTest {
    static final MacAddress MAC1 = MacAddress.of("00:16:3e:00:00:01");
    static final MacAddress MAC2 = MacAddress.of("00:16:3e:00:00:02");
    static final MacAddress MAC3 = MacAddress.of("00:16:3e:00:00:03");
    static final MacAddress UNKNOWN = MacAddress.of("00:16:3e:00:00:99");
    static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    Bridge bridge;
    RecordingPort vif1;
    RecordingPort vif2;
    RecordingPort vif3;

    @BeforeEach
    void setUp() {
        bridge = new Bridge(Bridge.DEFAULT_NAME);
        vif1 = new RecordingPort("vif1.0");
        vif2 = new RecordingPort("vif2.0");
        vif3 = new RecordingPort("vif3.0");
        bridge.addPort(vif1);
        bridge.addPort(vif2);
        bridge.addPort(vif3);
    }

    static Frame frame(MacAddress src, MacAddress dst, int length) {
        var bytes = new byte[length];
        var s = MemorySegment.ofArray(bytes);
        s.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) 0);
        for (int i = 0; i < 6; i++) {
            bytes[i] = (byte) (dst.bits() >>> (40 - 8 * i));
            bytes[6 + i] = (byte) (src.bits() >>> (40 - 8 * i));
        }
        bytes[12] = (byte) 0x88;   // an EtherType the bridge does not care about (local experimental 0x88b5)
        bytes[13] = (byte) 0xb5;
        return Frame.of(s);
    }

    @Test
    void unknownUnicastFloodsToEveryOtherPortAndTheAnswerGoesOnlyBack() {
        var f = frame(MAC1, MAC2, 60);
        assertThat(bridge.receive(vif1, f, 0)).isEqualTo(2);
        assertThat(vif1.take()).isEmpty();   // never reflected to the ingress port
        assertThat(vif2.take()).containsExactly(f);
        assertThat(vif3.take()).containsExactly(f);
        assertThat(bridge.lookup(MAC1, 0)).contains("vif1.0");

        var reply = frame(MAC2, MAC1, 100);
        assertThat(bridge.receive(vif2, reply, SECOND)).isEqualTo(1);
        assertThat(vif1.take()).containsExactly(reply);
        assertThat(vif3.take()).isEmpty();
        assertThat(bridge.fdb(SECOND)).isEqualTo(Map.of(MAC1, "vif1.0", MAC2, "vif2.0"));

        var again = frame(MAC1, MAC2, 70);   // both known now: no flood
        bridge.receive(vif1, again, 2 * SECOND);
        assertThat(vif2.take()).containsExactly(again);
        assertThat(vif3.take()).isEmpty();
    }

    @Test
    void broadcastAndMulticastFloodEvenWhenTheDestinationLooksLearnt() {
        bridge.receive(vif2, frame(MAC2, MAC1, 60), 0);
        vif1.take();
        vif3.take();
        var broadcast = frame(MAC1, MacAddress.BROADCAST, 60);
        assertThat(bridge.receive(vif1, broadcast, 0)).isEqualTo(2);
        assertThat(vif2.take()).containsExactly(broadcast);
        assertThat(vif3.take()).containsExactly(broadcast);
        var multicast = frame(MAC1, MacAddress.of("33:33:00:00:00:01"), 60);   // IPv6 all-nodes
        assertThat(bridge.receive(vif1, multicast, 0)).isEqualTo(2);
        assertThat(vif2.take()).containsExactly(multicast);
        assertThat(vif3.take()).containsExactly(multicast);
    }

    @Test
    void aFrameForAnAddressLearntOnTheIngressPortIsFiltered() {
        bridge.receive(vif1, frame(MAC1, MacAddress.BROADCAST, 60), 0);
        bridge.receive(vif1, frame(MAC3, MacAddress.BROADCAST, 60), 0);   // two addresses behind vif1
        vif2.take();
        vif3.take();
        assertThat(bridge.receive(vif1, frame(MAC1, MAC3, 60), 0)).isZero();
        assertThat(vif2.received).isEmpty();
        assertThat(vif3.received).isEmpty();
        assertThat(bridge.filtered()).isEqualTo(1);
    }

    @Test
    void reservedGroupAddressesAreNeverForwarded() {
        assertThat(bridge.receive(vif1, frame(MAC1, MacAddress.of("01:80:c2:00:00:00"), 60), 0)).isZero();   // STP
        assertThat(bridge.receive(vif1, frame(MAC1, MacAddress.of("01:80:c2:00:00:0e"), 60), 0)).isZero();   // LLDP
        assertThat(bridge.filtered()).isEqualTo(2);
        assertThat(bridge.receive(vif1, frame(MAC1, MacAddress.of("01:80:c2:00:00:10"), 60), 0)).isEqualTo(2);
    }

    @Test
    void anAddressAgesOutAfterThreeHundredSecondsUnlessRefreshed() {
        bridge.receive(vif2, frame(MAC2, MacAddress.BROADCAST, 60), 0);
        vif1.take();
        vif3.take();
        long justBefore = Bridge.BR_DEFAULT_AGEING_TIME_NS - 1;
        assertThat(bridge.lookup(MAC2, justBefore)).contains("vif2.0");
        bridge.receive(vif1, frame(MAC1, MAC2, 60), justBefore);
        assertThat(vif3.take()).isEmpty();
        assertThat(vif2.take()).hasSize(1);

        long expiry = Bridge.BR_DEFAULT_AGEING_TIME_NS;   // has_expired: updated + hold <= now
        assertThat(bridge.lookup(MAC2, expiry)).isEmpty();
        bridge.receive(vif1, frame(MAC1, MAC2, 60), expiry);
        assertThat(vif2.take()).hasSize(1);
        assertThat(vif3.take()).hasSize(1).as("expired: flooded again");

        // MAC1 was refreshed at justBefore and expiry; the sweep removes only MAC2.
        assertThat(bridge.doWork(expiry)).isEqualTo(1);
        assertThat(bridge.fdb(expiry)).containsOnlyKeys(MAC1);
        assertThat(bridge.doWork(expiry + Bridge.BR_DEFAULT_AGEING_TIME_NS)).isEqualTo(1);
        assertThat(bridge.fdb(expiry + Bridge.BR_DEFAULT_AGEING_TIME_NS)).isEmpty();
    }

    @Test
    void aStationThatMovesIsLearntOnItsNewPort() {
        bridge.receive(vif1, frame(MAC1, MacAddress.BROADCAST, 60), 0);
        bridge.receive(vif3, frame(MAC1, MacAddress.BROADCAST, 60), SECOND);   // migrated guest
        vif1.take();
        vif2.take();
        vif3.take();
        bridge.receive(vif2, frame(MAC2, MAC1, 60), 2 * SECOND);
        assertThat(vif3.take()).hasSize(1);
        assertThat(vif1.take()).isEmpty();
    }

    @Test
    void removingAPortForgetsItsAddresses() {
        bridge.receive(vif1, frame(MAC1, MacAddress.BROADCAST, 60), 0);
        bridge.receive(vif2, frame(MAC2, MacAddress.BROADCAST, 60), 0);
        vif1.take();
        assertThat(bridge.removePort("vif1.0")).isTrue();
        assertThat(bridge.removePort("vif1.0")).isFalse();
        assertThat(bridge.fdb(0)).containsOnlyKeys(MAC2);
        assertThat(bridge.portNames()).containsExactly("vif2.0", "vif3.0");
        vif2.take();
        vif3.take();
        assertThat(bridge.receive(vif2, frame(MAC2, MAC1, 60), 0)).isEqualTo(1);   // unknown again: flood
        assertThat(vif1.received).isEmpty();
        assertThatThrownBy(() -> bridge.receive(vif1, frame(MAC1, MAC2, 60), 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> bridge.addPort(new RecordingPort("vif2.0")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void countersCountPacketsBytesAndDrops() {
        bridge.receive(vif1, frame(MAC1, MAC2, 60), 0);            // flood to 2 and 3
        bridge.receive(vif2, frame(MAC2, MAC1, 100), 0);           // to 1
        vif3.full = true;
        bridge.receive(vif1, frame(MAC1, MacAddress.BROADCAST, 80), 0);   // 2 takes it, 3 refuses
        bridge.receive(vif1, Frame.of(MemorySegment.ofArray(new byte[13])), 0);   // runt
        bridge.receive(vif1, frame(MacAddress.BROADCAST, MAC2, 60), 0);          // multicast source
        bridge.receive(vif1, frame(MacAddress.ZERO, MAC2, 60), 0);               // zero source

        assertThat(bridge.counters("vif1.0")).isEqualTo(new PortCounters(2, 140, 3, 1, 100, 0));
        assertThat(bridge.counters("vif2.0")).isEqualTo(new PortCounters(1, 100, 0, 2, 140, 0));
        assertThat(bridge.counters("vif3.0")).isEqualTo(new PortCounters(0, 0, 0, 1, 60, 1));
        assertThat(bridge.fdb(0)).doesNotContainKeys(MacAddress.BROADCAST, MacAddress.ZERO);
    }

    @Test
    void aZeroAgeingTimeMakesAHub() {
        var hub = new Bridge("hub0", 0);
        var a = new RecordingPort("a");
        var b = new RecordingPort("b");
        var c = new RecordingPort("c");
        hub.addPort(a);
        hub.addPort(b);
        hub.addPort(c);
        hub.receive(b, frame(MAC2, MAC1, 60), 0);
        assertThat(hub.receive(a, frame(MAC1, MAC2, 60), 0)).isEqualTo(2);
    }

    @Test
    void aGsoFrameIsSegmentedOnlyForPortsWithoutGsoAndTapsSeeEachSide() {
        var gsoPort = new RecordingPort("vif4.0", PortOffloads.ALL);
        bridge.addPort(gsoPort);
        List<Frame> atBridge = new ArrayList<>();
        List<Frame> atVif2 = new ArrayList<>();
        List<Frame> atVif4 = new ArrayList<>();
        bridge.addTap(atBridge::add);
        bridge.addPortTap("vif2.0", atVif2::add);
        bridge.addPortTap("vif4.0", atVif4::add);
        var gso = new FrameBuilder(MAC1, MacAddress.BROADCAST)
                .ipv4(Ipv4Address.of("10.0.0.1"), Ipv4Address.of("10.0.0.255"))
                .tcp(1, 2, 0, 0, TcpHeader.ACK, 100).payload(new byte[10_000]).gso(1460).build();

        assertThat(bridge.receive(vif1, gso, 0)).isEqualTo(7 + 7 + 1);   // vif2, vif3 segmented; vif4 as it is

        assertThat(gsoPort.take()).containsExactly(gso);
        assertThat(atBridge).containsExactly(gso);
        assertThat(atVif4).containsExactly(gso);
        var segments = vif2.take();
        assertThat(segments).hasSize(7).allSatisfy(s -> {
            assertThat(s.offload()).isEqualTo(Offload.NONE);
            assertThat(ChecksumOffload.verify(s.data())).isEqualTo(Decoded.ok(true));
        });
        assertThat(vif3.take()).isEqualTo(segments).as("segmented once, shared by the flood");
        assertThat(atVif2).isEqualTo(segments);
        assertThat(bridge.counters("vif2.0").txPackets()).isEqualTo(7);
        assertThat(bridge.counters("vif1.0").rxPackets()).isEqualTo(1);
    }

    @Test
    void aBlankChecksumIsCompletedForAPortWithoutChecksumOffload() {
        var offloading = new RecordingPort("vif4.0", new PortOffloads(true, false, false));
        bridge.addPort(offloading);
        var partial = new FrameBuilder(MAC1, MacAddress.BROADCAST)
                .ipv4(Ipv4Address.of("10.0.0.1"), Ipv4Address.of("10.0.0.255")).udp(68, 67)
                .payload(new byte[300]).checksumPartial().build();
        bridge.receive(vif1, partial, 0);
        assertThat(offloading.take()).containsExactly(partial);
        var completed = vif2.take();
        assertThat(completed).hasSize(1);
        assertThat(completed.get(0).offload()).isEqualTo(Offload.NONE);
        assertThat(ChecksumOffload.verify(completed.get(0).data())).isEqualTo(Decoded.ok(true));
        assertThat(ChecksumOffload.verify(partial.data())).isEqualTo(Decoded.ok(false)).as("original untouched");
    }

    @Test
    void aGsoFrameThatCannotBeSegmentedIsATxDropNotAnException() {
        var bogus = frame(MAC1, MacAddress.BROADCAST, 200).withOffload(
                Offload.partial(34, 16).withGso(io.xensim.net.protocol.NetifExtraInfo.XEN_NETIF_GSO_TYPE_TCPV4, 100));
        assertThat(bridge.receive(vif1, bogus, 0)).isZero();
        assertThat(bridge.counters("vif2.0").txDropped()).isEqualTo(1);
        assertThat(bridge.counters("vif3.0").txDropped()).isEqualTo(1);
        assertThat(bridge.counters("vif1.0").rxPackets()).isEqualTo(1);
    }

    @Test
    void bridgesAreFoundByNameAndCreatedOnFirstUse() {
        var bridges = new Bridges();
        assertThat(bridges.find("xenbr0")).isEmpty();
        var br = bridges.bridge("xenbr0");
        assertThat(bridges.bridge("xenbr0")).isSameAs(br);
        assertThat(br.ageingTimeNs()).isEqualTo(300 * SECOND);
        bridges.bridge("xenbr1");
        assertThat(bridges.names()).containsExactly("xenbr0", "xenbr1");
    }
}
