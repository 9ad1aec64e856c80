package io.xensim.net.protocol;

import io.xensim.xenbus.Decoded;
import io.xensim.xenbus.memory.Layouts;
import java.lang.foreign.MemorySegment;

/**
 * An extra-info descriptor ({@code struct netif_extra_info}, xen/io/netif.h): a slot that follows the first slot of
 * a packet flagged {@code NETTXF_extra_info} / {@code NETRXF_extra_info}, or another extra flagged
 * {@link #XEN_NETIF_EXTRA_FLAG_MORE}, and overlays the request (tx) or response (rx) that would be there.
 * <pre>
 *  0               1               2               3
 *  0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7
 * +---------------+---------------+-------------------------------+  0
 * |   type (u8)   |  flags (u8)   |  u: 6 bytes, by type:        |
 * +---------------+---------------+-------------------------------+  4
 * |                                                               |  8
 * +---------------------------------------------------------------+
 *   GSO (1):        u.gso.size u16 @2 (MSS) | u.gso.type u8 @4 | u.gso.pad u8 @5 (zero) | u.gso.features u16 @6
 *   MCAST_ADD (2),
 *   MCAST_DEL (3):  u.mcast.addr[6] @2 (Ethernet address, addr[0] first on the wire)
 *   HASH (4):       u.hash.type u8 @2 (a _XEN_NETIF_CTRL_HASH_TYPE_* bit number) | u.hash.algorithm u8 @3 |
 *                   u.hash.value[4] @4 (little-endian u32)
 * </pre>
 * On the tx ring an extra occupies a 12-byte entry, the last 4 bytes being padding ({@link #encodeTxSlot}); on the
 * rx ring it fills the 8-byte entry ({@link #encode}). Every extra slot on tx is answered with
 * {@link NetifStatus#NETIF_RSP_NULL}.
 *
 * <p><b>What decode checks:</b> the type must be one of GSO, MCAST_ADD, MCAST_DEL, HASH (0 is "never used -
 * invalid", {@link #XEN_NETIF_EXTRA_TYPE_MAX} and above are unknown); a GSO extra must have a non-zero size and
 * type TCPV4 or TCPV6. Both Linux ends refuse exactly these ({@code xenvif_get_extras}/{@code xenvif_set_skb_gso}
 * in netback, {@code xennet_get_extras}/{@code xennet_set_skb_gso} in netfront). Whether an extra was negotiated
 * ({@code feature-gso-*}, multicast control, hashing) and how many extras a packet may carry is the receiving end's
 * business; {@link #type(MemorySegment)} and {@link #flags(MemorySegment)} stay readable so it can skip a bad one.
 * Unknown {@code flags} bits are kept. Decode ignores {@code u.gso.pad}; encode zeroes it.
 */
