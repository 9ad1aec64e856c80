package io.xensim.hvm.platform.pci;

import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_BASE_ADDRESS_IO_MASK;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_BASE_ADDRESS_MEM_MASK;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_BASE_ADDRESS_SPACE_IO;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_COMMAND;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_COMMAND_IO;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_COMMAND_MEMORY;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_HEADER_TYPE;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_HEADER_TYPE_MULTI_FUNCTION;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_INTERRUPT_LINE;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_NUM_BARS;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_REVISION_ID;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_SUBSYSTEM_VENDOR_ID;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_VENDOR_ID;
import static io.xensim.hvm.platform.pci.PciConfigHeader.barOffset;

import java.util.ArrayList;
import java.util.List;

/**
 * The guest kernel's enumeration of bus 0 through configuration mechanism #1: every slot's function 0, and
 * functions 1..7 of a multi-function device; each found function's identity, and its BARs sized by writing all
 * ones and reading back with decoding switched off meanwhile. Every configuration access is port I/O and so
 * counted as VM exits on the bus.
 *
 * <p><b>Threading:</b> the guest vCPU's thread.
 *
 * <p><b>Reference:</b> Linux 6.1 {@code drivers/pci/probe.c}: {@code pci_scan_slot}, {@code pci_bus_read_dev_vendor_id}
 * (0xffffffff, 0, 0x0000ffff and 0xffff0000 mean no device), {@code pci_read_bases}/{@code __pci_read_base} and
 * {@code pci_size} (I/O BAR sizes within {@code IO_SPACE_LIMIT} 0xffff).
 */
public final class PciScan {
    private final PciConf1 conf;

    public PciScan(PciConf1 conf) {
        this.conf = conf;
    }

    /** Every function on bus 0, in bus order. */
    public List<PciDeviceInfo> scanBus() {
        var found = new ArrayList<PciDeviceInfo>();
        for (int device = 0; device < PciAddress.PCI_SLOT_COUNT; device++) {
            var fn0 = probe(PciAddress.of(device, 0));
            if (fn0 == null) {
                continue;
            }
            found.add(fn0);
            if ((fn0.headerType() & PCI_HEADER_TYPE_MULTI_FUNCTION) != 0) {
                for (int function = 1; function < PciAddress.PCI_FUNCTION_COUNT; function++) {
                    var fn = probe(PciAddress.of(device, function));
                    if (fn != null) {
                        found.add(fn);
                    }
                }
            }
        }
        return List.copyOf(found);
    }

    /** The function at {@code address}, or null if none answers. */
    public PciDeviceInfo probe(PciAddress address) {
        int ids = conf.read(address, PCI_VENDOR_ID, 4);
        if (ids == 0xffffffff || ids == 0 || ids == 0x0000ffff || ids == 0xffff0000) {
            return null;
        }
        int classRev = conf.read(address, PCI_REVISION_ID, 4);
        int headerType = conf.read(address, PCI_HEADER_TYPE, 1);
        int subsystem = conf.read(address, PCI_SUBSYSTEM_VENDOR_ID, 4);
        int interrupt = conf.read(address, PCI_INTERRUPT_LINE, 2);
        return new PciDeviceInfo(address, ids & 0xffff, ids >>> 16, classRev >>> 16, (classRev >>> 8) & 0xff,
                classRev & 0xff, headerType, subsystem & 0xffff, subsystem >>> 16, interrupt >>> 8,
                interrupt & 0xff, readBars(address));
    }

    // __pci_read_base for each BAR, with decoding off around the sizing as pci_read_bases does.
    private List<PciBarInfo> readBars(PciAddress address) {
        int command = conf.read(address, PCI_COMMAND, 2);
        int decode = PCI_COMMAND_IO | PCI_COMMAND_MEMORY;
        if ((command & decode) != 0) {
            conf.write(address, PCI_COMMAND, 2, command & ~decode);
        }
        var bars = new ArrayList<PciBarInfo>();
        for (int index = 0; index < PCI_NUM_BARS; index++) {
            int reg = barOffset(index);
            int original = conf.read(address, reg, 4);
            conf.write(address, reg, 4, 0xffffffff);
            int sized = conf.read(address, reg, 4);
            conf.write(address, reg, 4, original);
            if (sized == 0 || sized == 0xffffffff) {
                continue;
            }
            boolean io = (sized & PCI_BASE_ADDRESS_SPACE_IO) != 0;
            long mask = io ? PCI_BASE_ADDRESS_IO_MASK & 0xffffL : PCI_BASE_ADDRESS_MEM_MASK & 0xffff_ffffL;
            long size = pciSize(Integer.toUnsignedLong(original) & mask, Integer.toUnsignedLong(sized) & mask, mask);
            if (size == 0) {
                continue;
            }
            bars.add(new PciBarInfo(index, PciBar.Kind.ofRegister(sized), Integer.toUnsignedLong(original) & mask,
                    size));
        }
        if ((command & decode) != 0) {
            conf.write(address, PCI_COMMAND, 2, command);
        }
        return List.copyOf(bars);
    }

    // pci_size: the lowest writable address bit is the size; a BAR whose bits below it are not all clear is bogus.
    private static long pciSize(long base, long maxbase, long mask) {
        long size = mask & maxbase;
        if (size == 0) {
            return 0;
        }
        size = size & ~(size - 1);
        if (base == maxbase && ((base | (size - 1)) & mask) != mask) {
            return 0;
        }
        return size;
    }
}
