package io.xensim.hvm.rtl8139;

/**
 * The RTL8139's register file in its 256-byte I/O window (BAR0), and the bits of each register this model and its
 * driver use. Offsets and bit names follow QEMU's {@code hw/net/rtl8139.c} ({@code enum RTL8139_registers} and the
 * bit enums after it) and the Realtek datasheet; the C spelling is in each javadoc so that grepping finds it.
 * <pre>
 *  0x00 IDR0-5 (MAC, 6 bytes)   0x08 MAR0-7 (multicast hash, 8 bytes)
 *  0x10 TSD0-3 (u32 each)       0x20 TSAD0-3 (u32 each)          0x30 RBSTART (u32)
 *  0x37 CR (u8)                 0x38 CAPR (u16)   0x3a CBR (u16)  0x3c IMR (u16)   0x3e ISR (u16)
 *  0x40 TCR (u32)               0x44 RCR (u32)    0x48 TCTR (u32) 0x4c MPC (u32)
 *  0x50 9346CR (u8)             0x51 CONFIG0      0x52 CONFIG1    0x58 MSR        0x59 CONFIG3
 *  0x5a CONFIG4                 0x5b HLTCLK       0x5c MULINT (u16)  0x62 BMCR (u16)  0x64 BMSR (u16)
 * </pre>
 * The per-packet header the chip writes before each frame in the receive ring is a little-endian u32: the receive
 * status in bits 15:0 ({@code RX_STATUS_OK} ...) and the length including the 4-byte CRC in bits 31:16.
 *
 * <p><b>Threading:</b> constants only.
 */
public final class Rtl8139Regs {
    /** PCI identity: Realtek, RTL8139 ({@code PCI_VENDOR_ID_REALTEK}, {@code PCI_DEVICE_ID_REALTEK_8139}). */
    public static final int PCI_VENDOR_ID_REALTEK = 0x10ec;
    public static final int PCI_DEVICE_ID_REALTEK_8139 = 0x8139;
    /** QEMU's {@code RTL8139_PCI_REVID_8139CPLUS}. */
    public static final int RTL8139_PCI_REVID = 0x20;
    /** Size of the I/O BAR (and of the register file). */
    public static final int RTL8139_REGS_SIZE = 0x100;

    /** {@code MAC0}: IDR0..IDR5. */
    public static final int MAC0 = 0x00;
    /** {@code MAR0}: multicast hash MAR0..MAR7. */
    public static final int MAR0 = 0x08;
    /** {@code TxStatus0}: TSD0..TSD3, 4 bytes apart. */
    public static final int TX_STATUS0 = 0x10;
    /** {@code TxAddr0}: TSAD0..TSAD3, 4 bytes apart. */
    public static final int TX_ADDR0 = 0x20;
    /** {@code RxBuf}: RBSTART, the receive ring's guest-physical address. */
    public static final int RX_BUF = 0x30;
    /** {@code ChipCmd}: CR. */
    public static final int CHIP_CMD = 0x37;
    /** {@code RxBufPtr}: CAPR, the driver's read pointer (minus 16). */
    public static final int RX_BUF_PTR = 0x38;
    /** {@code RxBufAddr}: CBR, the chip's write pointer. */
    public static final int RX_BUF_ADDR = 0x3a;
    /** {@code IntrMask}: IMR. */
    public static final int INTR_MASK = 0x3c;
    /** {@code IntrStatus}: ISR. */
    public static final int INTR_STATUS = 0x3e;
    /** {@code TxConfig}: TCR. */
    public static final int TX_CONFIG = 0x40;
    /** {@code RxConfig}: RCR. */
    public static final int RX_CONFIG = 0x44;
    /** {@code Timer}: TCTR. */
    public static final int TIMER = 0x48;
    /** {@code RxMissed}: MPC, frames missed for lack of ring space. */
    public static final int RX_MISSED = 0x4c;
    /** {@code Cfg9346}: 9346CR. */
    public static final int CFG9346 = 0x50;
    /** {@code Config0}. */
    public static final int CONFIG0 = 0x51;
    /** {@code Config1}. */
    public static final int CONFIG1 = 0x52;
    /** {@code MediaStatus}: MSR. */
    public static final int MEDIA_STATUS = 0x58;
    /** {@code Config3}. */
    public static final int CONFIG3 = 0x59;
    /** {@code Config4}. */
    public static final int CONFIG4 = 0x5a;
    /** {@code HltClk}. */
    public static final int HLT_CLK = 0x5b;
    /** {@code MultiIntr}. */
    public static final int MULTI_INTR = 0x5c;
    /** {@code BasicModeCtrl}: BMCR. */
    public static final int BASIC_MODE_CTRL = 0x62;
    /** {@code BasicModeStatus}: BMSR. */
    public static final int BASIC_MODE_STATUS = 0x64;
    /** {@code CpCmd}: the C+ command register (C+ mode is not modelled). */
    public static final int CP_CMD = 0xe0;

    /** Transmit descriptors (TSD/TSAD pairs) used round robin ({@code NUM_TX_DESC}). */
    public static final int NUM_TX_DESC = 4;

