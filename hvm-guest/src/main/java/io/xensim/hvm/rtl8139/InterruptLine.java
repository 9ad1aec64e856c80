package io.xensim.hvm.rtl8139;

import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * A PCI device's INTx line as the guest sees it through Xen: the device model sets its level ({@code pci_set_irq});
 * each rising edge is one interrupt injection into the guest (Xen's virtual IO-APIC delivers the vector at the next
 * VM entry), which runs the guest's handler on the guest's executor. A level that stays high does not inject again
 * until it has dropped, as an edge into the IO-APIC's remote-IRR would not; a driver that acks its device lowers it.
 *
 * <p><b>Threading:</b> the device model's thread sets the level; the handler runs on {@code guestExecutor}.
 */
public final class InterruptLine {
    private final Executor guestExecutor;
    private Runnable handler;
    private boolean level;
    private long injections;

    public InterruptLine(Executor guestExecutor) {
        this.guestExecutor = Objects.requireNonNull(guestExecutor, "guestExecutor");
    }

    /** The guest's interrupt handler for this line ({@code request_irq}); null disconnects it. */
    public void connect(Runnable isr) {
        this.handler = isr;
    }

    /** Drives the line to {@code high}; a low-to-high change injects one interrupt. */
    public void set(boolean high) {
        if (high && !level) {
            injections++;
            Runnable isr = handler;
            if (isr != null) {
                guestExecutor.execute(isr);
            }
        }
        level = high;
    }

    public boolean level() {
        return level;
    }

    /** Interrupts injected so far. */
    public long injections() {
        return injections;
    }
}
