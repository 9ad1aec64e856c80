package io.xensim.net.pcap;

import static org.assertj.core.api.Assertions.assertThat;

import io.xensim.net.bridge.Bridge;
import io.xensim.net.bridge.PortOffloads;
import io.xensim.net.bridge.RecordingPort;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.FrameBuilder;
import io.xensim.net.frame.IcmpHeader;
import io.xensim.net.frame.Ipv4Address;
import io.xensim.net.frame.Ipv6Address;
import io.xensim.net.frame.MacAddress;
import io.xensim.net.frame.TcpHeader;
import io.xensim.net.protocol.NetifRing;
import io.xensim.testkit.Tshark;
import io.xensim.xenbus.ManualClock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A realistic exchange between two guests on xenbr0 (ARP, ping, UDP, a TCP connection with a 64 KiB GSO send
 * that the receiver's vif did not negotiate), captured on the receiver's port and on the bridge, then read back
 * by the real tshark with checksum validation on.
 *
 * <p>tshark 4.0 runs as root with one warning on stderr ("Running as user "root" ... could be dangerous"), so
 * stderr goes to its own file and only the exit status and stdout are judged; a private HOME keeps any user
 * profile (which could turn checksum validation or dissectors off) out of the run.
 */
class TsharkCaptureTest {
    static final MacAddress MAC_A = MacAddress.of("00:16:3e:0a:00:01");
    static final MacAddress MAC_B = MacAddress.of("00:16:3e:0b:00:02");
    static final MacAddress MAC_C = MacAddress.of("00:16:3e:0c:00:03");
    static final Ipv4Address IP_A = Ipv4Address.of("10.0.0.1");
    static final Ipv4Address IP_B = Ipv4Address.of("10.0.0.2");
    static final int GSO_MSS = 1448;
    static final int BULK = NetifRing.XEN_NETIF_MAX_TX_SIZE - 14 - 20 - 20;
    static final long EPOCH_2024 = TimeUnit.SECONDS.toNanos(1_704_067_200L);

    @TempDir
    Path dir;

    final ManualClock clock = new ManualClock();
    final Bridge bridge = new Bridge(Bridge.DEFAULT_NAME);
    final RecordingPort a = new RecordingPort("vif1.0", PortOffloads.ALL);
    final RecordingPort b = new RecordingPort("vif2.0", PortOffloads.NONE);
    final RecordingPort c = new RecordingPort("vif3.0", PortOffloads.NONE);

    @BeforeEach
    void setUp() {
        Tshark.require();
        clock.advanceNanos(EPOCH_2024);
        bridge.addPort(a);
        bridge.addPort(b);
        bridge.addPort(c);
    }

    private void send(RecordingPort from, Frame frame) {
        clock.advanceNanos(250_000);   // 250 µs of simulated time between frames
        bridge.receive(from, frame, clock.nanoTime());
    }

    private FrameBuilder ab() {
        return new FrameBuilder(MAC_A, MAC_B).ipv4(IP_A, IP_B);
    }

    private FrameBuilder ba() {
        return new FrameBuilder(MAC_B, MAC_A).ipv4(IP_B, IP_A);
    }

    private static byte[] text(int length) {
        var sb = new StringBuilder();
        while (sb.length() < length) {
            sb.append("xensim netfront ").append(sb.length()).append('\n');
        }
        return sb.substring(0, length).getBytes(StandardCharsets.US_ASCII);
    }

    /** Runs the exchange; returns how many frames the GSO send became at vif2.0. */
    private int exchange() {
        send(a, FrameBuilder.arpRequest(MAC_A, IP_A, IP_B));
        send(b, FrameBuilder.arpReply(MAC_B, IP_B, MAC_A, IP_A));
        byte[] ping = Arrays.copyOf(text(56), 56);
        send(a, ab().identification(0x100).icmpEcho(IcmpHeader.ICMP_ECHO, 0x4242, 1).payload(ping).build());
        send(b, ba().identification(0x200).icmpEcho(IcmpHeader.ICMP_ECHOREPLY, 0x4242, 1).payload(ping).build());
        send(a, ab().identification(0x101).udp(40001, 33333).payload(text(100)).checksumPartial().build());
        int isnA = 1_000_000;
        int isnB = 7_000_000;
        byte[] mss = {2, 4, 0x05, (byte) 0xb4};   // MSS 1460
        send(a, ab().identification(0x102).tcp(45000, 33334, isnA, 0, TcpHeader.SYN, 64240).tcpOptions(mss)
                .build());
        send(b, ba().identification(0x201).tcp(33334, 45000, isnB, isnA + 1, TcpHeader.SYN | TcpHeader.ACK, 65535)
                .tcpOptions(mss).build());
        send(a, ab().identification(0x103).tcp(45000, 33334, isnA + 1, isnB + 1, TcpHeader.ACK, 64240).build());
        byte[] first = text(200);
        send(a, ab().identification(0x104).tcp(45000, 33334, isnA + 1, isnB + 1, TcpHeader.ACK | TcpHeader.PSH,
                64240).payload(first).checksumPartial().build());
        send(b, ba().identification(0x202).tcp(33334, 45000, isnB + 1, isnA + 1 + first.length, TcpHeader.ACK,
                65535).build());
        // The largest send netif carries: XEN_NETIF_MAX_TX_SIZE bytes, Ethernet header included.
        byte[] bulk = text(BULK);
        int bulkSeq = isnA + 1 + first.length;
        send(a, ab().identification(0x105).tcp(45000, 33334, bulkSeq, isnB + 1, TcpHeader.ACK | TcpHeader.PSH,
                64240).payload(bulk).gso(GSO_MSS).build());
        send(b, ba().identification(0x203).tcp(33334, 45000, isnB + 1, bulkSeq + bulk.length, TcpHeader.ACK, 65535)
                .build());
        return (bulk.length + GSO_MSS - 1) / GSO_MSS;
    }

    @Test
    void tsharkDecodesTheCaptureOfTheReceiversPortWithGoodChecksums() throws Exception {
        Path vif2 = dir.resolve("vif2.0.pcap");
        int segments;
        try (var capture = PcapWriter.create(vif2, clock)) {
            bridge.addPortTap("vif2.0", capture);
            segments = exchange();
            assertThat(capture.frames()).isEqualTo(11 + segments);
        }
        assertThat(segments).isEqualTo(46);
        assertThat(c.received).hasSize(1).as("the bystander saw only the flooded ARP request");

        var rows = tshark(vif2, "-e", "frame.number", "-e", "eth.src", "-e", "eth.dst", "-e", "_ws.col.Protocol",
                "-e", "_ws.col.Info", "-e", "ip.checksum.status", "-e", "tcp.checksum.status", "-e",
                "udp.checksum.status", "-e", "icmp.checksum.status", "-e", "_ws.expert.severity", "-e",
                "_ws.expert.message", "-e", "_ws.malformed", "-e", "tcp.len", "-e", "frame.time_epoch");

        String a2b = MAC_A + "\t" + MAC_B;
        String b2a = MAC_B + "\t" + MAC_A;
        var expected = new ArrayList<String>(List.of(
                MAC_A + "\tff:ff:ff:ff:ff:ff\tARP\tWho has 10.0.0.2? Tell 10.0.0.1",
                b2a + "\tARP\t10.0.0.2 is at 00:16:3e:0b:00:02",
                a2b + "\tICMP\tEcho (ping) request  id=0x4242, seq=1/256, ttl=64",
                b2a + "\tICMP\tEcho (ping) reply    id=0x4242, seq=1/256, ttl=64 (request in 3)",
                a2b + "\tUDP\t40001 → 33333 Len=100",
                a2b + "\tTCP\t45000 → 33334 [SYN] Seq=0 Win=64240 Len=0 MSS=1460",
                b2a + "\tTCP\t33334 → 45000 [SYN, ACK] Seq=0 Ack=1 Win=65535 Len=0 MSS=1460",
                a2b + "\tTCP\t45000 → 33334 [ACK] Seq=1 Ack=1 Win=64240 Len=0",
                a2b + "\tTCP\t45000 → 33334 [PSH, ACK] Seq=1 Ack=1 Win=64240 Len=200",
                b2a + "\tTCP\t33334 → 45000 [ACK] Seq=1 Ack=201 Win=65535 Len=0"));
        int bulk = BULK;
        for (int i = 0; i < segments; i++) {
            int len = Math.min(GSO_MSS, bulk - i * GSO_MSS);
            String flags = i == segments - 1 ? "[PSH, ACK]" : "[ACK]";
            expected.add(a2b + "\tTCP\t45000 → 33334 " + flags + " Seq=" + (201 + i * GSO_MSS)
                    + " Ack=1 Win=64240 Len=" + len);
        }
        expected.add(b2a + "\tTCP\t33334 → 45000 [ACK] Seq=1 Ack=" + (201 + bulk) + " Win=65535 Len=0");

        assertThat(rows).hasSize(expected.size());
        for (int i = 0; i < rows.size(); i++) {
            var row = rows.get(i);
            String where = "frame " + (i + 1) + ": " + row;
            assertThat(row.get(0)).as(where).isEqualTo(Integer.toString(i + 1));
            assertThat(String.join("\t", row.subList(1, 5))).as(where).isEqualTo(expected.get(i));
            // Checksum status 1 is "Good" (0 would be "Bad", 2 "Unverified"); ARP has none.
            boolean ip = !row.get(3).equals("ARP");
            assertThat(row.get(5)).as(where + " ip.checksum.status").isEqualTo(ip ? "1" : "");
            String transport = String.join("", row.subList(6, 9));
            assertThat(transport).as(where + " tcp/udp/icmp checksum status").isEqualTo(ip ? "1" : "");
            // Expert info: only chat-level notes (0x200000, e.g. "Connection establish request (SYN)").
            for (String severity : row.get(9).split("\\|")) {
                if (!severity.isEmpty()) {
                    assertThat(Integer.parseInt(severity)).as(where + " expert: " + row.get(10))
                            .isLessThanOrEqualTo(0x200000);
                }
            }
            assertThat(row.get(10)).as(where).doesNotContainIgnoringCase("checksum").doesNotContain("Malformed");
            assertThat(row.get(11)).as(where + " _ws.malformed").isEmpty();
            if (row.get(3).equals("TCP")) {
                assertThat(Integer.parseInt(row.get(12))).as(where).isLessThanOrEqualTo(GSO_MSS);
            }
        }
        // Timestamps are the injected clock's, 250 µs apart; the segments of one send share its instant.
        assertThat(rows.get(0).get(13)).isEqualTo("1704067200.000250000");
        assertThat(rows.get(10).get(13)).isEqualTo(rows.get(11).get(13));
    }

    @Test
    void theBridgeCaptureShowsTheGsoSendAsOneFrameWithItsBlankChecksum() throws Exception {
        Path all = dir.resolve("xenbr0.pcap");
        try (var capture = PcapWriter.create(all, clock)) {
            bridge.addTap(capture);
            exchange();
        }
        var rows = tshark(all, "-e", "frame.number", "-e", "frame.len", "-e", "_ws.col.Protocol", "-e", "tcp.len",
                "-e", "tcp.checksum.status", "-e", "udp.checksum.status", "-e", "_ws.malformed");
        assertThat(rows).hasSize(12).as("every frame that entered the bridge, once");
        var gso = rows.get(10);
        assertThat(gso.subList(1, 4)).isEqualTo(List.of("65535", "TCP", Integer.toString(BULK)));
        // As tcpdump on a real vif shows it: the checksum field holds only the pseudo-header sum.
        assertThat(gso.get(4)).isEqualTo("0");
        assertThat(rows.get(4).get(5)).as("the UDP datagram sent with csum_blank").isEqualTo("0");
        assertThat(rows.get(8).get(4)).as("the TCP segment sent with csum_blank").isEqualTo("0");
        assertThat(rows.get(7).get(4)).as("a complete checksum").isEqualTo("1");
        assertThat(rows).allSatisfy(r -> assertThat(r.get(6)).isEmpty());
    }

    @Test
    void tsharkDecodesIpv6PingASegmentedTcpv6GsoSendAndAVlanTaggedDatagram() throws Exception {
        var ip6A = Ipv6Address.of("fd00::a");
        var ip6B = Ipv6Address.of("fd00::b");
        Path vif2 = dir.resolve("vif2.0-v6.pcap");
        byte[] bulk = text(20_000);
        int mss = 1428;   // 1500 - 40 (IPv6) - 32 (TCP with timestamps)
        byte[] timestamps = {1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2};
        try (var capture = PcapWriter.create(vif2, clock)) {
            bridge.addPortTap("vif2.0", capture);
            send(a, new FrameBuilder(MAC_A, MAC_B).ipv6(ip6A, ip6B)
                    .icmpEcho(IcmpHeader.ICMPV6_ECHO_REQUEST, 7, 1).payload(text(56)).build());
            send(b, new FrameBuilder(MAC_B, MAC_A).ipv6(ip6B, ip6A)
                    .icmpEcho(IcmpHeader.ICMPV6_ECHO_REPLY, 7, 1).payload(text(56)).build());
            send(a, new FrameBuilder(MAC_A, MAC_B).ipv6(ip6A, ip6B)
                    .tcp(45000, 33334, 5000, 9000, TcpHeader.ACK | TcpHeader.PSH, 500).tcpOptions(timestamps)
                    .payload(bulk).gso(mss).build());
            send(a, new FrameBuilder(MAC_A, MAC_B).vlan(10).ipv4(IP_A, IP_B).udp(40001, 33333)
                    .payload(text(64)).checksumPartial().build());
        }
        var rows = tshark(vif2, "-e", "frame.number", "-e", "_ws.col.Protocol", "-e", "_ws.col.Info", "-e",
                "icmpv6.checksum.status", "-e", "tcp.checksum.status", "-e", "udp.checksum.status", "-e",
                "vlan.id", "-e", "tcp.len", "-e", "_ws.malformed", "-e", "_ws.expert.message");
        int segments = (bulk.length + mss - 1) / mss;
        assertThat(rows).hasSize(2 + segments + 1);
        assertThat(rows.get(0).subList(1, 4)).isEqualTo(List.of("ICMPv6", "Echo (ping) request id=0x0007, seq=1, hop limit=64", "1"));
        assertThat(rows.get(1).subList(1, 4)).isEqualTo(List.of("ICMPv6", "Echo (ping) reply id=0x0007, seq=1, hop limit=64 (request in 1)", "1"));
        for (int i = 0; i < segments; i++) {
            var row = rows.get(2 + i);
            assertThat(row.get(1)).as("%s", row).isEqualTo("TCP");
            assertThat(row.get(4)).as("tcp.checksum.status %s", row).isEqualTo("1");
            assertThat(row.get(7)).isEqualTo(Integer.toString(Math.min(mss, bulk.length - i * mss)));
        }
        var tagged = rows.get(2 + segments);
        assertThat(tagged.get(1)).isEqualTo("UDP");
        assertThat(tagged.get(5)).as("udp.checksum.status").isEqualTo("1");
        assertThat(tagged.get(6)).as("vlan.id").isEqualTo("10");
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.get(8)).as("_ws.malformed %s", r).isEmpty();
            assertThat(r.get(9)).as("expert %s", r).doesNotContainIgnoringCase("checksum");
        });
    }

    /** tshark's fields for each frame of {@code file}, tab-separated, checksum validation on. */
    private List<List<String>> tshark(Path file, String... fields) throws IOException, InterruptedException {
        return Tshark.fields(file, dir, List.of("tcp", "udp", "ip"), fields);
    }
}
