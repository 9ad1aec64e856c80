package io.xensim.hvm.rtl8139;

import static io.xensim.hvm.rtl8139.Rtl8139Regs.*;

import io.xensim.net.frame.MacAddress;
import io.xensim.xenbus.memory.GuestMemory;
import java.util.ArrayList;
import java.util.List;

/**
 * A bare card on a test bench: 64 KiB of guest memory, interrupts counted with a direct executor, transmitted
 * frames collected. Register accesses are made directly on the card (offsets into its window).
 */
final class CardBench implements AutoCloseable {
    static final MacAddress MAC = MacAddress.of("00:16:3e:12:34:56");
    static final long RING = 0x4000;
    final GuestMemory memory;
    final List<byte[]> wire = new ArrayList<>();
    final Rtl8139 card;
    int isrRuns;

    CardBench() {
        this(16);
    }

    CardBench(int frames) {
        memory = GuestMemory.anonymous(frames);
        var irq = new InterruptLine(Runnable::run);
        irq.connect(() -> isrRuns++);
        card = new Rtl8139(MAC, new GuestDma(memory), irq, wire::add);
    }

    /** Receiver and transmitter on, an 8 KiB ring at {@link #RING} taking broadcast and our address. */
    CardBench started(int rxConfig) {
        card.out(CHIP_CMD, 1, CMD_RESET);
        card.out(RX_BUF, 4, (int) RING);
        card.out(CHIP_CMD, 1, CMD_RX_ENB | CMD_TX_ENB);
        card.out(RX_CONFIG, 4, rxConfig);
        return this;
    }

    static byte[] frame(MacAddress dst, int length, int fill) {
        byte[] f = new byte[length];
        long d = dst.bits();
        for (int i = 0; i < 6; i++) {
            f[i] = (byte) (d >>> (8 * (5 - i)));
        }
        long s = 0x00163e000001L;
        for (int i = 0; i < 6; i++) {
            f[6 + i] = (byte) (s >>> (8 * (5 - i)));
        }
        f[12] = 0x08;
        for (int i = 14; i < length; i++) {
            f[i] = (byte) (fill + i);
        }
        return f;
    }

    byte[] ram(long address, int length) {
        byte[] out = new byte[length];
        new GuestDma(memory).read(address, out, length);
        return out;
    }

    int ramLe32(long address) {
        byte[] b = ram(address, 4);
        return (b[0] & 0xff) | (b[1] & 0xff) << 8 | (b[2] & 0xff) << 16 | (b[3] & 0xff) << 24;
    }

    @Override
    public void close() {
        memory.close();
    }
}
