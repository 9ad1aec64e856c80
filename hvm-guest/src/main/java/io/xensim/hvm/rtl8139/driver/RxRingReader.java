package io.xensim.hvm.rtl8139.driver;

import static io.xensim.hvm.rtl8139.Rtl8139Regs.*;

import io.xensim.net.frame.Frame;
import io.xensim.net.guest.NetCounters;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.function.Consumer;

/**
 * The driver's walk of the receive ring ({@code rtl8139_rx}): from {@code cur_rx}, while CR says the ring is not
 * empty, read each packet header from guest memory, check it, copy the frame up, move CAPR past it and ack the
 * receive bits. The card is not trusted: a header with an impossible length or without the OK bit restarts the
 * receiver ({@code rtl8139_rx_err}) instead of being followed, so no read leaves the ring buffer.
 *
 * <p><b>Threading:</b> the guest domain's executor (the NAPI poll).
 *
 * <p><b>Reference:</b> Linux 6.1 {@code 8139too.c}: {@code rtl8139_rx}, {@code rtl8139_isr_ack}, {@code
 * rtl8139_rx_err} (the restart without {@code CONFIG_8139_OLD_RX_RESET}).
 */
final class RxRingReader {
    /** The header length the chip shows while it is still writing a frame (early receive). */
    private static final int EARLY_RX_SIZE = 0xfff0;
    private static final ValueLayout.OfInt LE32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final RtlPorts ports;
    private final MemorySegment ram;
    private final NetCounters counters;
    private long ringDma;
    private int curRx;

    RxRingReader(RtlPorts ports, MemorySegment ram, NetCounters counters) {
        this.ports = ports;
        this.ram = ram;
        this.counters = counters;
    }

    /** The ring is at {@code dma} and the chip starts at its offset 0 ({@code tp->cur_rx = 0}). */
    void restart(long dma) {
        ringDma = dma;
        curRx = 0;
    }

    /** Takes up to {@code budget} frames to {@code receiver}; returns how many, or -1 after a receiver restart. */
    int rx(int budget, int rxConfig, Consumer<Frame> receiver) {
        int received = 0;
        boolean earlyRx = false;
        while (received < budget && (ports.in8(CHIP_CMD) & RX_BUF_EMPTY) == 0) {
            int ringOffset = curRx % Rtl8139Driver.RX_BUF_LEN;
            int rxStatus = ram.get(LE32, ringDma + ringOffset);
            int rxSize = rxStatus >>> 16;
            int pktSize = rxSize - ETH_FCS_LEN;
            if (rxSize == EARLY_RX_SIZE) {
                earlyRx = true;   // the chip is still copying this frame in: look again on the next interrupt
                break;
            }
            if (rxSize > Rtl8139Driver.MAX_ETH_FRAME_SIZE + 4 || rxSize < 8 || (rxStatus & RX_STATUS_OK) == 0) {
                rxErr(rxConfig);
                return -1;   // the receive bits stay set: the next interrupt finds the ring empty and acks them
            }
            byte[] bytes = new byte[pktSize];   // the chip wrote past the end into the pad: one linear copy
            MemorySegment.copy(ram, ValueLayout.JAVA_BYTE, ringDma + ringOffset + RX_HEADER_LENGTH, bytes, 0,
                    pktSize);
            counters.countRx(pktSize);
            receiver.accept(Frame.copyOf(bytes));
            received++;
            curRx = (curRx + rxSize + RX_HEADER_LENGTH + 3) & ~3;
            ports.out16(RX_BUF_PTR, (curRx - CAPR_BIAS) & 0xffff);
            isrAck();
        }
        if (received == 0 || earlyRx) {   // nothing taken: ack anyway, or the pending RxOK re-interrupts forever
            isrAck();
        }
        return received;
    }

    // rtl8139_isr_ack
    private void isrAck() {
        int status = ports.in16(INTR_STATUS) & Rtl8139Driver.RX_ACK_BITS;
        if (status != 0) {
            if ((status & (RX_FIFO_OVER | RX_OVERFLOW)) != 0) {
                counters.countRxError();
            }
            ports.out16F(INTR_STATUS, Rtl8139Driver.RX_ACK_BITS);
        }
    }

    // rtl8139_rx_err: count it, restart the receiver, start the ring over.
    private void rxErr(int rxConfig) {
        counters.countRxError();
        int cmd = ports.in8(CHIP_CMD);
        ports.out8(CHIP_CMD, cmd & ~CMD_RX_ENB);
        ports.out8(CHIP_CMD, cmd);
        ports.out32(RX_CONFIG, rxConfig);
        curRx = 0;
    }
}
