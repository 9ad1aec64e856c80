package io.xensim.net.frame;

import java.lang.foreign.MemorySegment;

/**
 * One Ethernet frame as it travels between netback, the bridge, pcap capture and a guest's network interface:
 * the bytes from the destination address to the end of the payload (no FCS), and its {@link Offload} state.
 *
 * <p>{@code data} is a slice of exactly the frame's length: netback can hand on a slice of the buffer it
 * grant-copied into, the bridge forwards the same slice to each port (a flood shares it, as Linux's
 * {@code skb_clone} shares the data), and pcap writes it straight from the segment. Nobody writes to a frame's
 * bytes once it has been handed on: what needs different bytes (a completed checksum, segments) makes a new frame
 * ({@link ChecksumOffload#complete}, {@link TcpSegmentation#segment}). As a record of a segment, {@code equals}
 * means the same memory and offload, not equal bytes: compare {@link #toByteArray()} for content.
 *
 * <p><b>Threading:</b> an immutable handle; the bytes are as safe to share as the segment they live in. Frames
 * cross from one domain's executor to another's only through the bridge, on the backend domain's executor.
 *
 * <p><b>Reference:</b> Linux's {@code sk_buff} (data from the MAC header, {@code ip_summed}, {@code csum_start},
 * {@code csum_offset}, {@code gso_type}, {@code gso_size}).
 */
public record Frame(MemorySegment data, Offload offload) {
    /**
     * The longest frame here: an IPv6 header and its largest payload behind an 802.1Q header. Frames over netif
     * are shorter still: a tx request's 16-bit {@code size} caps them at {@code XEN_NETIF_MAX_TX_SIZE} (65535).
     */
    public static final int MAX_LENGTH = EthernetHeader.VLAN_LENGTH + Ipv6Header.LENGTH + 0xffff;

    public Frame {
        if (data == null || offload == null) {
            throw new IllegalArgumentException("data/offload: " + data + "/" + offload + " (expected: non-null)");
        }
        if (data.byteSize() > MAX_LENGTH) {
            throw new IllegalArgumentException("length: " + data.byteSize() + " (expected: <= " + MAX_LENGTH + ")");
        }
    }

    /** A frame with complete checksums and no GSO. */
    public static Frame of(MemorySegment data) {
        return new Frame(data, Offload.NONE);
    }

    /** A frame holding a copy of {@code bytes}. */
    public static Frame copyOf(byte[] bytes) {
        return of(MemorySegment.ofArray(bytes.clone()));
    }

    public int length() {
        return (int) data.byteSize();
    }

    /** A copy of the bytes (tests, logs). */
    public byte[] toByteArray() {
        return data.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }

    public Frame withOffload(Offload next) {
        return new Frame(data, next);
    }
}