    // CR bits ({@code enum ChipCmdBits})
    /** {@code CmdReset}. */
    public static final int CMD_RESET = 0x10;
    /** {@code CmdRxEnb}. */
    public static final int CMD_RX_ENB = 0x08;
    /** {@code CmdTxEnb}. */
    public static final int CMD_TX_ENB = 0x04;
    /** {@code RxBufEmpty}: read-only, the ring holds no unread byte. */
    public static final int RX_BUF_EMPTY = 0x01;

    // ISR/IMR bits ({@code enum IntrStatusBits})
    /** {@code PCIErr}. */
    public static final int PCI_ERR = 0x8000;
    /** {@code PCSTimeout}. */
    public static final int PCS_TIMEOUT = 0x4000;
    /** {@code RxFIFOOver}. */
    public static final int RX_FIFO_OVER = 0x40;
    /** {@code RxUnderrun}: link change. */
    public static final int RX_UNDERRUN = 0x20;
    /** {@code RxOverflow}: the ring had no room for a frame. */
    public static final int RX_OVERFLOW = 0x10;
    /** {@code TxErr}. */
    public static final int TX_ERR = 0x08;
    /** {@code TxOK}. */
    public static final int TX_OK = 0x04;
    /** {@code RxErr}. */
    public static final int RX_ERR = 0x02;
    /** {@code RxOK}. */
    public static final int RX_OK = 0x01;

    // TSD bits ({@code enum TxStatusBits})
    /** {@code TxHostOwns}: OWN, set by the chip once it has read the buffer. */
    public static final int TX_HOST_OWNS = 0x2000;
    /** {@code TxUnderrun}. */
    public static final int TX_UNDERRUN = 0x4000;
    /** {@code TxStatOK}: TOK. */
    public static final int TX_STAT_OK = 0x8000;
    /** {@code TxOutOfWindow}. */
    public static final int TX_OUT_OF_WINDOW = 0x2000_0000;
    /** {@code TxAborted}: TABT. */
    public static final int TX_ABORTED = 0x4000_0000;
    /** {@code TxCarrierLost}. */
    public static final int TX_CARRIER_LOST = 0x8000_0000;
    /** The descriptor's size field (bits 12:0). */
    public static final int TX_SIZE_MASK = 0x1fff;

    // TCR bits
    /** {@code TxLoopBack}: both loopback bits. */
    public static final int TX_LOOP_BACK = 0x0006_0000;
    /** {@code TxVersionMask}: the hardware revision bits, read-only. */
    public static final int TX_VERSION_MASK = 0x7c80_0000;
    /** QEMU's TCR after reset: {@code HW_REVID(1, 1, 1, 0, 1, 1, 0)}, an RTL8139C+. */
    public static final int TX_CONFIG_RESET = 0x7480_0000;

    // RCR bits ({@code enum rx_mode_bits} and the ring length)
    /** {@code AcceptErr}. */
    public static final int ACCEPT_ERR = 0x20;
    /** {@code AcceptRunt}. */
    public static final int ACCEPT_RUNT = 0x10;
    /** {@code AcceptBroadcast}. */
    public static final int ACCEPT_BROADCAST = 0x08;
    /** {@code AcceptMulticast}. */
    public static final int ACCEPT_MULTICAST = 0x04;
    /** {@code AcceptMyPhys}. */
    public static final int ACCEPT_MY_PHYS = 0x02;
    /** {@code AcceptAllPhys}: promiscuous. */
    public static final int ACCEPT_ALL_PHYS = 0x01;
    /** {@code Wrap} (8139too's {@code RxNoWrap}): write a frame past the ring's end instead of wrapping it. */
    public static final int RX_CFG_WRAP = 0x80;
    /** RBLEN, bits 12:11: the ring is {@code 8192 << RBLEN} bytes. */
    public static final int RX_CFG_RBLEN_SHIFT = 11;

    // Receive status in the packet header ({@code enum RxStatusBits})
    /** {@code RxStatusOK}. */
    public static final int RX_STATUS_OK = 0x0001;
    /** {@code RxBroadcast}. */
    public static final int RX_BROADCAST = 0x2000;
    /** {@code RxPhysical}. */
    public static final int RX_PHYSICAL = 0x4000;
    /** {@code RxMulticast}. */
    public static final int RX_MULTICAST = 0x8000;

    // 9346CR
    /** {@code Cfg9346_Lock}. */
    public static final int CFG9346_LOCK = 0x00;
    /** {@code Cfg9346_Unlock}: config-register write enable. */
    public static final int CFG9346_UNLOCK = 0xc0;

    /** Bytes of the per-packet header in the receive ring. */
    public static final int RX_HEADER_LENGTH = 4;
    /** The CRC the chip appends to each received frame (counted in the header's length). */
    public static final int ETH_FCS_LEN = 4;
    /** The driver's CAPR is 16 below the chip's read position (QEMU adds 0x10 on write, subtracts on read). */
    public static final int CAPR_BIAS = 0x10;

    private Rtl8139Regs() {
    }

    /** The receive ring's length RCR selects ({@code 8192 << RBLEN}). */
    public static int rxBufferSize(int rxConfig) {
        return 8192 << ((rxConfig >>> RX_CFG_RBLEN_SHIFT) & 0x3);
    }

    /** {@code RX_ALIGN}: frames in the ring start on 4-byte boundaries. */
    public static int rxAlign(int x) {
        return (x + 3) & ~3;
    }
}
