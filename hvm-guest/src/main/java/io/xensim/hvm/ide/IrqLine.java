package io.xensim.hvm.ide;

/**
 * One ISA interrupt line of the emulated PC (IRQ 14 for the primary IDE channel, 15 for the secondary): the device
 * raises it, the guest's status read lowers it, and every rising edge is one interrupt Xen injects into the guest
 * (counted), so emulated and PV paths can be compared by injections as well as exits.
 *
 * <p><b>Threading:</b> confined to the guest vCPU's thread, like the device raising it.
 *
 * <p><b>Reference:</b> QEMU {@code hw/ide/core.c} ({@code ide_set_irq} raises unless nIEN, {@code ide_ioport_read}
 * of the status register lowers).
 */
public final class IrqLine {
    private final int irq;
    private boolean asserted;
    private long injections;

    IrqLine(int irq) {
        this.irq = irq;
    }

    public int irq() {
        return irq;
    }

    public boolean asserted() {
        return asserted;
    }

    /** Interrupts injected (rising edges) since creation or {@link #resetInjections()}. */
    public long injections() {
        return injections;
    }

    public void resetInjections() {
        injections = 0;
    }

    void raise() {
        if (!asserted) {
            asserted = true;
            injections++;
        }
    }

    void lower() {
        asserted = false;
    }
}
