package io.xensim.net.front;

import io.xensim.net.frame.FrameParser;
import io.xensim.net.frame.Ipv4Header;
import io.xensim.net.frame.Ipv6Header;
import io.xensim.net.frame.ParsedFrame;
import io.xensim.net.frame.TcpHeader;
import io.xensim.net.frame.UdpHeader;
import io.xensim.xenbus.Decoded;
import java.lang.foreign.MemorySegment;

/**
 * Picks the transmit queue of a frame from its flow (addresses, protocol, ports), so that one flow always uses
 * one queue and keeps its order, as Linux's {@code netdev_pick_tx} does with {@code skb_get_hash} for netfront's
 * {@code xennet_select_queue}. Frames that do not parse as IP (ARP, say) go to queue 0.
 *
 * <p><b>Threading:</b> stateless.
 *
 * <p><b>Reference:</b> Linux 6.1 drivers/net/xen-netfront.c ({@code xennet_select_queue}: hash modulo the queue
 * count).
 */
final class FlowHash {
    private FlowHash() {
    }

    /** The queue of {@code frame} among {@code queues}. */
    static int select(MemorySegment frame, int queues) {
        if (queues <= 1) {
            return 0;
        }
        if (!(FrameParser.parse(frame) instanceof Decoded.Ok<ParsedFrame>(ParsedFrame p))) {
            return 0;
        }
        int h = p.transportProtocol();
        switch (p.network()) {
            case Ipv4Header ip -> h = 31 * (31 * h + ip.source().bits()) + ip.destination().bits();
            case Ipv6Header ip -> h = 31 * (31 * h + ip.source().hashCode()) + ip.destination().hashCode();
            default -> {
                return 0;
            }
        }
        switch (p.transport()) {
            case TcpHeader t -> h = 31 * (31 * h + t.sourcePort()) + t.destinationPort();
            case UdpHeader u -> h = 31 * (31 * h + u.sourcePort()) + u.destinationPort();
            case null, default -> {
            }
        }
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        return Integer.remainderUnsigned(h, queues);
    }
}
