package io.xensim.hvm.platform.pci;

/**
 * A function's place on the PCI bus (bus, device/slot, function), printed as Linux prints it: {@code 00:03.0}.
 *
 * <p><b>Threading:</b> immutable.
 */
public record PciAddress(int bus, int device, int function) {
    public static final int PCI_SLOT_COUNT = 32;
    public static final int PCI_FUNCTION_COUNT = 8;

    public PciAddress {
        if (bus < 0 || bus > 0xff) {
            throw new IllegalArgumentException("bus: " + bus + " (expected: 0..255)");
        }
        if (device < 0 || device >= PCI_SLOT_COUNT) {
            throw new IllegalArgumentException("device: " + device + " (expected: 0..31)");
        }
        if (function < 0 || function >= PCI_FUNCTION_COUNT) {
            throw new IllegalArgumentException("function: " + function + " (expected: 0..7)");
        }
    }

    public static PciAddress of(int device, int function) {
        return new PciAddress(0, device, function);
    }

    /** The CONFIG_ADDRESS value (mechanism #1) selecting {@code register} of this function, enable bit set. */
    public int configAddress(int register) {
        return 0x8000_0000 | bus << 16 | device << 11 | function << 8 | (register & 0xfc);
    }

    @Override
    public String toString() {
        return String.format("%02x:%02x.%d", bus, device, function);
    }
}
