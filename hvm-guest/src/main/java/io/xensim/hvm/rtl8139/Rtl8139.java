package io.xensim.hvm.rtl8139;

import static io.xensim.hvm.rtl8139.Rtl8139Regs.*;

import io.xensim.hvm.platform.IoPortDevice;
import io.xensim.net.frame.MacAddress;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * The RTL8139's register file and its two DMA engines, as the device model emulates them behind the card's I/O
 * BAR: the command register with reset and the receiver/transmitter enables, the station address, the four
 * transmit descriptors (a TSD write hands the buffer at TSAD to the chip, which reads it from guest memory, puts the
 * frame on the wire and sets OWN and TOK), the receive ring at RBSTART (each accepted frame is written at CBR behind
 * a 4-byte header, the ring length and wrap mode taken from RCR, the free space judged against the driver's CAPR),
 * ISR/IMR with write-one-to-clear and the INTx line they drive, and RCR's address filter.
 *
 * <p>Not modelled: C+ mode (the descriptor-ring transmit/receive of the 8139C+, {@code CpCmd} is stored and
 * otherwise ignored, so none of QEMU's C+ CVEs, e.g. CVE-2015-5165's short-IP-header reads, can arise), the
 * EEPROM, MII/PHY beyond BMCR/BMSR reset values, the timer interrupt, early receive and tally counters.
 *
 * <p>Hostile guests: every guest-chosen value is bounded before use. A descriptor's size is at most
 * {@link Rtl8139Regs#TX_SIZE_MASK} (8191) bytes by the field's width; a buffer not wholly in guest RAM aborts the
 * transmit (TSD gets OWN and TABT, ISR TxErr; QEMU instead sends what its failed DMA left in the buffer); ring writes
 * outside RAM are dropped byte by byte ({@link GuestDma}); CAPR and CBR arithmetic is modulo the ring length, and
 * a frame longer than the ring is refused as an overflow (QEMU would write it over the ring). No loop runs more
 * than once per byte of one frame.
 *
 * <p><b>Threading:</b> confined to one thread, the device-model loop serving the guest's port accesses (the guest
 * vCPU's executor here): register accesses, {@link #receive} and the frames it emits to the wire all happen there.
 *
 * <p><b>Reference:</b> QEMU {@code hw/net/rtl8139.c}: {@code rtl8139_reset}, {@code rtl8139_ChipCmd_write}/
 * {@code _read} ({@code RxBufEmpty}), {@code rtl8139_TxStatus_write}, {@code rtl8139_transmit_one},
 * {@code rtl8139_do_receive} (filter, {@code avail} check, header with length incl. CRC), {@code
 * rtl8139_write_buffer} (wrap), {@code rtl8139_RxBufPtr_write} (+0x10), {@code rtl8139_IntrStatus_write}
 * (write 1 to clear), {@code rtl8139_IntrMask_write}, {@code rtl8139_RxConfig_write} (ring reset), {@code
 * rtl8139_TxConfig_write}, {@code rtl8139_Cfg9346_write}, {@code rtl8139_update_irq}.
 */
public final class Rtl8139 implements IoPortDevice {
    private final MacAddress romMac;
    private final GuestDma dma;
    private final InterruptLine irq;
    private final Consumer<byte[]> wire;
    private final Rtl8139Counters counters = new Rtl8139Counters();

    private final byte[] phys = new byte[6];
    private final byte[] mult = new byte[8];
    private final int[] txStatus = new int[NUM_TX_DESC];
    private final int[] txAddr = new int[NUM_TX_DESC];
    private final byte[] txBuffer = new byte[TX_SIZE_MASK + 1];
    private int currTxDesc;
    private final Rtl8139RxRing ring;
    private int chipCmd;
    private int intrMask;
    private int intrStatus;
    private int txConfig;
    private int rxConfig;
    private int rxMissed;
    private int cfg9346;
    private int config0;
    private int config1;
    private int config3;
    private int config4;
    private int mediaStatus;
    private int multiIntr;
    private int basicModeCtrl;
    private int basicModeStatus;
    private int cpCmd;

    /**
     * A card with {@code mac} in its EEPROM, DMA into {@code dma}, interrupts on {@code irq}, and {@code wire}
     * taking each transmitted frame (a fresh array the model keeps no reference to). Powered on: reset.
     */
    public Rtl8139(MacAddress mac, GuestDma dma, InterruptLine irq, Consumer<byte[]> wire) {
        this.romMac = Objects.requireNonNull(mac, "mac");
        this.dma = Objects.requireNonNull(dma, "dma");
        this.irq = Objects.requireNonNull(irq, "irq");
        this.wire = Objects.requireNonNull(wire, "wire");
        this.ring = new Rtl8139RxRing(dma);
        reset();
    }

    public MacAddress romMac() {
        return romMac;
    }

    /** The station address in IDR0-5 now (the driver may rewrite it). */
    public MacAddress mac() {
        long bits = 0;
        for (byte b : phys) {
            bits = bits << 8 | (b & 0xff);
        }
        return new MacAddress(bits);
    }

    public InterruptLine irq() {
        return irq;
    }

    public Rtl8139Counters counters() {
        return counters;
    }

    public boolean receiverEnabled() {
        return (chipCmd & CMD_RX_ENB) != 0;
    }

    public boolean transmitterEnabled() {
        return (chipCmd & CMD_TX_ENB) != 0;
    }

    // rtl8139_reset: what the card looks like at power-on and after CR.RST or a 9346CR reset.
    private void reset() {
        long bits = romMac.bits();
        for (int i = 0; i < 6; i++) {
            phys[i] = (byte) (bits >>> (8 * (5 - i)));
        }
        intrStatus = 0;
        intrMask = 0;
        updateIrq();
        for (int i = 0; i < NUM_TX_DESC; i++) {
            txStatus[i] = TX_HOST_OWNS;
            txAddr[i] = 0;
        }
        currTxDesc = 0;
        ring.setRxBuf(0);
        ring.reset(8192);
        txConfig = TX_CONFIG_RESET;
        chipCmd = CMD_RESET;   // reads as set until the next CR write, as QEMU's bChipCmdState after reset
        config0 = 0;
        config1 = 0x0c;
        config3 = 0x01;
        config4 = 0;
        mediaStatus = 0;   // link up at 100 Mb/s: QEMU reports no link-fail bit
        basicModeCtrl = 0x1000;
        basicModeStatus = 0x782d;
        multiIntr = 0;
        cpCmd = 0;
        rxConfig = 0;
        rxMissed = 0;
        cfg9346 = 0;
    }

    // ---- port I/O ---------------------------------------------------------------------------------------------

    @Override
    public int in(int offset, int size) {
        if (size == 4 && isDwordRegister(offset)) {
            return readDword(offset);
        }
        if (size == 2 && isWordRegister(offset)) {
            return readWord(offset);
        }
        int value = 0;   // any other width or alignment: byte by byte, as QEMU's io_readw/io_readl defaults do
        for (int i = 0; i < size; i++) {
            value |= readByte(offset + i) << (8 * i);
        }
        return value;
    }

    @Override
    public void out(int offset, int size, int value) {
        if (size == 4 && isDwordRegister(offset)) {
            writeDword(offset, value);
        } else if (size == 2 && isWordRegister(offset)) {
            writeWord(offset, value & 0xffff);
        } else {
            for (int i = 0; i < size; i++) {
                writeByte(offset + i, (value >>> (8 * i)) & 0xff);
            }
        }
    }

    private static boolean isDwordRegister(int offset) {
        return (offset >= TX_STATUS0 && offset < RX_BUF + 4 && (offset & 3) == 0)
                || offset == TX_CONFIG || offset == RX_CONFIG || offset == TIMER || offset == RX_MISSED;
    }

    private static boolean isWordRegister(int offset) {
        return offset == RX_BUF_PTR || offset == RX_BUF_ADDR || offset == INTR_MASK || offset == INTR_STATUS
                || offset == MULTI_INTR || offset == BASIC_MODE_CTRL || offset == BASIC_MODE_STATUS || offset == CP_CMD;
    }

    private int readDword(int offset) {
        if (offset >= TX_STATUS0 && offset < TX_ADDR0) {
            return txStatus[(offset - TX_STATUS0) >> 2];
        }
        if (offset >= TX_ADDR0 && offset < RX_BUF) {
            return txAddr[(offset - TX_ADDR0) >> 2];
        }
        return switch (offset) {
            case RX_BUF -> ring.rxBuf();
            case TX_CONFIG -> txConfig;
            case RX_CONFIG -> rxConfig;
            case RX_MISSED -> rxMissed;
            default -> 0;   // TIMER: the free-running counter is not modelled
        };
    }

    private void writeDword(int offset, int value) {
        if (offset >= TX_STATUS0 && offset < TX_ADDR0) {
            writeTxStatus((offset - TX_STATUS0) >> 2, value);
        } else if (offset >= TX_ADDR0 && offset < RX_BUF) {
            txAddr[(offset - TX_ADDR0) >> 2] = value;
        } else {
            switch (offset) {
                case RX_BUF -> ring.setRxBuf(value);
                case TX_CONFIG -> writeTxConfig(value);
                case RX_CONFIG -> writeRxConfig(value);
                case RX_MISSED -> rxMissed = 0;   // any write clears MPC
                default -> { }   // TIMER: a write would restart the counter
            }
        }
    }

    private int readWord(int offset) {
        return switch (offset) {
            case RX_BUF_PTR -> ring.capr();
            case RX_BUF_ADDR -> ring.cbr();
            case INTR_MASK -> intrMask;
            case INTR_STATUS -> intrStatus;
            case MULTI_INTR -> multiIntr;
            case BASIC_MODE_CTRL -> basicModeCtrl;
            case BASIC_MODE_STATUS -> basicModeStatus;
            case CP_CMD -> cpCmd;
            default -> 0xffff;
        };
    }

    private void writeWord(int offset, int value) {
        switch (offset) {
            case RX_BUF_PTR -> ring.writeCapr(value);
            case RX_BUF_ADDR -> { }   // CBR is the chip's: read-only
            case INTR_MASK -> {
                intrMask = setMasked(value, 0x1e00, intrMask);
                updateIrq();
            }
            case INTR_STATUS -> writeIntrStatus(value);
            case MULTI_INTR -> multiIntr = value;
            case BASIC_MODE_CTRL -> basicModeCtrl = setMasked(value, 0x4cff | 0x3000 | 0x0100, basicModeCtrl);
            case BASIC_MODE_STATUS -> basicModeStatus = setMasked(value, 0xff3f, basicModeStatus);
            case CP_CMD -> cpCmd = setMasked(value, 0xff84, cpCmd);
            default -> { }
        }
    }

    private int readByte(int offset) {
        if (offset >= MAC0 && offset < MAC0 + 6) {
            return phys[offset - MAC0] & 0xff;
        }
        if (offset >= MAR0 && offset < MAR0 + 8) {
            return mult[offset - MAR0] & 0xff;
        }
        int base = wideBase(offset);
        if (base >= 0) {
            int wide = isDwordRegister(base) ? readDword(base) : readWord(base);
            return (wide >>> (8 * (offset - base))) & 0xff;
        }
        return switch (offset) {
            case CHIP_CMD -> readChipCmd();
            case CFG9346 -> cfg9346;
            case CONFIG0 -> config0;
            case CONFIG1 -> config1;
            case MEDIA_STATUS -> mediaStatus;
            case CONFIG3 -> config3;
            case CONFIG4 -> config4;
            default -> 0;   // reserved and unmodelled registers read as zero, as QEMU's io_readb default
        };
    }

    private void writeByte(int offset, int value) {
        if (offset >= MAC0 && offset < MAC0 + 6) {
            phys[offset - MAC0] = (byte) value;
            return;
        }
        if (offset >= MAR0 && offset < MAR0 + 8) {
            mult[offset - MAR0] = (byte) value;
            return;
        }
        int base = wideBase(offset);
        if (base >= 0) {
            int shift = 8 * (offset - base);
            boolean dword = isDwordRegister(base);
            // A narrow write to a wide register merges into its current value, except ISR, whose other bytes
            // must write zeros (write 1 to clear).
            int current = base == INTR_STATUS ? 0 : base >= TX_STATUS0 && base < TX_ADDR0
                    ? txStatus[(base - TX_STATUS0) >> 2] : dword ? readDword(base) : readWord(base);
            int merged = (current & ~(0xff << shift)) | (value << shift);
            if (dword) {
                writeDword(base, merged);
            } else {
                writeWord(base, merged & 0xffff);
            }
            return;
        }
        switch (offset) {
            case CHIP_CMD -> writeChipCmd(value);
            case CFG9346 -> writeCfg9346(value);
            case CONFIG0 -> {
                if (configWritable()) {
                    config0 = setMasked(value, 0xf8, config0);
                }
            }
            case CONFIG1 -> {
                if (configWritable()) {
                    config1 = setMasked(value, 0x0c, config1);
                }
            }
            case CONFIG3 -> {
                if (configWritable()) {
                    config3 = setMasked(value, 0x8f, config3);
                }
            }
            case CONFIG4 -> {
                if (configWritable()) {
                    config4 = setMasked(value, 0x0a, config4);
                }
            }
            default -> { }   // HltClk, MediaStatus and the reserved bytes: ignored
        }
    }

    /** The first offset of the 2- or 4-byte register holding {@code offset}, or -1. */
    private static int wideBase(int offset) {
        if (offset >= TX_STATUS0 && offset < RX_BUF + 4) {
            return offset & ~3;
        }
        for (int base : new int[] {TX_CONFIG, RX_CONFIG, TIMER, RX_MISSED}) {
            if (offset >= base && offset < base + 4) {
                return base;
            }
        }
        int word = offset & ~1;
        return isWordRegister(word) ? word : -1;
    }

    // ---- individual registers ---------------------------------------------------------------------------------

    // rtl8139_ChipCmd_write: RST resets now and reads back 0; RE/TE are the writable bits.
    private void writeChipCmd(int value) {
        if ((value & CMD_RESET) != 0) {
            reset();
        }
        chipCmd = setMasked(value, 0xe3, chipCmd) & ~CMD_RESET;
    }

    // rtl8139_ChipCmd_read: BUFE is computed from the ring pointers.
    private int readChipCmd() {
        return chipCmd | (ring.isEmpty() ? RX_BUF_EMPTY : 0);
    }

    // rtl8139_Cfg9346_write: EEPROM mode (0x80) is not modelled; mode 0x40 resets the card.
    private void writeCfg9346(int value) {
        int v = setMasked(value, 0x31, cfg9346);
        if ((v & 0xc0) == 0x40) {
            reset();
            v = 0;
        }
        cfg9346 = v;
    }

    private boolean configWritable() {
        return (cfg9346 & 0xc0) == CFG9346_UNLOCK;
    }

    // rtl8139_TxConfig_write: only while the transmitter is on; the revision bits are read-only.
    private void writeTxConfig(int value) {
        if (transmitterEnabled()) {
            txConfig = setMasked(value, TX_VERSION_MASK | 0x8070_f80f, txConfig);
        }
    }

    // rtl8139_RxConfig_write: reserved bits kept; the ring restarts at offset 0 with the new length.
    private void writeRxConfig(int value) {
        rxConfig = setMasked(value, 0xf0fc_0040, rxConfig);
        ring.reset(rxBufferSize(rxConfig));
    }

    // rtl8139_IntrStatus_write: ones clear; the line drops, then rises again if something is still pending.
    private void writeIntrStatus(int value) {
        int next = setMasked(intrStatus & ~value, 0x1e00, intrStatus);
        intrStatus = 0;
        updateIrq();
        intrStatus = next;
        updateIrq();
    }

    private void updateIrq() {
        irq.set((intrStatus & intrMask & 0xffff) != 0);
    }

    // rtl8139_TxStatus_write: the write clears OWN/TOK and the error bits, then the chip tries its current slot.
    private void writeTxStatus(int descriptor, int value) {
        int v = value & ~0xff00_c000;
        txStatus[descriptor] = setMasked(v, 0x00c0_0000, txStatus[descriptor]);
        transmitOne(currTxDesc);
    }

    // rtl8139_transmit / rtl8139_transmit_one: one descriptor per TSD write, in round-robin order.
    private void transmitOne(int descriptor) {
        if (!transmitterEnabled() || (txStatus[descriptor] & TX_HOST_OWNS) != 0) {
            return;
        }
        int size = txStatus[descriptor] & TX_SIZE_MASK;
        long address = Integer.toUnsignedLong(txAddr[descriptor]);
        currTxDesc = (currTxDesc + 1) % NUM_TX_DESC;
        if (!dma.read(address, txBuffer, size)) {
            txStatus[descriptor] |= TX_HOST_OWNS | TX_ABORTED;
            counters.txAborted++;
            intrStatus |= TX_ERR;
            updateIrq();
            return;
        }
        txStatus[descriptor] |= TX_HOST_OWNS | TX_STAT_OK;
        if (size > 0) {
            byte[] frame = Arrays.copyOf(txBuffer, size);
            counters.txFrames++;
            counters.txBytes += size;
            if ((txConfig & TX_LOOP_BACK) == TX_LOOP_BACK) {
                receive(frame);
            } else {
                wire.accept(frame);
            }
        }
        intrStatus |= TX_OK;
        updateIrq();
    }

    // ---- receive ----------------------------------------------------------------------------------------------

    /** What {@link #receive} did with a frame. */
    public enum RxOutcome {
        /** Written into the ring; RxOK raised. */
        ACCEPTED,
        /** The receiver is off (CR.RE clear, or not yet enabled). */
        RECEIVER_OFF,
        /** RCR's address filter refused it. */
        FILTERED,
        /** No room between CBR and CAPR: dropped, MPC counted, RxOverflow raised. */
        OVERFLOW
    }

    /** A frame from the network (without CRC); the chip appends the CRC as it writes the ring. */
    public RxOutcome receive(byte[] frame) {
        if (!receiverEnabled()) {
            counters.rxReceiverOff++;
            return RxOutcome.RECEIVER_OFF;
        }
        int status = Rtl8139RxFilter.accept(rxConfig, phys, mult, frame);
        if (status == 0) {
            counters.rxFiltered++;
            return RxOutcome.FILTERED;
        }
        int size = frame.length;
        if (!ring.fits(rxAlign(size + RX_HEADER_LENGTH + ETH_FCS_LEN))) {
            intrStatus |= RX_OVERFLOW;
            rxMissed++;
            counters.rxOverflows++;
            updateIrq();
            return RxOutcome.OVERFLOW;
        }
        boolean runOn = (rxConfig & RX_CFG_WRAP) != 0;
        int header = RX_STATUS_OK | status | ((size + ETH_FCS_LEN) << 16);
        ring.write(le32(header), 4, runOn);
        ring.write(frame, size, runOn);
        ring.write(le32(Rtl8139RxFilter.crc32(frame)), 4, runOn);
        ring.endFrame();
        counters.rxFrames++;
        counters.rxBytes += size;
        intrStatus |= RX_OK;
        updateIrq();
        return RxOutcome.ACCEPTED;
    }

    private static byte[] le32(int v) {
        return new byte[] {(byte) v, (byte) (v >>> 8), (byte) (v >>> 16), (byte) (v >>> 24)};
    }

    /** QEMU's {@code SET_MASKED}: the bits of {@code mask} keep their current value, the others take the input's. */
    private static int setMasked(int input, int mask, int current) {
        return (input & ~mask) | (current & mask);
    }
}
