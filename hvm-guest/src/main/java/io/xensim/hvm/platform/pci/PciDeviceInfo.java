package io.xensim.hvm.platform.pci;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One PCI function as the guest kernel's scan found it (Linux's {@code struct pci_dev} after
 * {@code pci_setup_device}): where it is, who made it, what it is, and its BARs.
 *
 * <p><b>Threading:</b> immutable.
 */
public record PciDeviceInfo(PciAddress address, int vendorId, int deviceId, int classDevice, int progIf,
        int revision, int headerType, int subsystemVendorId, int subsystemId, int interruptPin, int interruptLine,
        List<PciBarInfo> bars) {
    public PciDeviceInfo {
        bars = List.copyOf(bars);
    }

    public Optional<PciBarInfo> bar(int index) {
        return bars.stream().filter(b -> b.index() == index).findFirst();
    }

    /** The 24-bit class code (class, subclass, prog-if), Linux's {@code dev->class}. */
    public int classCode() {
        return classDevice << 8 | progIf;
    }

    /** What Linux 6.1's {@code pci_setup_device} and {@code __pci_read_base} print for this function. */
    public List<String> logLines() {
        var lines = new ArrayList<String>();
        String prefix = "pci 0000:" + address + ": ";
        lines.add(prefix + String.format("[%04x:%04x] type %02x class %#08x", vendorId, deviceId,
                headerType & 0x7f, classCode()));
        for (PciBarInfo bar : bars) {
            lines.add(prefix + String.format("reg 0x%x: ", PciConfigHeader.barOffset(bar.index())) + bar);
        }
        return List.copyOf(lines);
    }
}
