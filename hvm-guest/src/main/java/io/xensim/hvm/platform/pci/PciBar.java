package io.xensim.hvm.platform.pci;

import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_BASE_ADDRESS_MEM_PREFETCH;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_BASE_ADDRESS_MEM_TYPE_32;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_BASE_ADDRESS_SPACE_IO;
import static io.xensim.hvm.platform.pci.PciConfigHeader.PCI_NUM_BARS;

/**
 * One base address register a device model declares, as QEMU's {@code pci_register_bar}: its index, whether it
 * decodes I/O or (32-bit, optionally prefetchable) memory space, and its size, a power of two (at least 4 bytes
 * for I/O, 16 for memory). Where it sits is the firmware's choice, written into the configuration space.
 *
 * <p><b>Threading:</b> immutable.
 */
public record PciBar(int index, Kind kind, long size) {
    /** What a BAR decodes, with the low bits its register carries. */
    public enum Kind {
        IO(PCI_BASE_ADDRESS_SPACE_IO, 4),
        MEMORY32(PCI_BASE_ADDRESS_MEM_TYPE_32, 16),
        MEMORY32_PREFETCH(PCI_BASE_ADDRESS_MEM_TYPE_32 | PCI_BASE_ADDRESS_MEM_PREFETCH, 16);

        private final int flags;
        private final long minSize;

        Kind(int flags, long minSize) {
            this.flags = flags;
            this.minSize = minSize;
        }

        /** The read-only low bits of the register. */
        public int flags() {
            return flags;
        }

        public boolean isIo() {
            return this == IO;
        }

        /** The kind a BAR register's low bits say (a 64-bit memory BAR reads as {@link #MEMORY32} here). */
        public static Kind ofRegister(int register) {
            if ((register & PCI_BASE_ADDRESS_SPACE_IO) != 0) {
                return IO;
            }
            return (register & PCI_BASE_ADDRESS_MEM_PREFETCH) != 0 ? MEMORY32_PREFETCH : MEMORY32;
        }
    }

    public PciBar {
        if (index < 0 || index >= PCI_NUM_BARS) {
            throw new IllegalArgumentException("index: " + index + " (expected: 0.." + (PCI_NUM_BARS - 1) + ")");
        }
        if (kind == null) {
            throw new IllegalArgumentException("kind: null");
        }
        long max = kind.isIo() ? 0x10000 : 1L << 31;
        if (Long.bitCount(size) != 1 || size < kind.minSize || size > max) {
            throw new IllegalArgumentException("size: " + size + " (expected: a power of two in " + kind.minSize
                    + ".." + max + ")");
        }
    }

    public static PciBar io(int index, long size) {
        return new PciBar(index, Kind.IO, size);
    }

    public static PciBar memory(int index, long size, boolean prefetchable) {
        return new PciBar(index, prefetchable ? Kind.MEMORY32_PREFETCH : Kind.MEMORY32, size);
    }

    /** The register's writable address bits: the bits at and above the size. */
    public int addressMask() {
        return (int) ~(size - 1);
    }
}
