package io.xensim.net;

import io.xensim.net.frame.EthernetHeader;
import io.xensim.net.frame.Frame;
import io.xensim.net.frame.FrameBuilder;
import io.xensim.net.frame.Ipv4Address;
import io.xensim.net.frame.Ipv4Header;
import io.xensim.net.frame.Ipv6Address;
import io.xensim.net.frame.Ipv6Header;
import io.xensim.net.frame.TcpHeader;
import io.xensim.net.frame.UdpHeader;
import java.util.Random;

/** Frames of real traffic between the pair's guests: UDP and TCP over IPv4 and IPv6, GSO TCP, a seeded payload. */
final class NetPairFrames {
    static final Ipv4Address IP1 = Ipv4Address.of("10.0.0.1");
    static final Ipv4Address IP2 = Ipv4Address.of("10.0.0.2");
    static final Ipv6Address IP6_1 = Ipv6Address.of("fd00::1");
    static final Ipv6Address IP6_2 = Ipv6Address.of("fd00::2");
    /** The largest frame the wire format carries (XEN_NETIF_MAX_TX_SIZE): a 64 KiB GSO segment. */
    static final int MAX_FRAME = 0xffff;

    enum Kind { UDP4, UDP6, TCP4, TCP6 }

    private NetPairFrames() {
    }

    static int headers(Kind kind) {
        int ip = kind == Kind.UDP4 || kind == Kind.TCP4 ? Ipv4Header.LENGTH : Ipv6Header.LENGTH;
        int l4 = kind == Kind.UDP4 || kind == Kind.UDP6 ? UdpHeader.LENGTH : TcpHeader.LENGTH;
        return EthernetHeader.LENGTH + ip + l4;
    }

    static boolean v6(Kind kind) {
        return kind == Kind.UDP6 || kind == Kind.TCP6;
    }

    /**
     * A frame of exactly {@code length} bytes from guest {@code from} to the other guest; TCP frames longer than
     * the MTU allows are GSO with MSS 1448 (1428 over IPv6), and {@code partial} leaves the checksum blank.
     */
    static Frame frame(int from, Kind kind, int length, boolean partial, long seed) {
        int to = 3 - from;
        byte[] payload = new byte[length - headers(kind)];
        new Random(seed).nextBytes(payload);
        var b = new FrameBuilder(NetPair.mac(from), NetPair.mac(to));
        if (v6(kind)) {
            b.ipv6(from == 1 ? IP6_1 : IP6_2, from == 1 ? IP6_2 : IP6_1);
        } else {
            b.ipv4(from == 1 ? IP1 : IP2, from == 1 ? IP2 : IP1).identification((int) seed & 0xffff);
        }
        int port = 1024 + (int) (seed & 0x3ff);
        if (kind == Kind.UDP4 || kind == Kind.UDP6) {
            b.udp(port, 5000);
        } else {
            b.tcp(port, 5001, (int) seed, 1, TcpHeader.ACK | TcpHeader.PSH, 65535);
            int maxTcpPayload = 1500 - (v6(kind) ? Ipv6Header.LENGTH : Ipv4Header.LENGTH) - TcpHeader.LENGTH;
            if (payload.length > maxTcpPayload) {
                b.gso(maxTcpPayload);
            }
        }
        if (partial) {
            b.checksumPartial();
        }
        return b.payload(payload).build();
    }
}
