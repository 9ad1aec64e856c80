package io.xensim.hvm.rtl8139.driver;

import io.xensim.hvm.platform.IoPortBus;

/**
 * The driver's register accessors over the card's I/O BAR, 8139too's {@code RTL_R8/16/32} and {@code RTL_W8/16/32};
 * the {@code _F} forms write and then read the same register back, flushing the posted write. Every call is port
 * I/O, so one VM exit (two for a flushed write).
 *
 * <p><b>Threading:</b> the guest domain's executor, like the driver.
 */
final class RtlPorts {
    private final IoPortBus io;
    private final int ioaddr;

    RtlPorts(IoPortBus io, int ioaddr) {
        this.io = io;
        this.ioaddr = ioaddr;
    }

    int ioaddr() {
        return ioaddr;
    }

    int in8(int reg) {
        return io.in(ioaddr + reg, 1);
    }

    int in16(int reg) {
        return io.in(ioaddr + reg, 2);
    }

    int in32(int reg) {
        return io.in(ioaddr + reg, 4);
    }

    void out8(int reg, int value) {
        io.out(ioaddr + reg, 1, value);
    }

    void out16(int reg, int value) {
        io.out(ioaddr + reg, 2, value);
    }

    void out32(int reg, int value) {
        io.out(ioaddr + reg, 4, value);
    }

    void out8F(int reg, int value) {
        out8(reg, value);
        in8(reg);
    }

    void out16F(int reg, int value) {
        out16(reg, value);
        in16(reg);
    }

    void out32F(int reg, int value) {
        out32(reg, value);
        in32(reg);
    }
}
