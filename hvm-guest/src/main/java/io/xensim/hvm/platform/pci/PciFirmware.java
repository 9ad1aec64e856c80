package io.xensim.hvm.platform.pci;

import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_COMMAND;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_COMMAND_IO;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_COMMAND_MEMORY;
import static io.xensim.hvm.platform.pci.PciConfigHeader.barOffset;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * hvmloader's PCI set-up, the firmware step that runs in the guest before its kernel: every BAR of every function
 * on bus 0 gets an address, biggest first so that each stays naturally aligned (I/O from 0xc000, memory from
 * 0xf0000000, the bottom of the below-4G MMIO hole), and each function's I/O and memory decoding is switched on.
 * A BAR that no longer fits is left unassigned (logged by the caller from the result).
 *
 * <p><b>Threading:</b> the guest vCPU's thread.
 *
 * <p><b>Reference:</b> Xen 4.17 {@code tools/firmware/hvmloader/pci.c} ({@code pci_setup}: the BAR list sorted by
 * size, {@code io_resource} from 0xc000 to 0x10000, {@code mem_resource} from {@code pci_mem_start}) and
 * {@code config.h} ({@code PCI_MEM_END} 0xfc000000).
 */
public final class PciFirmware {
    public static final long IO_BASE = 0xc000;
    public static final long IO_END = 0x10000;
    public static final long MEM_BASE = 0xf000_0000L;
    public static final long MEM_END = 0xfc00_0000L;

    /** One BAR hvmloader placed, or could not place ({@code address} 0). */
    public record Assignment(PciAddress function, PciBarInfo bar) {
        public boolean placed() {
            return bar.address() != 0;
        }
    }

    private PciFirmware() {
    }

    /** Assigns every BAR on bus 0 and enables decoding; returns what went where, in assignment order. */
    public static List<Assignment> setUp(PciConf1 conf) {
        var scan = new PciScan(conf);
        var wanted = new ArrayList<Assignment>();
        for (PciDeviceInfo device : scan.scanBus()) {
            for (PciBarInfo bar : device.bars()) {
                wanted.add(new Assignment(device.address(), bar));
            }
        }
        wanted.sort(Comparator.comparingLong((Assignment a) -> a.bar().size()).reversed());
        long io = IO_BASE;
        long mem = MEM_BASE;
        var done = new ArrayList<Assignment>();
        for (Assignment a : wanted) {
            PciBarInfo bar = a.bar();
            boolean isIo = bar.kind().isIo();
            long next = align(isIo ? io : mem, bar.size());
            long end = isIo ? IO_END : MEM_END;
            long address = next + bar.size() <= end ? next : 0;
            if (address != 0) {
                conf.write(a.function(), barOffset(bar.index()), 4, (int) address | bar.kind().flags());
                if (isIo) {
                    io = address + bar.size();
                } else {
                    mem = address + bar.size();
                }
            }
            done.add(new Assignment(a.function(), new PciBarInfo(bar.index(), bar.kind(), address, bar.size())));
        }
        for (PciAddress function : done.stream().map(Assignment::function).distinct().toList()) {
            int command = conf.read(function, PCI_COMMAND, 2);
            conf.write(function, PCI_COMMAND, 2, command | PCI_COMMAND_IO | PCI_COMMAND_MEMORY);
        }
        return List.copyOf(done);
    }

    private static long align(long value, long alignment) {
        return (value + alignment - 1) & ~(alignment - 1);
    }
}
