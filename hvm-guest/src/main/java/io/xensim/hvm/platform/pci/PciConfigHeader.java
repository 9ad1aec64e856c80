package io.xensim.hvm.platform.pci;

/**
 * The type-0 PCI configuration header: offsets and bits, named as Linux's {@code include/uapi/linux/pci_regs.h}
 * names them.
 * <pre>
 *  offset  0               1               2               3
 *  0x00   |          vendor id (u16)      |        device id (u16)        |
 *  0x04   |          command (u16)        |         status (u16)          |
 *  0x08   | revision (u8) | prog-if (u8)  |  class device (u16: class<<8 | subclass)
 *  0x0c   | cache line    | latency timer | header type   | BIST          |
 *  0x10   |                    BAR 0 .. BAR 5 (u32 each, to 0x27)         |
 *  0x28   |                    cardbus CIS pointer (u32)                  |
 *  0x2c   |   subsystem vendor id (u16)   |     subsystem id (u16)        |
 *  0x30   |                    expansion ROM base (u32)                   |
 *  0x34   | capabilities  |                 reserved                      |
 *  0x3c   | interrupt line| interrupt pin | min grant     | max latency   |
 * </pre>
 * All fields are little-endian. A BAR's low bits say what it is: bit 0 set for I/O space (the address is bits
 * 31:2), clear for memory (bits 2:1 the type, bit 3 prefetchable, the address bits 31:4). Writing all ones to a BAR
 * and reading it back gives the size: the address bits below the size read as zero.
 */
public final class PciConfigHeader {
    public static final int PCI_VENDOR_ID = 0x00;
    public static final int PCI_DEVICE_ID = 0x02;
    public static final int PCI_COMMAND = 0x04;
    public static final int PCI_STATUS = 0x06;
    public static final int PCI_REVISION_ID = 0x08;
    public static final int PCI_CLASS_PROG = 0x09;
    public static final int PCI_CLASS_DEVICE = 0x0a;
    public static final int PCI_HEADER_TYPE = 0x0e;
    public static final int PCI_BASE_ADDRESS_0 = 0x10;
    public static final int PCI_SUBSYSTEM_VENDOR_ID = 0x2c;
    public static final int PCI_SUBSYSTEM_ID = 0x2e;
    public static final int PCI_INTERRUPT_LINE = 0x3c;
    public static final int PCI_INTERRUPT_PIN = 0x3d;

    /** Bytes of configuration space of a conventional PCI function. */
    public static final int PCI_CONFIG_SPACE_SIZE = 256;
    /** BARs in a type-0 header. */
    public static final int PCI_NUM_BARS = 6;

    public static final int PCI_COMMAND_IO = 0x1;
    public static final int PCI_COMMAND_MEMORY = 0x2;
    public static final int PCI_COMMAND_MASTER = 0x4;
    public static final int PCI_COMMAND_INTX_DISABLE = 0x400;

    /** {@code PCI_HEADER_TYPE} bit 7: the device has functions beyond 0. */
    public static final int PCI_HEADER_TYPE_MULTI_FUNCTION = 0x80;

    public static final int PCI_BASE_ADDRESS_SPACE_IO = 0x01;
    public static final int PCI_BASE_ADDRESS_MEM_TYPE_32 = 0x00;
    public static final int PCI_BASE_ADDRESS_MEM_PREFETCH = 0x08;
    /** {@code PCI_BASE_ADDRESS_IO_MASK}: {@code (~0x03UL)}. */
    public static final int PCI_BASE_ADDRESS_IO_MASK = ~0x03;
    /** {@code PCI_BASE_ADDRESS_MEM_MASK}: {@code (~0x0fUL)}. */
    public static final int PCI_BASE_ADDRESS_MEM_MASK = ~0x0f;

    /** Vendor id read from a slot with no device (the all-ones of an unanswered configuration read). */
    public static final int PCI_VENDOR_ID_NONE = 0xffff;

    /** {@code PCI_CLASS_NETWORK_ETHERNET}. */
    public static final int PCI_CLASS_NETWORK_ETHERNET = 0x0200;
    /** {@code PCI_CLASS_STORAGE_IDE}. */
    public static final int PCI_CLASS_STORAGE_IDE = 0x0101;
    /** {@code PCI_CLASS_STORAGE_EXPRESS} (NVMe). */
    public static final int PCI_CLASS_STORAGE_EXPRESS = 0x0108;
    /** {@code PCI_CLASS_OTHERS << 8 | 0x80}: the Xen platform device's class ("Unassigned class [ff80]"). */
    public static final int PCI_CLASS_OTHERS_80 = 0xff80;

    private PciConfigHeader() {
    }

    /** The configuration-space offset of BAR {@code index}. */
    public static int barOffset(int index) {
        return PCI_BASE_ADDRESS_0 + 4 * index;
    }
}
