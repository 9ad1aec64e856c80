package io.xensim.hvm.rtl8139;

import static io.xensim.hvm.rtl8139.Rtl8139Regs.CAPR_BIAS;
import static io.xensim.hvm.rtl8139.Rtl8139Regs.rxAlign;

/**
 * The card's side of the receive ring in guest memory: where it starts (RBSTART), how long it is (from RCR),
 * where the chip writes next (CBR) and where the driver has read up to (CAPR, kept 16 bytes ahead of what the
 * register reads). All pointer arithmetic is modulo the ring length, a power of two, so any CAPR the guest writes
 * is a valid position; what lies between is the free space a frame must fit in.
 *
 * <p><b>Threading:</b> the device model's thread, like the {@link Rtl8139} that owns it.
 *
 * <p><b>Reference:</b> QEMU {@code hw/net/rtl8139.c}: {@code rtl8139_reset_rxring}, {@code rtl8139_RxBufPtr_write}/
 * {@code _read}, {@code rtl8139_RxBufferEmpty}, the {@code avail} computation of {@code rtl8139_do_receive}, and
 * {@code rtl8139_write_buffer}.
 */
final class Rtl8139RxRing {
    private final GuestDma dma;
    private int rxBuf;
    private int size;
    private int bufPtr;
    private int bufAddr;

    Rtl8139RxRing(GuestDma dma) {
        this.dma = dma;
        reset(8192);
    }

    /** A new length (RCR write, chip reset): both pointers go back to the ring's start. */
    void reset(int length) {
        size = length;
        bufPtr = 0;
        bufAddr = 0;
    }

    int rxBuf() {
        return rxBuf;
    }

    void setRxBuf(int address) {
        rxBuf = address;
    }

    int size() {
        return size;
    }

    /** CAPR as the register reads it. */
    int capr() {
        return (bufPtr - CAPR_BIAS) & 0xffff;
    }

    void writeCapr(int value) {
        bufPtr = (value + CAPR_BIAS) & (size - 1);
    }

    /** CBR: the offset the next frame's header goes to. */
    int cbr() {
        return bufAddr & 0xffff;
    }

    /** CR's BUFE: nothing written that the driver has not read. */
    boolean isEmpty() {
        return ((size + bufAddr - bufPtr) & (size - 1)) == 0;
    }

    /** Whether a frame taking {@code needed} bytes of ring fits (an empty ring takes anything shorter than itself). */
    boolean fits(int needed) {
        int avail = (size + bufPtr - bufAddr) & (size - 1);
        return needed < size && (avail == 0 || needed < avail);
    }

    /**
     * Writes {@code length} bytes at CBR and moves it on. With {@code runOn} (RCR's Wrap, rings below 64 KiB) the
     * chip keeps writing past the ring's end, into the driver's pad; otherwise the rest continues at the start.
     */
    void write(byte[] bytes, int length, boolean runOn) {
        long base = Integer.toUnsignedLong(rxBuf);
        if (bufAddr + length > size) {
            int wrapped = (bufAddr + length) & (size - 1);
            if (wrapped != 0 && !(runOn && size < 65536)) {
                int head = length - wrapped;   // >= 0: bufAddr <= size and length < size here
                if (head > 0) {
                    dma.write(base + bufAddr, bytes, 0, head);
                }
                dma.write(base, bytes, head, wrapped);
                bufAddr = wrapped;
                return;
            }
        }
        dma.write(base + bufAddr, bytes, 0, length);
        bufAddr += length;
    }

    /** After a frame: the next one starts 4-byte aligned, back inside the ring. */
    void endFrame() {
        bufAddr = rxAlign(bufAddr) & (size - 1);
    }
}