public sealed interface NetifExtraInfo
        permits NetifExtraInfo.Gso, NetifExtraInfo.McastAdd, NetifExtraInfo.McastDel, NetifExtraInfo.Hash {

    /** {@code XEN_NETIF_EXTRA_TYPE_NONE}: never used; invalid. */
    int XEN_NETIF_EXTRA_TYPE_NONE = 0;
    /** {@code XEN_NETIF_EXTRA_TYPE_GSO}: {@code u.gso}. */
    int XEN_NETIF_EXTRA_TYPE_GSO = 1;
    /** {@code XEN_NETIF_EXTRA_TYPE_MCAST_ADD}: {@code u.mcast}. */
    int XEN_NETIF_EXTRA_TYPE_MCAST_ADD = 2;
    /** {@code XEN_NETIF_EXTRA_TYPE_MCAST_DEL}: {@code u.mcast}. */
    int XEN_NETIF_EXTRA_TYPE_MCAST_DEL = 3;
    /** {@code XEN_NETIF_EXTRA_TYPE_HASH}: {@code u.hash}. */
    int XEN_NETIF_EXTRA_TYPE_HASH = 4;
    /** {@code XEN_NETIF_EXTRA_TYPE_MAX}: one past the last type. */
    int XEN_NETIF_EXTRA_TYPE_MAX = 5;

    /** {@code _XEN_NETIF_EXTRA_FLAG_MORE}: bit number. */
    int _XEN_NETIF_EXTRA_FLAG_MORE = 0;
    /** {@code XEN_NETIF_EXTRA_FLAG_MORE}: another extra follows this one. */
    int XEN_NETIF_EXTRA_FLAG_MORE = 1 << _XEN_NETIF_EXTRA_FLAG_MORE;

    /** {@code XEN_NETIF_GSO_TYPE_NONE}. */
    int XEN_NETIF_GSO_TYPE_NONE = 0;
    /** {@code XEN_NETIF_GSO_TYPE_TCPV4}. */
    int XEN_NETIF_GSO_TYPE_TCPV4 = 1;
    /** {@code XEN_NETIF_GSO_TYPE_TCPV6}. */
    int XEN_NETIF_GSO_TYPE_TCPV6 = 2;

    int TYPE_OFFSET = 0;
    int FLAGS_OFFSET = 1;
    /** {@code offsetof(struct netif_extra_info, u)}: the 6-byte union. */
    int U_OFFSET = 2;
    int U_LENGTH = 6;
    int GSO_SIZE_OFFSET = 2;
    int GSO_TYPE_OFFSET = 4;
    int GSO_PAD_OFFSET = 5;
    int GSO_FEATURES_OFFSET = 6;
    int MCAST_ADDR_OFFSET = 2;
    /** {@code sizeof(u.mcast.addr)}: an Ethernet address. */
    int MCAST_ADDR_LENGTH = 6;
    int HASH_TYPE_OFFSET = 2;
    int HASH_ALGORITHM_OFFSET = 3;
    int HASH_VALUE_OFFSET = 4;
    int HASH_VALUE_LENGTH = 4;
    /** {@code sizeof(struct netif_extra_info)}: fits both the 12-byte tx and the 8-byte rx entry. */
    int LENGTH = 8;

    /** The {@code XEN_NETIF_EXTRA_TYPE_*} of this extra. */
    int type();

    /** The {@code XEN_NETIF_EXTRA_FLAG_*} bits. */
    int flags();

    /** Whether another extra follows ({@link #XEN_NETIF_EXTRA_FLAG_MORE}). */
    default boolean more() {
        return (flags() & XEN_NETIF_EXTRA_FLAG_MORE) != 0;
    }

    /** Writes the 8 bytes of the struct: an rx ring entry, or the first 8 bytes of a tx one. */
    void encode(MemorySegment slot);

    /** Writes a whole 12-byte tx ring entry: the struct, then 4 bytes of zero padding. */
    default void encodeTxSlot(MemorySegment slot) {
        encode(slot);
        slot.asSlice(LENGTH, NetifRing.TX_ENTRY_LENGTH - LENGTH).fill((byte) 0);
    }

    /** The peer wrote these bytes, so they are untrusted: a bad slot is a value, not an exception. */
    static Decoded<NetifExtraInfo> decode(MemorySegment slot) {
        int type = type(slot);
        int flags = flags(slot);
        return switch (type) {
            case XEN_NETIF_EXTRA_TYPE_GSO -> {
                int size = Layouts.u16(slot.get(Layouts.U16, GSO_SIZE_OFFSET));
                int gsoType = Layouts.u8(slot.get(Layouts.U8, GSO_TYPE_OFFSET));
                if (size == 0) {
                    yield Decoded.malformed("u.gso.size: 0 (expected: > 0, the MSS)");
                }
                if (gsoType != XEN_NETIF_GSO_TYPE_TCPV4 && gsoType != XEN_NETIF_GSO_TYPE_TCPV6) {
                    yield Decoded.malformed("u.gso.type: " + gsoType + " (expected: XEN_NETIF_GSO_TYPE_TCPV4 ("
                            + XEN_NETIF_GSO_TYPE_TCPV4 + ") or XEN_NETIF_GSO_TYPE_TCPV6 ("
                            + XEN_NETIF_GSO_TYPE_TCPV6 + "))");
                }
                yield Decoded.ok(new Gso(flags, size, gsoType,
                        Layouts.u16(slot.get(Layouts.U16, GSO_FEATURES_OFFSET))));
            }
            case XEN_NETIF_EXTRA_TYPE_MCAST_ADD -> Decoded.ok(new McastAdd(flags, readAddr(slot)));
            case XEN_NETIF_EXTRA_TYPE_MCAST_DEL -> Decoded.ok(new McastDel(flags, readAddr(slot)));
            case XEN_NETIF_EXTRA_TYPE_HASH -> Decoded.ok(new Hash(flags,
                    Layouts.u8(slot.get(Layouts.U8, HASH_TYPE_OFFSET)),
                    Layouts.u8(slot.get(Layouts.U8, HASH_ALGORITHM_OFFSET)),
                    slot.get(Layouts.U32, HASH_VALUE_OFFSET)));
            default -> Decoded.malformed("type: " + type + " (expected: " + XEN_NETIF_EXTRA_TYPE_GSO + ".."
                    + (XEN_NETIF_EXTRA_TYPE_MAX - 1) + ", XEN_NETIF_EXTRA_TYPE_GSO..HASH)");
        };
    }

    /** The {@code type} byte of a slot, readable even when {@link #decode} says malformed. */
    static int type(MemorySegment slot) {
        return Layouts.u8(slot.get(Layouts.U8, TYPE_OFFSET));
    }

    /** The {@code flags} byte of a slot, readable even when malformed: {@code MORE} says whether to skip further. */
    static int flags(MemorySegment slot) {
        return Layouts.u8(slot.get(Layouts.U8, FLAGS_OFFSET));
    }

    private static long readAddr(MemorySegment slot) {
        long addr = 0;
        for (int i = 0; i < MCAST_ADDR_LENGTH; i++) {
            addr = (addr << 8) | Layouts.u8(slot.get(Layouts.U8, MCAST_ADDR_OFFSET + i));
        }
        return addr;
    }

    private static void writeAddr(MemorySegment slot, long addr) {
        for (int i = 0; i < MCAST_ADDR_LENGTH; i++) {
            slot.set(Layouts.U8, MCAST_ADDR_OFFSET + i, (byte) (addr >>> (8 * (MCAST_ADDR_LENGTH - 1 - i))));
        }
    }

    private static long checkAddr(long addr) {
        if (addr >>> (8 * MCAST_ADDR_LENGTH) != 0) {
            throw new IllegalArgumentException("addr: 0x" + Long.toHexString(addr) + " (expected: 48 bits)");
        }
        return addr;
    }

    /**
     * {@code XEN_NETIF_EXTRA_TYPE_GSO}: the packet is a large TCP packet to be segmented at {@code size} (the MSS)
     * bytes of payload. {@code gsoType} is a {@code XEN_NETIF_GSO_TYPE_*}; {@code features} has no defined bits in
     * 4.17 (the header's {@code EN_NETIF_GSO_FEAT_*} is a typo with no definitions) and is carried as is.
     */
    record Gso(int flags, int size, int gsoType, int features) implements NetifExtraInfo {
        public Gso {
            Fields.u8("flags", flags);
            Fields.u16("size", size);
            Fields.u8("gsoType", gsoType);
            Fields.u16("features", features);
        }

        @Override
        public int type() {
            return XEN_NETIF_EXTRA_TYPE_GSO;
        }

        @Override
        public void encode(MemorySegment slot) {
            writeHeader(slot, this);
            slot.set(Layouts.U16, GSO_SIZE_OFFSET, (short) size);
            slot.set(Layouts.U8, GSO_TYPE_OFFSET, (byte) gsoType);
            slot.set(Layouts.U8, GSO_PAD_OFFSET, (byte) 0);
            slot.set(Layouts.U16, GSO_FEATURES_OFFSET, (short) features);
        }
    }

    /**
     * {@code XEN_NETIF_EXTRA_TYPE_MCAST_ADD}: add {@code addr} to netback's multicast filter (sent on a dummy tx
     * request). {@code addr} holds the 6 address bytes with {@code addr[0]} in bits 47..40, as it is printed.
     */
    record McastAdd(int flags, long addr) implements NetifExtraInfo {
        public McastAdd {
            Fields.u8("flags", flags);
            checkAddr(addr);
        }

        @Override
        public int type() {
            return XEN_NETIF_EXTRA_TYPE_MCAST_ADD;
        }

        @Override
        public void encode(MemorySegment slot) {
            writeHeader(slot, this);
            writeAddr(slot, addr);
        }
    }

    /** {@code XEN_NETIF_EXTRA_TYPE_MCAST_DEL}: remove {@code addr} (as in {@link McastAdd}) from the filter. */
    record McastDel(int flags, long addr) implements NetifExtraInfo {
        public McastDel {
            Fields.u8("flags", flags);
            checkAddr(addr);
        }

        @Override
        public int type() {
            return XEN_NETIF_EXTRA_TYPE_MCAST_DEL;
        }

        @Override
        public void encode(MemorySegment slot) {
            writeHeader(slot, this);
            writeAddr(slot, addr);
        }
    }

    /**
     * {@code XEN_NETIF_EXTRA_TYPE_HASH}: the packet's hash. {@code hashType} is a {@code _XEN_NETIF_CTRL_HASH_TYPE_*}
     * bit number and {@code algorithm} a {@code XEN_NETIF_CTRL_HASH_ALGORITHM_*} ({@link XenNetifCtrlHash}); both
     * are carried as is (Linux netback treats unknown hash types as "no hash", it does not refuse the packet).
     */
    record Hash(int flags, int hashType, int algorithm, int value) implements NetifExtraInfo {
        public Hash {
            Fields.u8("flags", flags);
            Fields.u8("hashType", hashType);
            Fields.u8("algorithm", algorithm);
        }

        @Override
        public int type() {
            return XEN_NETIF_EXTRA_TYPE_HASH;
        }

        @Override
        public void encode(MemorySegment slot) {
            writeHeader(slot, this);
            slot.set(Layouts.U8, HASH_TYPE_OFFSET, (byte) hashType);
            slot.set(Layouts.U8, HASH_ALGORITHM_OFFSET, (byte) algorithm);
            slot.set(Layouts.U32, HASH_VALUE_OFFSET, value);
        }
    }

    private static void writeHeader(MemorySegment slot, NetifExtraInfo extra) {
        slot.set(Layouts.U8, TYPE_OFFSET, (byte) extra.type());
        slot.set(Layouts.U8, FLAGS_OFFSET, (byte) extra.flags());
    }
}
