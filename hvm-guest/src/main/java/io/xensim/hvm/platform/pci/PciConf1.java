package io.xensim.hvm.platform.pci;

import io.xensim.hvm.platform.IoPortBus;
import java.util.Objects;

/**
 * The guest's configuration accessors over mechanism #1, as Linux's {@code pci_conf1_read}/{@code pci_conf1_write}
 * ({@code arch/x86/pci/direct.c}) do them: write CONFIG_ADDRESS (4 bytes at 0xcf8), then access CONFIG_DATA at
 * {@code 0xcfc + (reg & 3)}. Each call is two port accesses, so two VM exits.
 *
 * <p><b>Threading:</b> the guest vCPU's thread, like the bus.
 */
public final class PciConf1 {
    private final IoPortBus ioBus;

    public PciConf1(IoPortBus ioBus) {
        this.ioBus = Objects.requireNonNull(ioBus, "ioBus");
    }

    public IoPortBus ioBus() {
        return ioBus;
    }

    /** Reads {@code size} (1, 2 or 4) bytes at {@code reg} of {@code address}'s configuration space. */
    public int read(PciAddress address, int reg, int size) {
        ioBus.out(PciHost.PCI_CONFIG_ADDRESS_PORT, 4, address.configAddress(reg));
        return ioBus.in(PciHost.PCI_CONFIG_DATA_PORT + (reg & 3), size);
    }

    public void write(PciAddress address, int reg, int size, int value) {
        ioBus.out(PciHost.PCI_CONFIG_ADDRESS_PORT, 4, address.configAddress(reg));
        ioBus.out(PciHost.PCI_CONFIG_DATA_PORT + (reg & 3), size, value);
    }
}
