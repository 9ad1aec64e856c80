package io.xensim.hvm.rtl8139;

import static io.xensim.hvm.rtl8139.Rtl8139Regs.*;

/**
 * RCR's receive address filter and the Ethernet CRC the chip appends: which frames the card takes (promiscuous,
 * broadcast, multicast through the 64-bit MAR hash, its own station address) and the status bits it reports for
 * them in the packet header.
 *
 * <p><b>Threading:</b> stateless.
 *
 * <p><b>Reference:</b> QEMU {@code hw/net/rtl8139.c} {@code rtl8139_do_receive} (the filter order) and
 * {@code net/net.c} {@code net_crc32} / {@code compute_mcast_idx} (the hash: the top 6 bits of the big-endian
 * CRC-32 of the destination address); Linux 8139too's {@code __set_rx_mode} computes the same index with
 * {@code ether_crc}.
 */
public final class Rtl8139RxFilter {
    private static final int POLYNOMIAL_BE = 0x04c1_1db6;

    private Rtl8139RxFilter() {
    }

    /**
     * The header status bits for {@code frame} under {@code rxConfig}, {@code phys} (IDR) and {@code mult} (MAR),
     * or 0 if the card drops it. A frame shorter than a destination address is dropped.
     */
    public static int accept(int rxConfig, byte[] phys, byte[] mult, byte[] frame) {
        if (frame.length < 6) {
            return 0;
        }
        if ((rxConfig & ACCEPT_ALL_PHYS) != 0) {
            return isBroadcast(frame) ? RX_BROADCAST : (frame[0] & 1) != 0 ? RX_MULTICAST : RX_PHYSICAL;
        }
        if (isBroadcast(frame)) {
            return (rxConfig & ACCEPT_BROADCAST) != 0 ? RX_BROADCAST : 0;
        }
        if ((frame[0] & 1) != 0) {
            if ((rxConfig & ACCEPT_MULTICAST) == 0) {
                return 0;
            }
            int index = mcastIndex(frame);
            return (mult[index >>> 3] & (1 << (index & 7))) != 0 ? RX_MULTICAST : 0;
        }
        for (int i = 0; i < 6; i++) {
            if (phys[i] != frame[i]) {
                return 0;
            }
        }
        return (rxConfig & ACCEPT_MY_PHYS) != 0 ? RX_PHYSICAL : 0;
    }

    /** The MAR bit (0..63) a multicast destination hashes to ({@code compute_mcast_idx}). */
    public static int mcastIndex(byte[] address) {
        return crc32Be(address, 6) >>> 26;
    }

    // net_crc32: the big-endian CRC, bit 0 of each byte first, no final inversion.
    static int crc32Be(byte[] p, int length) {
        int crc = 0xffff_ffff;
        for (int i = 0; i < length; i++) {
            int b = p[i] & 0xff;
            for (int j = 0; j < 8; j++) {
                int carry = (crc >>> 31) ^ (b & 1);
                crc <<= 1;
                b >>>= 1;
                if (carry != 0) {
                    crc = (crc ^ POLYNOMIAL_BE) | carry;
                }
            }
        }
        return crc;
    }

    /** The frame check sequence the chip appends (IEEE CRC-32 of the frame, zlib's {@code crc32}). */
    public static int crc32(byte[] frame) {
        var crc = new java.util.zip.CRC32();
        crc.update(frame);
        return (int) crc.getValue();
    }

    private static boolean isBroadcast(byte[] frame) {
        for (int i = 0; i < 6; i++) {
            if (frame[i] != (byte) 0xff) {
                return false;
            }
        }
        return true;
    }
}
